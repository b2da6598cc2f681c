"""From settings to a loaded backend: pick the runtime, find and check the file, load it.

Every check that can fail with a clear message (scripted model, missing file, checksum,
header, architecture, memory) runs here before a runtime touches the file.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

from prosepy.server.config import ModelSettings
from prosepy.server.models import bundled
from prosepy.server.models.base import Backend
from prosepy.server.models.scripted import FALLBACK_PATH, ScriptedBackend, scripted_path

logger = logging.getLogger(__name__)


def describe(settings: ModelSettings) -> str:
    """A short name for the model these settings select (for status bars and logs)."""
    if scripted_path() is not None:
        role = ":fallback" if settings.path == FALLBACK_PATH else ""
        return f"scripted:{scripted_path().name}{role}"  # type: ignore[union-attr]
    if settings.backend == "openai":
        return f"{settings.name or '(default)'} @ {settings.base_url or '(no base URL)'}"
    path, _ = bundled.resolve_model_path(settings.path)
    return path.name


def model_file(settings: ModelSettings) -> tuple[Path, str]:
    """The GGUF file the settings select, checked against its checksum when bundled."""
    path, source = bundled.resolve_model_path(settings.path)
    known = bundled.bundled_model_for(path)
    if known is not None:
        how = bundled.verify(path, known)
        logger.info("%s verified (%s)", path.name, how)
    return path, source


def load_isolated(settings: ModelSettings) -> Backend:
    """Load the model in its own process (``ProcessBackend``), never in this one.

    The OpenAI-compatible backend is plain HTTP with no native code: it stays in-process.
    """
    if settings.backend == "openai" and scripted_path() is None:
        return load_backend(settings)
    from prosepy.server.models.process import ProcessBackend

    return ProcessBackend(settings)


def load_backend(settings: ModelSettings) -> Backend:
    """Load the model ``settings`` select; raises ``ModelError`` with a fix on any problem."""
    script = scripted_path()
    if script is not None:
        return ScriptedBackend(script, fallback=settings.path == FALLBACK_PATH)
    if settings.backend == "openai":
        from prosepy.server.models.openai_compat import OpenAIBackend

        return OpenAIBackend(settings)
    path, _ = model_file(settings)
    if settings.backend == "ctransformers":
        from prosepy.server.models.ctrans import CTransformersBackend

        return CTransformersBackend(path, settings)
    from prosepy.server.models.gguf import read_gguf

    info = read_gguf(path)
    if choose_runtime(settings) == "xllamacpp":
        from prosepy.server.models.xllama import XLlamaBackend

        return XLlamaBackend(info, settings.n_threads, settings.n_ctx)
    from prosepy.server.models.llama import LlamaCppBackend

    return LlamaCppBackend(info, settings.n_threads, settings.n_ctx)


def installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def choose_runtime(settings: ModelSettings) -> str:
    """The llama.cpp build for GGUF files: the prebuilt xllamacpp unless told otherwise.

    "auto" falls back to llama-cpp-python only when xllamacpp is missing; a missing choice
    is reported by the backend itself, with the command that installs it.
    """
    if settings.runtime != "auto":
        return settings.runtime
    if installed("xllamacpp") or not installed("llama_cpp"):
        return "xllamacpp"
    return "llama-cpp-python"


def same_model(a: ModelSettings, b: ModelSettings) -> bool:
    """Whether two settings load the same instance (``load_at_start`` does not matter)."""
    fields = ("backend", "path", "model_type", "n_threads", "n_ctx", "base_url", "name",
              "api_key_env", "request_timeout_s", "runtime")  # fmt: skip
    return all(getattr(a, f) == getattr(b, f) for f in fields)
