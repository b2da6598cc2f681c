"""Model checks for ``prosepy doctor`` and ``prosepy model status``.

Runtimes, the configured model file and its checksum, then a real load and a short
generation in the model process itself (the same supervised process the language server
uses): the runtime, the CPU features its build uses, tokens/s, and any crash with its
signal. ``python -m prosepy.server.models.doctor --prove RUNTIME`` is the same check for
one runtime (setup runs it before using a locally built llama-cpp-python).
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from importlib.metadata import PackageNotFoundError, version

from prosepy.server.config import ModelSettings
from prosepy.server.doctor import Check
from prosepy.server.models import bundled
from prosepy.server.models.base import ChatMessage, GenerationRequest, ModelError
from prosepy.server.models.fallback import fallback_settings
from prosepy.server.models.grammars import PYTHON_BLOCK

SECTION = "model"


def _dist(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def _runtime_checks(settings: ModelSettings) -> list[Check]:
    from prosepy.server.models.loader import choose_runtime

    gguf = settings.backend == "llama-cpp"
    chosen = choose_runtime(settings) if gguf else ""
    runtimes = [
        ("xllamacpp", "xllamacpp", "prebuilt llama.cpp, the default runtime",
         "run scripts/setup, or pip install xllamacpp"),
        ("llama-cpp-python", "llama-cpp-python", "llama.cpp built on this machine (opt-in)",
         "PROSEPY_LLAMA_BUILD=1 scripts/setup builds it (about 5 minutes)"),
        ("ctransformers", "ctransformers", "GGML-era models", "pip install ctransformers==0.2.27"),
        ("openai", "httpx", "OpenAI-compatible servers", "pip install httpx"),
    ]  # fmt: skip
    checks = []
    for runtime, dist, why, fix in runtimes:
        found = _dist(dist)
        selected = runtime == chosen or settings.backend == runtime
        if found:
            note = " (selected)" if selected else ""
            checks.append(Check(SECTION, dist, "ok", f"{found}, {why}{note}"))
        elif selected:
            checks.append(Check(SECTION, dist, "missing", f"not installed ({why})", fix))
        else:
            checks.append(Check(SECTION, dist, "ok", f"not installed (optional: {why})"))
    return checks


def _file_checks(settings: ModelSettings) -> tuple[list[Check], bool]:
    """Path, checksum and header of the configured file; False when it cannot load."""
    from prosepy.server.models.gguf import read_gguf

    path, source = bundled.resolve_model_path(settings.path)
    checks = [Check(SECTION, "model file", "ok", f"{path} ({source})")]
    known = bundled.bundled_model_for(path)
    try:
        if known is not None:
            how = bundled.verify(path, known)
            detail = "sha256 matches" + (" (cached record)" if how == "record" else "")
            checks.append(Check(SECTION, "checksum", "ok", f"{detail}: {known.sha256[:16]}…"))
        else:
            checks.append(Check(SECTION, "checksum", "ok", "user-chosen file: header check only"))
        info = read_gguf(path)
        checks.append(
            Check(SECTION, "format", "ok", f"GGUF v{info.version}, arch {info.architecture}")
        )
    except ModelError as exc:
        checks.append(Check(SECTION, "model file check", "missing", exc.message, exc.fix))
        return checks, False
    return checks, True


def _probe_load(settings: ModelSettings, timeout_s: float = 300.0) -> Check:
    """Start the model process as the server would, load, generate a few tokens, report.

    It is the same supervised process the language server uses, so a crash here is what
    the server would meet; it is described with its signal and the process's last words.
    """
    from prosepy.server.models.process import ModelCrashed, ProcessBackend

    start = time.monotonic()
    backend = None
    phase = "loading"
    try:
        if settings.backend == "openai":
            from prosepy.server.models.loader import load_backend

            model = load_backend(settings)
        else:
            backend = ProcessBackend(settings, load_timeout_s=timeout_s)
            model = backend
        load_s = time.monotonic() - start
        phase = "generating"
        request = replace(PROBE_REQUEST, time_budget_s=timeout_s)
        result = model.generate(request)
        rss = _rss_mb(backend.pid) if backend is not None else None
        model.close()
    except ModelCrashed as exc:
        tail = "\n".join(list(backend.stderr_tail)[-3:]) if backend is not None else ""
        detail = f"{exc.message} ({phase})" + (f"; its last output: {tail}" if tail else "")
        return Check(SECTION, "load", "missing", detail, exc.fix)
    except ModelError as exc:
        if backend is not None:
            backend.close()
        return Check(SECTION, "load", "missing", exc.message, exc.fix)
    first = result.first_token_s or 0.0
    after_first = result.total_s - first
    rate = (result.tokens - 1) / after_first if result.tokens > 1 and after_first > 0 else 0.0
    detail = f"loaded in {load_s:.2f} s"
    if rss:
        detail += f", {rss:.0f} MB resident"
    detail += f"; generated {result.tokens} tokens, {rate:.1f} tok/s (first after {first:.2f} s)"
    if backend is not None:
        detail += f" with {backend.runtime} in its own process"
        if backend.features:
            from prosepy.server.models.cpu import unused_features

            detail += f"; CPU features used: {' '.join(backend.features)}"
            unused = unused_features(backend.features)
            if unused:
                detail += f" (this CPU also has {' '.join(unused)}, unused)"
    return Check(SECTION, "load", "ok", detail)


def _rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return None


def _fallback_check(model: ModelSettings) -> Check:
    """The larger model generation asks when checked code fails (``model.fallback``)."""
    chosen = fallback_settings(model)
    if chosen is None:
        why = "model.fallback is empty" if not model.fallback.strip() else "not larger"
        return Check(SECTION, "fallback model", "ok", f"none ({why})")
    if model.backend == "openai":
        return Check(SECTION, "fallback model", "ok", f"{chosen.name} at the same endpoint")
    path, _ = bundled.resolve_model_path(chosen.path)
    if path.is_file():
        return Check(SECTION, "fallback model", "ok", f"{model.fallback}: {path}")
    how = (
        f"prosepy model install {model.fallback}"
        if model.fallback in bundled.BUNDLED
        else "fix model.fallback"
    )
    return Check(
        SECTION,
        "fallback model",
        "warn",
        f"{model.fallback} is not there: where the first model's code fails its checks, "
        f"that code is kept (`{how}` to have the larger model try)",
    )


def doctor_checks(settings: object, load: bool = True) -> list[Check]:
    model = getattr(settings, "model", settings)
    assert isinstance(model, ModelSettings)
    checks = _runtime_checks(model)
    checks.append(Check(SECTION, "backend", "ok", model.backend))
    if model.backend == "openai":
        checks.append(Check(SECTION, "endpoint", "ok", f"{model.base_url} ({model.name})"))
        if load:
            checks.append(_probe_load(model))
        checks.append(_fallback_check(model))
        return checks
    files, loadable = _file_checks(model)
    checks.extend(files)
    if loadable and load:
        checks.append(_probe_load(model))
    checks.append(_fallback_check(model))
    return checks


def describe_model(settings: ModelSettings, load: bool = True) -> tuple[list[str], bool]:
    """Plain lines for ``prosepy model status``, and whether everything is usable."""
    checks = doctor_checks(settings, load=load)
    lines = []
    for check in checks:
        mark = {"ok": "ok  ", "warn": "warn", "missing": "MISS"}[check.status]
        lines.append(f"{mark}  {check.name}: {check.detail}")
        if check.fix and check.status != "ok":
            lines.append(f"      fix: {check.fix}")
    return lines, all(c.status != "missing" for c in checks)


#: The doctor's short real generation.
PROBE_REQUEST = GenerationRequest(
    [ChatMessage("user", "计算 1 到 100 的和")], max_tokens=16, grammar=PYTHON_BLOCK
)


def _prove_main(runtime: str) -> int:
    """``python -m prosepy.server.models.doctor --prove RUNTIME``: may setup use this build?"""
    check = _probe_load(ModelSettings(runtime=runtime))  # type: ignore[arg-type]
    print(f"{runtime}: {check.detail}" + (f" ({check.fix})" if check.fix else ""))
    return 0 if check.status == "ok" else 1


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "--prove":
        sys.exit("usage: python -m prosepy.server.models.doctor --prove RUNTIME")
    sys.exit(_prove_main(sys.argv[2]))
