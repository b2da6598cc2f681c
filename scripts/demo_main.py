"""The main job on the bundled default: request -> code -> sandboxed run -> explanation.

1. ``# nl: 计算 1 到 100 的和`` goes through the same generation pipeline the editor uses
   (context, prompt, the bundled model, cleaning, placement, review) and the file with
   the inserted code is printed;
2. that file runs in the sandbox (``prosepy run``), which should print 5050;
3. the explanation a hover would show for the generated code (``prosepy explain``).

Each stage is used only if its part is present and working in this version; a missing
part is reported and the demo goes on.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PROSEPY = [sys.executable, "-m", "prosepy.server"]
REQUEST = "# nl: 计算 1 到 100 的和"


def generate(path: Path) -> str | None:
    """The headline file with generated code, or None (the reason is printed)."""
    try:
        from prosepy.server.config import Settings
        from prosepy.server.generation.pipeline import Generator
        from prosepy.server.generation.review import review
        from prosepy.server.models.manager import ModelManager
    except ImportError as exc:
        print(f"generation is not available in this version ({exc})")
        return None
    settings = Settings()
    manager = ModelManager(settings.model)
    generator = Generator(manager.generate, settings.generate, lambda: manager.status.model)
    text = REQUEST + "\n"
    start = time.monotonic()
    try:
        job = generator.prepare(text, 0, str(path))
        assert job is not None
        outcome = generator.generate(job)
    finally:
        manager.close()
    if outcome.draft is None:
        print(f"no code: {outcome.message}")
        return None
    placed = generator.place(job, outcome.draft, text, job.request)
    took = time.monotonic() - start
    print(f"model: {manager.status.model}; {outcome.tokens} tokens in {took:.1f} s\n")
    print(placed.new_text)
    for f in review(outcome.draft.code, placed.imports_added, False):
        print(f"  review, line {placed.code_start + f.line + 1}: {f.code} {f.message}")
    return placed.new_text


def stage(title: str, argv: list[str]) -> int:
    print(f"\n== {title} ==", flush=True)
    try:
        proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        print("(timed out)")
        return 1
    out = (proc.stdout + proc.stderr).strip()
    if proc.returncode == 2 and "not available yet" in out:
        print(f"{title.split()[0]} is not available in this version")
    else:
        print(out)
    return proc.returncode


def main() -> int:
    print("== prosepy doctor ==", flush=True)
    subprocess.call([*PROSEPY, "doctor"], cwd=ROOT)
    with tempfile.TemporaryDirectory(prefix="prosepy-demo-") as tmp:
        path = Path(tmp) / "headline.py"
        print(f"\n== generate: {REQUEST} ==", flush=True)
        text = generate(path)
        if text is None:
            return 1
        path.write_text(text, encoding="utf-8")
        ran = stage("run in the sandbox", [*PROSEPY, "run", str(path)])
        code_line = len(text.splitlines())  # the last generated line, usually the print
        stage("explain", [*PROSEPY, "explain", f"{path}:{code_line}"])
    return 0 if ran in (0, 2) else 1


if __name__ == "__main__":
    raise SystemExit(main())
