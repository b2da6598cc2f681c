"""Model checks for ``prosepy doctor`` and ``prosepy model status``.

Runtimes, the configured model file and its checksum, and a real load whose time is
measured. The load runs in a child process (``python -m prosepy.server.models.doctor PROBE``): the
language server keeps its single model instance, and a runtime that crashes on a bad file
takes only the probe down.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time
from importlib.metadata import PackageNotFoundError, version

from prosepy.server.config import ModelSettings
from prosepy.server.doctor import Check, Status
from prosepy.server.models import bundled
from prosepy.server.models.base import ModelError

SECTION = "model"


def _dist(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def _runtime_checks(settings: ModelSettings) -> list[Check]:
    checks = []
    runtimes = [
        ("llama-cpp", "llama-cpp-python", "default runtime", "run scripts/setup (builds it once)"),
        ("ctransformers", "ctransformers", "GGML-era models", "pip install ctransformers==0.2.27"),
        ("openai", "httpx", "OpenAI-compatible servers", "pip install httpx"),
    ]
    for backend, dist, why, fix in runtimes:
        found = _dist(dist)
        selected = settings.backend == backend
        if found:
            note = " (selected)" if selected else ""
            checks.append(Check(SECTION, dist, "ok", f"{found}, {why}{note}"))
        else:
            status: Status = "missing" if selected else "warn"
            checks.append(Check(SECTION, dist, status, f"not installed ({why})", fix))
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
    """Load the model in a child process and report how long it took."""
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
        return Check(
            SECTION,
            "load",
            "missing",
            f"the loader died (exit {proc.returncode}) after {time.monotonic() - start:.1f} s: "
            f"{tail}",
            "the file or runtime is broken: try `prosepy model install`, or another model",
        )
    if report.get("ok"):
        rss = report.get("rss_mb")
        extra = f", {rss:.0f} MB resident" if rss else ""
        return Check(SECTION, "load", "ok", f"loaded in {report['load_s']:.2f} s{extra}")
    return Check(SECTION, "load", "missing", report.get("error", "failed"), report.get("fix", ""))


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


def _probe_main(raw: str) -> int:
    """Child-process side of ``_probe_load``: load once, print one JSON line."""
    from prosepy.server.models.loader import load_backend

    settings = ModelSettings(**json.loads(raw))
    start = time.monotonic()
    try:
        backend = load_backend(settings)
    except ModelError as exc:
        print(json.dumps({"ok": False, "error": exc.message, "fix": exc.fix}))
        return 0
    seconds = time.monotonic() - start
    rss = None
    try:
        import resource

        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    except ImportError:
        pass
    backend.close()
    print(json.dumps({"ok": True, "load_s": seconds, "rss_mb": rss}))
    return 0


if __name__ == "__main__":
    sys.exit(_probe_main(sys.argv[1]))
