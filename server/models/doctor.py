"""Model checks for ``prosepy doctor`` and ``prosepy model status``.

Runtimes, the configured model file and its checksum, and a real load whose time is
measured. The load runs in a child process (``python -m prosepy.server.models.doctor PROBE``): the
language server keeps its single model instance, and a runtime that crashes on a bad file
takes only the probe down.
"""

from __future__ import annotations

import dataclasses
import json
import signal
import subprocess
import sys
import time
from importlib.metadata import PackageNotFoundError, version

from prosepy.server.config import ModelSettings
from prosepy.server.doctor import Check
from prosepy.server.models import bundled
from prosepy.server.models.base import ChatMessage, GenerationRequest, ModelError
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
    """Load the model and generate a few tokens in a child process; report how it went."""
    command = [
        sys.executable,
        "-m",
        "prosepy.server.models.doctor",
        json.dumps(dataclasses.asdict(settings)),
    ]
    start = time.monotonic()
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return Check(SECTION, "load", "missing", f"no answer after {timeout_s:.0f} s", "")
    try:
        report = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        code = proc.returncode
        how = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit {code}"
        return Check(
            SECTION,
            "load",
            "missing",
            f"the model process died ({how}) after {time.monotonic() - start:.1f} s: {tail}",
            "the file or runtime is broken: try `prosepy model install`, another model, "
            'or another model.runtime (e.g. "xllamacpp")',
        )
    if not report.get("ok"):
        return Check(
            SECTION, "load", "missing", report.get("error", "failed"), report.get("fix", "")
        )
    rss = report.get("rss_mb")
    extra = f", {rss:.0f} MB resident" if rss else ""
    detail = f"loaded in {report['load_s']:.2f} s{extra}"
    gen = report.get("generation")
    if gen:
        detail += (
            f"; generated {gen['tokens']} tokens, {gen['tok_s']:.1f} tok/s "
            f"(first after {gen['first_token_s']:.2f} s) with {report.get('runtime', '?')}"
        )
        if report.get("features"):
            detail += f", CPU features used: {' '.join(report['features'])}"
    return Check(SECTION, "load", "ok", detail)


def _optional_models() -> Check:
    big = bundled.BUNDLED["qwen2.5-coder-1.5b"]
    if bundled.bundled_path(big.id).is_file():
        return Check(SECTION, big.id, "ok", f"installed: {bundled.bundled_path(big.id)}")
    return Check(
        SECTION, big.id, "ok", f"optional, not installed (`prosepy model install {big.id}`)"
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
        return checks
    files, loadable = _file_checks(model)
    checks.extend(files)
    if loadable and load:
        checks.append(_probe_load(model))
    checks.append(_optional_models())
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


PROBE_REQUEST = GenerationRequest(
    [ChatMessage("user", "计算 1 到 100 的和")], max_tokens=16, grammar=PYTHON_BLOCK
)


def _probe_main(raw: str) -> int:
    """Child-process side of ``_probe_load``: load, generate a few tokens, print one JSON line."""
    from prosepy.server.models.loader import load_backend

    settings = ModelSettings(**json.loads(raw))
    start = time.monotonic()
    try:
        backend = load_backend(settings)
        seconds = time.monotonic() - start
        result = backend.generate(PROBE_REQUEST)
    except ModelError as exc:
        print(json.dumps({"ok": False, "error": exc.message, "fix": exc.fix}))
        return 0
    rss = None
    try:
        import resource

        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    except ImportError:
        pass
    first = result.first_token_s or 0.0
    after_first = result.total_s - first
    rate = (result.tokens - 1) / after_first if result.tokens > 1 and after_first > 0 else 0.0
    report = {
        "ok": True,
        "load_s": seconds,
        "rss_mb": rss,
        "runtime": getattr(backend, "runtime", type(backend).__name__),
        "features": getattr(backend, "features", []),
        "generation": {
            "tokens": result.tokens,
            "tok_s": rate,
            "first_token_s": result.first_token_s or 0.0,
            "text": result.text,
        },
    }
    backend.close()
    print(json.dumps(report))
    return 0


def _prove_main(runtime: str) -> int:
    """``python -m prosepy.server.models.doctor --prove RUNTIME``: may setup use this build?"""
    check = _probe_load(ModelSettings(runtime=runtime))  # type: ignore[arg-type]
    print(f"{runtime}: {check.detail}" + (f" ({check.fix})" if check.fix else ""))
    return 0 if check.status == "ok" else 1


if __name__ == "__main__":
    if sys.argv[1] == "--prove":
        sys.exit(_prove_main(sys.argv[2]))
    sys.exit(_probe_main(sys.argv[1]))
