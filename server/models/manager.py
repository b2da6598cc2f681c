"""``ModelManager``: the one loaded model, its status, and its supervision.

The model runs in its own process (``process.ProcessBackend``; only the OpenAI-compatible
backend, plain HTTP, stays in the caller's process), so native model code never runs in the
language server. Loading is lazy and blocking (callers run it on a worker thread); only one
instance lives at a time, and switching models closes the old one so its memory is returned
before the new one loads. Requests overlap when the backend batches (one model process
serves them all) and are serialised otherwise.

Supervision: when the model process crashes or hangs, the request in flight fails with a
message naming the signal and what to do, the status turns to "error", and the process is
restarted once in the background so the next request works. A second crash within
``CRASH_WINDOW_S`` stops the restarts and says so, until the settings change or
``reset_failures`` (the "load model" command) asks for another try. After
``model.idleUnloadS`` seconds without a request the model is unloaded (its process ends and
returns its memory); the next request loads it again.

Every state change is reported through ``on_status`` (the LSP adapter turns it into a
``prosepy/modelStatus`` notification and work-done progress).
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
from prosepy.server.models.process import ModelCrashed

logger = logging.getLogger(__name__)

State = Literal["not loaded", "loading", "ready", "generating", "error"]
#: Token-count updates while generating are reported at most this often.
STATUS_INTERVAL_S = 0.25
#: Two crashes within this many seconds stop the automatic restarts.
CRASH_WINDOW_S = 600.0


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
        load: Callable[[ModelSettings], Backend] = loader.load_isolated,
    ) -> None:
        self._settings = settings
        self._on_status = on_status
        self._load = load
        self._load_lock = threading.Lock()  # one load at a time
        self._serial = threading.Lock()  # one generation at a time for non-batching backends
        self._state_lock = threading.Lock()  # guards the fields below
        self._backend: Backend | None = None
        self._backend_key: Any = None
        self._busy: dict[int, int] = {}  # id(backend) -> generations running on it
        self._retired: list[Backend] = []  # replaced while generating: closed afterwards
        self._crashes: list[float] = []
        self._gave_up: ModelError | None = None
        self._last_used = time.monotonic()
        self._idle_timer: threading.Timer | None = None
        self._status = ModelStatus("not loaded", "loads on first use", self._label(settings))
        self._closed = False

    # -- status -------------------------------------------------------------------------
    @property
    def status(self) -> ModelStatus:
        return self._status

    @property
    def settings(self) -> ModelSettings:
        return self._settings

    @property
    def backend(self) -> Backend | None:
        """The loaded backend, if any (for diagnostics: its ``pid``, ``runtime``)."""
        return self._backend

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
        return (replace(settings, load_at_start=False, idle_unload_s=0.0), self._label(settings))

    # -- lifecycle ----------------------------------------------------------------------
    def update_settings(self, settings: ModelSettings) -> None:
        """Adopt new settings; release the loaded model if they select a different one."""
        with self._state_lock:
            changed = settings != self._settings
            self._settings = settings
            if changed:
                self._gave_up, self._crashes = None, []
            if self._backend is None or self._backend_key == self._key(settings):
                label = self._label(settings)
                # a new label, or new settings after a failure: the next use tries again
                stale = self._status.state == "error" or (
                    self._status.state == "not loaded" and self._status.model != label
                )
                if self._backend is None and stale and self._gave_up is None:
                    self._set_status(ModelStatus("not loaded", "loads on first use", label))
                self._arm_idle_timer()
                return
            old, self._backend, self._backend_key = self._backend, None, None
        self._release(old)
        self._set_status(ModelStatus("not loaded", "model changed", self._label(settings)))

    def reset_failures(self) -> None:
        """Forget earlier crashes: the next use starts the model process again."""
        with self._state_lock:
            self._gave_up, self._crashes = None, []

    def _release(self, backend: Backend) -> None:
        """Close now if no generation is using it, else right after the last one ends."""
        with self._state_lock:
            if self._busy.get(id(backend)):
                self._retired.append(backend)
                return
        _close_quietly(backend)

    def get(self) -> Backend:
        """The loaded backend, loading it first if needed (blocking: call from a worker)."""
        with self._load_lock:
            for _ in range(3):  # settings that change during a load cause a reload
                if self._closed:
                    raise ModelError("the model manager is closed")
                if self._gave_up is not None:
                    raise self._gave_up
                settings = self._settings
                key = self._key(settings)
                with self._state_lock:
                    current = self._backend
                    if current is not None and self._backend_key == key:
                        if getattr(current, "alive", True):
                            return current
                    stale, self._backend, self._backend_key = current, None, None
                if stale is not None and not getattr(stale, "alive", True):
                    # it died while idle (e.g. the OOM killer): count it, load a new one now
                    death = _idle_death(stale)
                    _close_quietly(stale)
                    self._note_crash(death, self._label(settings), restart=False)
                    if self._gave_up is not None:
                        raise self._gave_up
                elif stale is not None:
                    self._release(stale)
                backend = self._load_now(settings)
                with self._state_lock:
                    if self._key(self._settings) == key and not self._closed:
                        self._backend, self._backend_key = backend, key
                        self._last_used = time.monotonic()
                        self._arm_idle_timer()
                        return backend
                _close_quietly(backend)  # outdated before it was used
            raise ModelError("the model settings keep changing", "try again")

    def _load_now(self, settings: ModelSettings, detail: str = "") -> Backend:
        label = self._label(settings)
        self._set_status(ModelStatus("loading", f"loading {label}", label))
        start = time.monotonic()
        try:
            backend = self._load(settings)
        except ModelCrashed as exc:
            self._note_crash(exc, label, restart=True)
            raise self._gave_up or exc from exc
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
        done = f"loaded in {seconds:.1f} s"
        self._set_status(ModelStatus("ready", f"{detail}{done}", label))
        return backend

    # -- supervision --------------------------------------------------------------------
    def _note_crash(self, exc: ModelCrashed, label: str, restart: bool) -> None:
        """Record a crash; restart once in the background, or give up on a repeat."""
        now = time.monotonic()
        with self._state_lock:
            self._crashes = [t for t in self._crashes if now - t < CRASH_WINDOW_S] + [now]
            count = len(self._crashes)
        logger.error("%s", exc)
        if count >= 2:
            minutes = CRASH_WINDOW_S / 60
            self._gave_up = ModelError(
                f"{exc.message}. The model process failed {count} times within {minutes:.0f} "
                "minutes, so prosepy stopped restarting it",
                "run `prosepy doctor` to see why; change the model settings or run "
                '"prosepy: Load model" to try again',
            )
            self._set_status(ModelStatus("error", str(self._gave_up), label))
            return
        self._set_status(ModelStatus("error", f"{exc}; restarting it", label))
        if restart:
            threading.Thread(target=self._restart, args=(exc,), daemon=True).start()

    def _restart(self, exc: ModelCrashed) -> None:
        try:
            self.get()
        except ModelError as again:
            logger.warning("restarting the model process failed: %s", again)
        else:
            status = self._status
            detail = f"restarted after {exc.cause}; {status.detail}"
            self._set_status(replace(status, detail=detail))

    # -- idle unload --------------------------------------------------------------------
    def _arm_idle_timer(self) -> None:
        """(Re)start the idle countdown; called with ``_state_lock`` held."""
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        idle = self._settings.idle_unload_s
        if idle > 0 and self._backend is not None and not self._closed:
            self._idle_timer = threading.Timer(idle, self._unload_if_idle)
            self._idle_timer.daemon = True
            self._idle_timer.start()

    def _unload_if_idle(self) -> None:
        idle = self._settings.idle_unload_s
        with self._state_lock:
            backend = self._backend
            if backend is None or self._busy.get(id(backend)) or idle <= 0:
                return
            if time.monotonic() - self._last_used < idle - 0.05:
                self._arm_idle_timer()
                return
            self._backend, self._backend_key = None, None
        self._release(backend)
        label = self._status.model
        self._set_status(
            ModelStatus("not loaded", f"unloaded after {idle:.0f} s idle; loads on next use", label)
        )

    # -- generation ---------------------------------------------------------------------
    def generate(
        self,
        request: GenerationRequest,
        cancel: CancelToken | None = None,
        on_token: TokenCallback | None = None,
    ) -> GenerationResult:
        """Generate with the loaded model (loading it first).

        Requests overlap when the backend batches them, else they run one at a time.
        """
        backend = self.get()
        if getattr(backend, "concurrent", False):
            return self._generate_on(backend, request, cancel, on_token)
        with self._serial:
            backend = self.get()  # it may have changed while waiting
            return self._generate_on(backend, request, cancel, on_token)

    def _generate_on(
        self,
        backend: Backend,
        request: GenerationRequest,
        cancel: CancelToken | None,
        on_token: TokenCallback | None,
    ) -> GenerationResult:
        label = self._status.model
        count = 0
        last = 0.0
        with self._state_lock:
            self._busy[id(backend)] = self._busy.get(id(backend), 0) + 1
            self._last_used = time.monotonic()
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
        except ModelCrashed as exc:
            with self._state_lock:
                if self._backend is backend:
                    self._backend, self._backend_key = None, None
            _close_quietly(backend)
            self._note_crash(exc, label, restart=True)
            raise
        except ModelError as exc:
            self._set_status(ModelStatus("ready", f"last request failed: {exc}", label))
            raise
        except Exception as exc:
            logger.exception("generation failed")
            self._set_status(ModelStatus("ready", f"last request failed: {exc!r}", label))
            raise ModelError(f"generation failed: {exc!r}", "see the server log") from exc
        finally:
            self._finish(backend)
        rate = result.tokens / result.total_s if result.total_s > 0 else 0.0
        detail = f"{result.tokens} tokens in {result.total_s:.1f} s ({rate:.1f} tok/s)"
        if result.finish_reason != "stop":
            detail += f", {result.finish_reason}"
        if self._backend is backend:
            self._set_status(ModelStatus("ready", detail, label, result.tokens))
        return result

    def _finish(self, backend: Backend) -> None:
        """One generation ended: close retired backends nobody uses; restart the idle clock."""
        with self._state_lock:
            left = self._busy.get(id(backend), 1) - 1
            if left:
                self._busy[id(backend)] = left
            else:
                self._busy.pop(id(backend), None)
            done = [b for b in self._retired if not self._busy.get(id(b))]
            self._retired = [b for b in self._retired if self._busy.get(id(b))]
            self._last_used = time.monotonic()
            self._arm_idle_timer()
        for old in done:
            _close_quietly(old)

    def close(self) -> None:
        """Release the model (server shutdown); later ``get`` calls raise ``ModelError``."""
        with self._state_lock:
            self._closed = True
            old, self._backend, self._backend_key = self._backend, None, None
            if self._idle_timer is not None:
                self._idle_timer.cancel()
        if old is not None:
            self._release(old)
        self._set_status(ModelStatus("not loaded", "closed", self._status.model))


def _idle_death(backend: Backend) -> ModelCrashed:
    """The crash of a model process found dead between requests."""
    describe = getattr(backend, "crash", None)
    if describe is not None:
        return describe("idle")
    return ModelCrashed("the model process ended while idle", "", "exit")


def _close_quietly(backend: Backend) -> None:
    try:
        backend.close()
    except Exception:
        logger.exception("closing %s failed", getattr(backend, "name", backend))
