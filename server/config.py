"""Typed settings for prosepy, shared by the CLI and the language server.

Settings arrive as loose JSON (``initializationOptions``, ``workspace/configuration``,
a CLI flag). They are structured into dataclasses one field at a time, so that one bad
value is reported and replaced by its default instead of discarding everything.
No LSP imports here: the cores read these dataclasses directly.
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field
from typing import Any, Literal, get_type_hints

import cattrs

_converter = cattrs.Converter(forbid_extra_keys=True)


def default_threads() -> int:
    """Leave one core to the editor: two busy threads on two cores collapse generation speed."""
    return max(1, (os.cpu_count() or 1) - 1)


@dataclass
class ModelSettings:
    """Which model answers, through which runtime."""

    backend: Literal["llama-cpp", "ctransformers", "openai"] = "llama-cpp"
    #: A GGUF file or a bundled model's id ("qwen2.5-coder-1.5b"); empty means the file
    #: chosen with `prosepy model use`, else the bundled Qwen2.5-Coder-0.5B-Instruct.
    path: str = ""
    #: ctransformers needs the architecture name (llama, gpt2, ...); empty lets it guess.
    model_type: str = ""
    n_threads: int = field(default_factory=default_threads)
    n_ctx: int = 4096
    load_at_start: bool = False
    #: OpenAI-compatible endpoint, e.g. http://127.0.0.1:11434/v1 for Ollama.
    base_url: str = ""
    #: The model name sent to the endpoint.
    name: str = ""
    #: Name of the environment variable holding the API key (never the key itself).
    api_key_env: str = ""
    request_timeout_s: float = 60.0
    #: Which build of llama.cpp runs GGUF models for the "llama-cpp" backend: "auto" is the
    #: prebuilt xllamacpp wheel (any CPU with AVX2, no compiler), else llama-cpp-python.
    runtime: Literal["auto", "xllamacpp", "llama-cpp-python"] = "auto"
    #: A larger model asked when the first one's code fails its checks (generate.check):
    #: a bundled model's id or a GGUF file for the local backends, a model the endpoint
    #: serves for "openai". It loads in a process of its own on first need. Empty: none.
    fallback: str = "qwen2.5-coder-1.5b"
    #: Unload the model after this many seconds without a request (its process ends and
    #: returns the memory; the next request loads it again). 0 keeps it loaded.
    idle_unload_s: float = 900.0


@dataclass
class GenerateSettings:
    """How `# nl:` requests become code."""

    max_tokens: int = 512
    time_budget_s: float = 60.0
    temperature: float = 0.0
    code_lens: bool = True
    review: bool = True
    #: Tokens of file context (imports, names, enclosing scope, nearby code) in the prompt.
    context_tokens: int = 1200
    #: Run generated code in a throwaway sandbox (with the file's code up to the request and
    #: the examples the user gave) before inserting it; repair and resample when it fails.
    check: bool = True
    #: Candidates at most when the first fails its check: the first, one repair, samples.
    candidates: int = 4
    #: Temperature of the extra samples (the first answer uses ``temperature``).
    sample_temperature: float = 0.7
    #: Seconds one check run may take (the file's code up to the request included).
    check_timeout_s: float = 5.0
    #: After inserting module-level code, show what it printed or evaluated inline.
    show_result: bool = True


@dataclass
class RunSettings:
    """Limits and environment of the sandbox that runs snippets."""

    #: Python used for snippets and whose libraries hover documents (jedi reads its
    #: environment); empty means the interpreter running the server.
    python: str = ""
    timeout_s: float = 10.0
    memory_mb: int = 512
    output_bytes: int = 1024 * 1024
    #: "session" keeps variables between runs per document; "fresh" starts clean each run.
    mode: Literal["session", "fresh"] = "session"
    allow_network: bool = False
    #: Size of the private working directory (tmpfs) and of any one file written, in MiB.
    disk_mb: int = 100
    #: Record the values that assignments inside loops take (shown on hover and after the
    #: line); costs under 2x in the tightest loops (scripts/bench_run.py).
    step_values: bool = True


@dataclass
class ExplainSettings:
    """Language and budget of explanations."""

    #: "auto" follows the client's locale from `initialize`.
    language: Literal["auto", "en", "zh"] = "auto"
    #: How long a hover may take (counted from its arrival) waiting for jedi's signature and
    #: docs when the jedi worker has not worked them out ahead of time; past it the hover says
    #: they are loading, and the next hover of the name shows them (scripts/bench_hover.py).
    jedi_budget_ms: int = 40
    #: Longest answer of `prosepy.explainWithModel`, in tokens.
    model_max_tokens: int = 320
    #: Docstrings that a library only builds when imported (pandas' `read_csv`) are read by
    #: importing it in `run.python`'s interpreter (installed libraries only, never the
    #: project's own files); false shows only the docstrings written in the source.
    runtime_docs: bool = True
    #: The workspace's most recently changed Python files that jedi analyses before they are
    #: opened, when it has nothing else to do, so that their first hovers have the signature
    #: and docs (a file's answers are kept on disk); 0 turns it off.
    workspace_files: int = 4


@dataclass
class Settings:
    model: ModelSettings = field(default_factory=ModelSettings)
    generate: GenerateSettings = field(default_factory=GenerateSettings)
    run: RunSettings = field(default_factory=RunSettings)
    explain: ExplainSettings = field(default_factory=ExplainSettings)
    log_level: Literal["error", "warning", "info", "debug"] = "info"


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _structure_into(cls: type, raw: Any, prefix: str, errors: list[str]) -> Any:
    """Build ``cls`` from ``raw`` field by field, keeping defaults where a value is invalid."""
    obj = cls()
    if raw is None:
        return obj
    if not isinstance(raw, dict):
        where = prefix.rstrip(".") or "settings"
        errors.append(f"{where}: expected an object, got {type(raw).__name__}")
        return obj
    hints = get_type_hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls)}
    for key, value in raw.items():
        name = _snake(key)
        where = f"{prefix}{key}"
        if name not in known:
            errors.append(f"{where}: unknown setting")
            continue
        hint = hints[name]
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            setattr(obj, name, _structure_into(hint, value, where + ".", errors))
            continue
        try:
            if hint is bool and not isinstance(value, bool):
                raise TypeError("expected true or false")
            if hint in (int, float) and isinstance(value, bool):
                raise TypeError(f"expected a number, got {value!r}")
            if hint is int and isinstance(value, float) and not value.is_integer():
                raise TypeError(f"expected a whole number, got {value!r}")
            if hint is str and not isinstance(value, str):
                raise TypeError(f"expected a string, got {value!r}")
            setattr(obj, name, _converter.structure(value, hint))
        except Exception as exc:  # cattrs raises several kinds; all mean "invalid"
            default = getattr(obj, name)
            errors.append(f"{where}: {_describe(exc)}; using the default {default!r}")
    _check_ranges(obj, prefix, errors)
    return obj


def _describe(exc: Exception) -> str:
    if isinstance(exc, cattrs.BaseValidationError):
        inner = exc.exceptions[0] if exc.exceptions else exc
        return str(inner) or type(inner).__name__
    return str(exc) or type(exc).__name__


_RANGES: dict[str, tuple[float, float]] = {
    "n_threads": (1, 256),
    "n_ctx": (256, 131072),
    "max_tokens": (1, 32768),
    "time_budget_s": (1, 3600),
    "timeout_s": (0.1, 3600),
    "memory_mb": (32, 1024 * 1024),
    "output_bytes": (1024, 1 << 30),
    "disk_mb": (1, 1024 * 1024),
    "jedi_budget_ms": (1, 10000),
    "workspace_files": (0, 100),
    "model_max_tokens": (16, 4096),
    "request_timeout_s": (1, 3600),
    "idle_unload_s": (0, 86400),
    "temperature": (0, 2),
    "context_tokens": (100, 100000),
    "candidates": (1, 16),
    "sample_temperature": (0, 2),
    "check_timeout_s": (0.5, 600),
}


def _check_ranges(obj: Any, prefix: str, errors: list[str]) -> None:
    fresh = type(obj)()
    for f in dataclasses.fields(obj):
        bounds = _RANGES.get(f.name)
        value = getattr(obj, f.name)
        if bounds and isinstance(value, int | float) and not bounds[0] <= value <= bounds[1]:
            default = getattr(fresh, f.name)
            errors.append(
                f"{prefix}{f.name}: {value} is outside {bounds[0]}..{bounds[1]}; "
                f"using the default {default!r}"
            )
            setattr(obj, f.name, default)


def parse_settings(raw: Any) -> tuple[Settings, list[str]]:
    """Structure raw JSON settings; return the settings and a list of human-readable errors."""
    errors: list[str] = []
    settings = _structure_into(Settings, raw, "", errors)
    return settings, errors


def settings_to_json(settings: Settings) -> dict[str, Any]:
    return dataclasses.asdict(settings)
