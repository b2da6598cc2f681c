"""``prosepy explain FILE:LINE[:COL]`` prints what the hover shows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, server_env

SOURCE = "words = ['bb', 'a']\nresult = sorted(words, key=len)\n\ntotal = 0\n"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "prosepy.server"]
    return subprocess.run(
        [*command, "explain", *args],
        capture_output=True,
        text=True,
        env=server_env(),
        cwd=ROOT,
        timeout=120,
    )


def test_explain_prints_explanation_and_signature(tmp_path: Path) -> None:
    path = tmp_path / "example.py"
    path.write_text(SOURCE, encoding="utf-8")
    done = _run(f"{path}:2:10")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        "Sets `result` to the items of `words` sorted by length, as a new list."
    )
    assert "```python\ndef sorted(" in done.stdout  # jedi's signature of `sorted`


def test_explain_in_chinese(tmp_path: Path) -> None:
    path = tmp_path / "example.py"
    path.write_text(SOURCE, encoding="utf-8")
    done = _run(f"{path}:4", "--language", "zh")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("把 `total` 设为 `0`。")


def test_bad_positions_are_clear_errors(tmp_path: Path) -> None:
    path = tmp_path / "example.py"
    path.write_text(SOURCE, encoding="utf-8")
    assert "line 99 does not exist" in _run(f"{path}:99").stderr
    assert "expected FILE:LINE" in _run(str(path)).stderr
    assert "cannot read" in _run(f"{tmp_path / 'missing.py'}:1").stderr
    blank = _run(f"{path}:3")
    assert blank.returncode == 1 and "nothing to explain" in blank.stderr
