"""The default backend: llama-cpp-python with the GGUF's own chat template.

``create_chat_completion(stream=True)`` renders the chat template stored in the GGUF and
yields one chunk per token, so cancellation and the time budget are checked between tokens;
leaving the loop closes the generator and llama.cpp stops computing at once. Stop sequences,
``max_tokens`` and GBNF grammars are llama.cpp's own.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
from collections import deque
from typing import Any

from prosepy.server.models.base import (
    CancelToken,
    FinishReason,
    GenerationRequest,
    GenerationResult,
    ModelError,
    StreamCollector,
    TokenCallback,
    chat_dicts,
    not_installed,
)
from prosepy.server.models.gguf import GGUFInfo, load_error
from prosepy.server.models.memory import check_memory, out_of_memory_loading

logger = logging.getLogger(__name__)

#: llama.cpp's recent warnings and errors: the reason behind a bare "Failed to load model".
_NATIVE_LOG: deque[str] = deque(maxlen=40)
_log_callback: Any = None


def _capture_native_log() -> None:
    """Route llama.cpp's log into ``_NATIVE_LOG`` (and debug logging), never to stderr.

    With ``verbose=False`` llama-cpp-python sends load errors to /dev/null; this callback
    still sees them, so a failed load can say *why* (unknown architecture, allocation).
    """
    global _log_callback
    if _log_callback is not None:
        return
    import llama_cpp

    @llama_cpp.llama_log_callback  # type: ignore[misc, unused-ignore]  # (typed when installed)
    def on_log(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
        line = text.decode("utf-8", errors="replace").rstrip()
        if level in (3, 4) and line:  # GGML_LOG_LEVEL_WARN, _ERROR in llama.cpp's enum
            _NATIVE_LOG.append(line)
        if line:
            logger.debug("llama.cpp: %s", line)

    llama_cpp.llama_log_set(on_log, ctypes.c_void_p(0))
    _log_callback = on_log  # keep a reference: C holds only a pointer


def runtime_version() -> str | None:
    try:
        import llama_cpp
    except ImportError:
        return None
    return str(llama_cpp.__version__)


class LlamaCppBackend:
    """One loaded GGUF model in llama.cpp."""

    def __init__(self, info: GGUFInfo, n_threads: int, n_ctx: int) -> None:
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise not_installed(
                "llama-cpp-python", exc, "run scripts/setup, or choose model.backend openai"
            ) from exc
        self.name = info.path.name
        self.path = info.path
        check_memory(info.size, n_ctx, info.path.name)
        _capture_native_log()
        _NATIVE_LOG.clear()
        try:
            self.llm: Any = Llama(
                model_path=str(info.path),
                n_ctx=n_ctx,
                n_threads=n_threads,
                n_threads_batch=n_threads,
                verbose=False,
            )
        except MemoryError as exc:
            raise out_of_memory_loading(self.name) from exc
        except (ValueError, RuntimeError, OSError) as exc:
            log = "\n".join(_NATIVE_LOG)
            raise load_error(info, exc, log, f"llama-cpp-python {runtime_version()}") from exc
        self._grammars: dict[str, Any] = {}

    def _grammar(self, text: str) -> Any:
        if text not in self._grammars:
            from llama_cpp import LlamaGrammar

            try:
                self._grammars[text] = LlamaGrammar.from_string(text, verbose=False)
            except (ValueError, RuntimeError) as exc:
                raise ModelError(f"invalid GBNF grammar: {exc}", "fix the grammar") from exc
        return self._grammars[text]

    def generate(
        self,
        request: GenerationRequest,
        cancel: CancelToken | None = None,
        on_token: TokenCallback | None = None,
    ) -> GenerationResult:
        collector = StreamCollector(request, cancel, on_token)
        grammar = self._grammar(request.grammar) if request.grammar else None
        finish: FinishReason = "stop"
        if request.seed is not None and request.temperature > 0:
            # a seeded sample must not start from the last prompt's cached state: evaluated
            # in other batches, its numbers differ in the last digits and so does the sample
            self.llm.reset()
        try:
            stream = self.llm.create_chat_completion(
                messages=chat_dicts(request.messages),
                stream=True,
                max_tokens=request.max_tokens,
                stop=request.stop or None,
                temperature=request.temperature,
                grammar=grammar,
                seed=request.seed,
            )
            try:
                for chunk in stream:
                    reason = collector.should_stop()
                    if reason is not None:
                        finish = reason
                        break
                    choice = chunk["choices"][0]
                    piece = choice["delta"].get("content")
                    if piece is not None:
                        collector.add(piece)
                    if choice.get("finish_reason"):
                        finish = "length" if choice["finish_reason"] == "length" else "stop"
            finally:
                stream.close()  # stops llama.cpp now, not at the end of the request
        except MemoryError as exc:
            raise ModelError(
                "out of memory while generating", "lower model.nCtx or generate.maxTokens"
            ) from exc
        except (ValueError, RuntimeError) as exc:
            # e.g. "Requested tokens exceed context window": the prompt is too long.
            raise ModelError(
                f"llama.cpp failed: {exc}", "shorten the request or raise model.nCtx"
            ) from exc
        return collector.result(finish, self.name)

    def close(self) -> None:
        """Free the weights and the context now rather than whenever the GC runs."""
        llm = getattr(self, "llm", None)
        if llm is not None:
            with contextlib.suppress(Exception):
                llm.close()
            self.llm = None
        self._grammars.clear()
        gc.collect()
