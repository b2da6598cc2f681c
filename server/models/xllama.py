"""The default runtime: llama.cpp from the prebuilt ``xllamacpp`` wheel (no compiler needed).

xllamacpp embeds llama.cpp's own server: ``handle_chat_completions`` takes an OpenAI-style
request, renders the chat template stored in the GGUF and calls back once per streamed
chunk, so cancellation and the time budget are checked between tokens (returning True from
the callback stops llama.cpp at once). Stop sequences, ``max_tokens`` and GBNF grammars are
llama.cpp's. Concurrent calls are batched by the server's slots.

Its Linux x86-64 wheel is built for AVX2/FMA/F16C (no AVX-512, no AMX): the features it
reports are checked against this CPU before the first load. The embedded server also
listens on a loopback port; it is protected with a random API key nobody is told.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import secrets
import tempfile
import threading
from collections.abc import Iterator
from typing import Any

from prosepy.server.models import cpu
from prosepy.server.models.base import (
    CancelToken,
    FinishReason,
    GenerationRequest,
    GenerationResult,
    ModelError,
    StreamCollector,
    TokenCallback,
    chat_body,
    installed_version,
    not_installed,
)
from prosepy.server.models.gguf import GGUFInfo, load_error
from prosepy.server.models.memory import check_memory, out_of_memory_loading

logger = logging.getLogger(__name__)
RUNTIME = "xllamacpp"
#: llama.cpp's log threshold: 1 keeps errors and warnings, drops per-request chatter.
_VERBOSITY = 1
_load_lock = threading.Lock()  # stderr is redirected while loading: one load at a time


def runtime_version() -> str | None:
    return installed_version(RUNTIME)


def system_info() -> str:
    """llama.cpp's one-line summary of the CPU features this build uses."""
    import xllamacpp

    return str(xllamacpp.get_system_info())


def features() -> list[str]:
    return cpu.build_features(system_info())


@contextlib.contextmanager
def _captured_stderr() -> Iterator[list[str]]:
    """Collect what native code writes to fd 2 (llama.cpp's load errors) into a list."""
    lines: list[str] = []
    with tempfile.TemporaryFile() as tmp:
        saved = os.dup(2)
        os.dup2(tmp.fileno(), 2)
        try:
            yield lines
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            text = tmp.read().decode("utf-8", errors="replace")
            lines.extend(text.splitlines())
            for line in lines:
                logger.debug("llama.cpp: %s", line)


class XLlamaBackend:
    """One GGUF model served by xllamacpp's embedded llama.cpp server."""

    #: Thread-safe: concurrent ``generate`` calls are batched by llama.cpp's server slots.
    concurrent = True

    def __init__(self, info: GGUFInfo, n_threads: int, n_ctx: int) -> None:
        try:
            import xllamacpp
        except ImportError as exc:
            raise not_installed(
                "xllamacpp",
                exc,
                "run scripts/setup (pip install xllamacpp), or choose model.backend openai",
            ) from exc
        self.name = info.path.name
        self.path = info.path
        self.runtime = RUNTIME
        self.features = features()
        cpu.require(self.features, f"{RUNTIME} {runtime_version()}")
        check_memory(info.size, n_ctx, info.path.name)
        params = xllamacpp.CommonParams()
        params.model.path = str(info.path)
        params.n_ctx = n_ctx
        params.cpuparams.n_threads = n_threads
        params.cpuparams_batch.n_threads = n_threads
        params.verbosity = _VERBOSITY
        params.fit_params = False  # it loads the model a second time only to size GPU layers
        params.api_keys = [secrets.token_urlsafe(24)]  # the loopback port answers nobody
        params.endpoint_metrics = True  # see _wait_for_loop
        error: Exception | None = None
        with _load_lock, _captured_stderr() as log:
            try:
                self.server: Any = xllamacpp.Server(params)
            except MemoryError as exc:
                raise out_of_memory_loading(self.name) from exc
            except (RuntimeError, ValueError, OSError) as exc:
                error = exc
        if error is not None:
            errors = [ln for ln in log if " E " in ln or "error" in ln.lower()]
            raise load_error(info, error, "\n".join(errors), f"{RUNTIME} {runtime_version()}")
        self._wait_for_loop()

    def _wait_for_loop(self) -> None:
        """Return once llama.cpp's task loop runs.

        ``Server()`` returns just before its loop starts; closing it in that instant loses
        the stop signal and ``close`` would wait forever (seen in about one load in three
        when a load was followed at once by a close). A metrics request is answered by the
        loop itself, so once it returns the loop is running.
        """
        self.server.handle_metrics()

    def generate(
        self,
        request: GenerationRequest,
        cancel: CancelToken | None = None,
        on_token: TokenCallback | None = None,
    ) -> GenerationResult:
        collector = StreamCollector(request, cancel, on_token)
        body = chat_body(request)
        if request.stop:
            body["stop"] = request.stop
        if request.grammar:
            body["grammar"] = request.grammar
        finish: FinishReason = "stop"
        failure: list[BaseException] = []
        error: dict[str, Any] = {}

        def on_chunk(chunk: dict[str, Any]) -> bool:
            """Called by llama.cpp per chunk; True stops generation now."""
            nonlocal finish
            try:
                if "error" in chunk or "code" in chunk and "message" in chunk:
                    error.update(chunk.get("error") or chunk)
                    return True
                reason = collector.should_stop()
                if reason is not None:
                    finish = reason
                    return True
                choice = (chunk.get("choices") or [{}])[0]
                piece = (choice.get("delta") or {}).get("content")
                if piece:
                    collector.add(piece)
                if choice.get("finish_reason") == "length":
                    finish = "length"
                return False
            except BaseException as exc:  # xllamacpp swallows exceptions: keep and re-raise
                failure.append(exc)
                return True

        self.server.handle_chat_completions(body, on_chunk)
        if failure:
            raise failure[0]
        if error:
            raise _request_error(error)
        return collector.result(finish, self.name)

    def close(self) -> None:
        """Stop the embedded server and free the weights now, not whenever the GC runs."""
        server = getattr(self, "server", None)
        self.server = None
        del server
        gc.collect()


def _request_error(error: dict[str, Any]) -> ModelError:
    message = str(error.get("message") or error)
    if "context" in message.lower():
        return ModelError(f"llama.cpp: {message}", "shorten the request or raise model.nCtx")
    if "grammar" in message.lower():
        return ModelError(f"invalid GBNF grammar: {message}", "fix the grammar")
    return ModelError(f"llama.cpp failed: {message}", "see the server log")
