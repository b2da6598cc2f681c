"""The main job on the bundled default: request -> code -> sandboxed run -> explanation.

1. ``# nl: 计算 1 到 100 的和`` goes through the same generation pipeline the editor uses
   (context, prompt, the bundled model, cleaning, placement, review) and the file with
   the inserted code is printed;
2. that file runs in the sandbox (``prosepy run``), which should print 5050;
3. the explanation a hover would show for the generated code (``prosepy explain``).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from prosepy.server.config import Settings
from prosepy.server.generation.pipeline import Generator
from prosepy.server.lines import line_texts
from prosepy.server.models.manager import ModelManager

ROOT = Path(__file__).resolve().parent.parent
PROSEPY = [sys.executable, "-m", "prosepy.server"]
REQUEST = "# nl: 计算 1 到 100 的和"


def generate(path: Path) -> str | None:
    """The headline file with generated code, or None (the reason is printed)."""
    settings = Settings()
    manager = ModelManager(settings.model)
    generator = Generator(manager.generate, settings.generate, lambda: manager.status.model)
    text = REQUEST + "\n"
    start = time.monotonic()
    try:
        generated = generator.run(text, 0, str(path))
    finally:
        manager.close()
    placed = generated.placement
    if placed is None or not generated.ok:
        print(f"no code: {generated.message}")
        return None
    took = time.monotonic() - start
    print(f"model: {manager.status.model}; {generated.answer.tokens} tokens in {took:.1f} s\n")
    print(placed.new_text)
    for f in generated.findings:
        print(f"  review, line {placed.code_start + f.line + 1}: {f.code} {f.message}")
    return placed.new_text


def stage(title: str, argv: list[str]) -> int:
    print(f"\n== {title} ==", flush=True)
    try:
        proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        print("(timed out)")
        return 1
    print((proc.stdout + proc.stderr).strip())
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
        code_line = len(line_texts(text))  # the last generated line, usually the print
        stage("explain", [*PROSEPY, "explain", f"{path}:{code_line}"])
    return 0 if ran == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
