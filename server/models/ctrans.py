"""The ctransformers backend, for the GGML-era model types its 2023 runtime can load.

ctransformers 0.2.27 (the last release) embeds a llama.cpp from September 2023: its GGUF
loader knows only a few architectures, and it also reads the older GGML files (gpt2, gptj,
gpt_neox, mpt, starcoder, ...) given ``model.modelType``. The architecture is read from the
GGUF header first, so an unsupported model (e.g. Qwen2, ``qwen2``) gets a clear error that
points to the llama-cpp backend instead of ctransformers' bare "Failed to create LLM".

ctransformers has no chat templates: the GGUF's own template is rendered with jinja2 when it
has one and jinja2 is installed, else a plain role-labelled prompt is used. Tokens come from
its low-level ``generate`` iterator, so cancellation is checked between tokens.
"""

from __future__ import annotations

import codecs
import contextlib
import gc
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from prosepy.server.config import ModelSettings
from prosepy.server.models.base import (
    CancelToken,
    ChatMessage,
    GenerationRequest,
    GenerationResult,
    ModelError,
    StopFilter,
    StreamCollector,
    TokenCallback,
    chat_dicts,
    installed_version,
    not_installed,
)
from prosepy.server.models.gguf import GGML_MAGICS, read_gguf
from prosepy.server.models.memory import check_memory, out_of_memory_loading

logger = logging.getLogger(__name__)

#: GGUF architectures the llama.cpp inside ctransformers 0.2.27 can build.
GGUF_ARCHITECTURES = {"llama", "falcon", "starcoder"}
#: Model types ctransformers accepts for GGML-era files (model.modelType).
GGML_TYPES = {"gpt2", "gptj", "gpt_neox", "falcon", "llama", "mpt", "gpt_bigcode", "starcoder",
              "dolly-v2", "replit"}  # fmt: skip


def runtime_version() -> str | None:
    return installed_version("ctransformers")


def _unsupported(name: str, arch: str) -> ModelError:
    return ModelError(
        f"ctransformers cannot load {name}: its runtime (2023) does not support the "
        f"{arch!r} architecture (it supports GGUF {', '.join(sorted(GGUF_ARCHITECTURES))} "
        f"and GGML-era {', '.join(sorted(GGML_TYPES))})",
        'set model.backend to "llama-cpp", which loads this model',
    )


class CTransformersBackend:
    """One model loaded by ctransformers."""

    def __init__(self, path: Path, settings: ModelSettings) -> None:
        try:
            from ctransformers import LLM, Config
        except ImportError as exc:
            raise not_installed(
                "ctransformers",
                exc,
                'pip install ctransformers==0.2.27, or set model.backend to "llama-cpp"',
            ) from exc
        self.name = path.name
        self.template: str | None = None
        model_type = settings.model_type or None
        magic = b""
        with contextlib.suppress(OSError), path.open("rb") as fh:
            magic = fh.read(4)
        if magic in GGML_MAGICS:
            if not model_type:
                raise ModelError(
                    f"{path.name} is a GGML-era file: ctransformers needs its model type",
                    "set model.modelType to one of " + ", ".join(sorted(GGML_TYPES)),
                )
            size = path.stat().st_size
        else:
            info = read_gguf(path, {"general.architecture", "tokenizer.chat_template"})
            if info.architecture not in GGUF_ARCHITECTURES:
                raise _unsupported(path.name, info.architecture or "unknown")
            template = info.metadata.get("tokenizer.chat_template")
            self.template = template if isinstance(template, str) else None
            size = info.size
        check_memory(size, settings.n_ctx, path.name)
        config = Config(threads=settings.n_threads, context_length=settings.n_ctx)
        try:
            self.llm: Any = LLM(str(path), model_type, config=config)
        except MemoryError as exc:
            raise out_of_memory_loading(path.name) from exc
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelError(
                f"ctransformers could not load {path.name}: {exc}",
                'its 2023 runtime rejects many newer files: set model.backend to "llama-cpp"',
            ) from exc
        self.threads = settings.n_threads
        self.context_length = settings.n_ctx

    def prompt(self, messages: list[ChatMessage]) -> str:
        """The chat as one prompt string, through the model's template where possible."""
        if self.template:
            try:
                import jinja2

                env = jinja2.Environment(undefined=jinja2.StrictUndefined)
                return env.from_string(self.template).render(
                    messages=chat_dicts(messages),
                    add_generation_prompt=True,
                    bos_token="",
                    eos_token="",
                )
            except Exception as exc:  # jinja2 missing or a template it cannot run
                logger.debug("chat template not usable (%s): plain prompt", exc)
        parts = [f"### {m.role.capitalize()}:\n{m.content}\n" for m in messages]
        return "\n".join(parts) + "\n### Assistant:\n"

    def generate(
        self,
        request: GenerationRequest,
        cancel: CancelToken | None = None,
        on_token: TokenCallback | None = None,
    ) -> GenerationResult:
        collector = StreamCollector(request, cancel, on_token)
        stops = StopFilter(request.stop)
        tokens = self.llm.tokenize(self.prompt(request.messages))
        if len(tokens) + request.max_tokens > self.context_length:
            raise ModelError(
                f"the prompt ({len(tokens)} tokens) plus max_tokens exceeds the context "
                f"of {self.context_length}",
                "shorten the request or raise model.nCtx",
            )
        greedy = request.temperature <= 0
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        stream = self.llm.generate(
            tokens,
            temperature=request.temperature if not greedy else 1.0,
            top_k=1 if greedy else 40,
            seed=-1 if request.seed is None else request.seed,
            threads=self.threads,
            reset=True,
        )

        def pieces() -> Iterator[str]:
            while (token := next(stream, None)) is not None:
                # a character split across tokens comes out with its last piece
                yield decoder.decode(self.llm.detokenize([token], decode=False))

        try:
            finish = collector.drain(pieces(), stops)
        finally:
            stream.close()
        collector.flush_stops(stops, finish, decoder.decode(b"", final=True))
        return collector.result(finish, self.name)

    def close(self) -> None:
        llm = getattr(self, "llm", None)
        self.llm = None
        del llm
        gc.collect()
