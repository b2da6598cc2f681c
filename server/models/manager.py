"""``ModelManager``: the one loaded model of a process, its status, and serialised generation.

Loading is lazy and blocking (callers run it on a worker thread); only one instance lives at
a time, and switching models closes the old one so its memory is returned before the new
one loads. Every state change is reported through ``on_status`` (the LSP adapter turns it
into a ``prosepy/modelStatus`` notification and work-done progress).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

from prosepy.server.config import ModelSettings
from prosepy.server.models import loader
from prosepy.server.models.base import (
    Backend,
    CancelToken,
    GenerationRequest,
    GenerationResult,
    ModelError,
    TokenCallback,
)

logger = logging.getLogger(__name__)

State = Literal["not loaded", "loading", "ready", "generating", "error"]
#: Token-count updates while generating are reported at most this often.
STATUS_INTERVAL_S = 0.25


@dataclass(frozen=True)
class ModelStatus:
    state: State
    detail: str
    model: str
    tokens: int | None = None


class ModelManager:
    """Owns the loaded backend; thread-safe; never raises anything but ``ModelError``."""

    def __init__(
        self,
        settings: ModelSettings,
        on_status: Callable[[ModelStatus], None] | None = None,
        load: Callable[[ModelSettings], Backend] = loader.load_backend,
    ) -> None:
        self._settings = settings
        self._on_status = on_status
        self._load = load
        self._load_lock = threading.Lock()  # one load at a time
        self._gen_lock = threading.Lock()  # one generation at a time
        self._state_lock = threading.Lock()  # guards the fields below
        self._backend: Backend | None = None
        self._backend_key: Any = None
        self._retired: list[Backend] = []  # replaced while generating: closed afterwards
        self._status = ModelStatus("not loaded", "loads on first use", self._label(settings))
        self._closed = False

    # -- status -------------------------------------------------------------------------
    @property
    def status(self) -> ModelStatus:
        return self._status

    @property
    def settings(self) -> ModelSettings:
        return self._settings

    def _set_status(self, status: ModelStatus) -> None:
        self._status = status
        if self._on_status is not None:
            try:
                self._on_status(status)
            except Exception:  # a broken listener must not break generation
                logger.exception("model status listener failed")

    @staticmethod
    def _label(settings: ModelSettings) -> str:
        try:
            return loader.describe(settings)
        except Exception as exc:
            return f"(unresolvable: {exc})"

    def _key(self, settings: ModelSettings) -> Any:
        """What identifies a loaded instance; the label covers `prosepy model use` changes."""
        return (replace(settings, load_at_start=False), self._label(settings))

    # -- lifecycle ----------------------------------------------------------------------
    def update_settings(self, settings: ModelSettings) -> None:
        """Adopt new settings; release the loaded model if they select a different one."""
        with self._state_lock:
            self._settings = settings
            if self._backend is None or self._backend_key == self._key(settings):
                label = self._label(settings)
                # a new label, or new settings after a failure: the next use tries again
                stale = self._status.state == "error" or (
                    self._status.state == "not loaded" and self._status.model != label
                )
                if self._backend is None and stale:
                    self._set_status(ModelStatus("not loaded", "loads on first use", label))
                return
            old, self._backend, self._backend_key = self._backend, None, None
        self._release(old)
        self._set_status(ModelStatus("not loaded", "model changed", self._label(settings)))

    def _release(self, backend: Backend) -> None:
        """Close now if no generation is using it, else right after that generation."""
        if self._gen_lock.acquire(blocking=False):
            try:
                _close_quietly(backend)
            finally:
                self._gen_lock.release()
        else:
            with self._state_lock:
                self._retired.append(backend)

    def get(self) -> Backend:
        """The loaded backend, loading it first if needed (blocking: call from a worker)."""
        with self._load_lock:
            for _ in range(3):  # settings that change during a load cause a reload
                if self._closed:
                    raise ModelError("the model manager is closed")
                settings = self._settings
                key = self._key(settings)
                with self._state_lock:
                    if self._backend is not None and self._backend_key == key:
                        return self._backend
                    stale, self._backend, self._backend_key = self._backend, None, None
                if stale is not None:
                    self._release(stale)
                backend = self._load_now(settings)
                with self._state_lock:
                    if self._key(self._settings) == key and not self._closed:
                        self._backend, self._backend_key = backend, key
                        return backend
                _close_quietly(backend)  # outdated before it was used
            raise ModelError("the model settings keep changing", "try again")

    def _load_now(self, settings: ModelSettings) -> Backend:
        label = self._label(settings)
        self._set_status(ModelStatus("loading", f"loading {label}", label))
        start = time.monotonic()
        try:
            backend = self._load(settings)
        except ModelError as exc:
            self._set_status(ModelStatus("error", str(exc), label))
            raise
        except Exception as exc:  # a runtime's surprise becomes a clear error
            logger.exception("loading %s failed", label)
            error = ModelError(f"loading {label} failed: {exc!r}", "see the server log")
            self._set_status(ModelStatus("error", str(error), label))
            raise error from exc
        seconds = time.monotonic() - start
        logger.info("model %s loaded in %.1f s", label, seconds)
        self._set_status(ModelStatus("ready", f"loaded in {seconds:.1f} s", label))
        return backend

    def generate(
        self,
        request: GenerationRequest,
        cancel: CancelToken | None = None,
        on_token: TokenCallback | None = None,
    ) -> GenerationResult:
        """Generate with the loaded model (loading it first); one request at a time."""
        with self._gen_lock:
            backend = self.get()
            label = self._status.model
            count = 0
            last = 0.0
            self._set_status(ModelStatus("generating", "generating", label, 0))

            def counting(piece: str) -> None:
                nonlocal count, last
                count += 1
                now = time.monotonic()
                if now - last >= STATUS_INTERVAL_S:
                    last = now
                    self._set_status(ModelStatus("generating", "generating", label, count))
                if on_token is not None:
                    on_token(piece)

            try:
                result = backend.generate(request, cancel, counting)
            except ModelError as exc:
                self._set_status(ModelStatus("ready", f"last request failed: {exc}", label))
                raise
            except Exception as exc:
                logger.exception("generation failed")
                self._set_status(ModelStatus("ready", f"last request failed: {exc!r}", label))
                raise ModelError(f"generation failed: {exc!r}", "see the server log") from exc
            finally:
                with self._state_lock:
                    retired, self._retired = self._retired, []
                for old in retired:
                    _close_quietly(old)
            rate = result.tokens / result.total_s if result.total_s > 0 else 0.0
            detail = f"{result.tokens} tokens in {result.total_s:.1f} s ({rate:.1f} tok/s)"
            if result.finish_reason != "stop":
                detail += f", {result.finish_reason}"
            if self._backend is backend:
                self._set_status(ModelStatus("ready", detail, label, result.tokens))
            return result

    def close(self) -> None:
        """Release the model (server shutdown); later ``get`` calls raise ``ModelError``."""
        with self._state_lock:
            self._closed = True
            old, self._backend, self._backend_key = self._backend, None, None
        if old is not None:
            self._release(old)
        self._set_status(ModelStatus("not loaded", "closed", self._status.model))


def _close_quietly(backend: Backend) -> None:
    try:
        backend.close()
    except Exception:
        logger.exception("closing %s failed", getattr(backend, "name", backend))
