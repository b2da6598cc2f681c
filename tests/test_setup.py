"""scripts/setup's helpers: a failing step stops the setup with its command, and nothing
after it (no stamp, no later step) runs; long steps show progress."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIB = ROOT / "scripts" / "setup.d" / "lib.sh"


def _bash(script: str, venv: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PROSEPY_VENV=str(venv))
    return subprocess.run(
        ["bash", "-c", f"set -euo pipefail; source {LIB}; {script}"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip


def _fake_pip(tmp_path: Path, body: str) -> Path:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    pip = venv / "bin" / "pip"
    pip.write_text(f"#!/bin/sh\n{body}\n")
    pip.chmod(0o755)
    return venv


def test_a_failing_pip_stops_the_setup_and_stamps_nothing(tmp_path: Path) -> None:
    venv = _fake_pip(tmp_path, 'echo "ERROR: No matching distribution found for nothere"; exit 1')
    proc = _bash('pip_q nothere; stamp_set python done; echo "after the failure"', venv)
    assert proc.returncode == 1
    assert "No matching distribution found for nothere" in proc.stderr  # the end of its output
    assert "FAILED (pip install nothere" in proc.stderr
    assert "bin/pip install --progress-bar off nothere" in proc.stderr  # the failing command
    assert "after the failure" not in proc.stdout
    assert not (venv / ".stamp-python").exists()


def test_a_long_step_shows_progress_and_succeeds(tmp_path: Path) -> None:
    venv = _fake_pip(tmp_path, 'echo "Downloading xllamacpp (34 MB)"; sleep 6; echo done')
    proc = _bash("pip_q xllamacpp; stamp_set python done", venv)
    assert proc.returncode == 0, proc.stderr
    assert "pip install xllamacpp : 5s - Downloading xllamacpp (34 MB)" in proc.stderr
    assert (venv / ".stamp-python").read_text() == "done"
