"""The command line as a user types it."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT, server_env

CLI = "from prosepy.server.cli import main; raise SystemExit(main())"


def prosepy(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CLI, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=server_env(),
    )


def test_doctor_reports_python_and_sections() -> None:
    result = prosepy("doctor")
    assert "[python]" in result.stdout
    assert sys.executable in result.stdout
    assert "[model]" in result.stdout and "[sandbox]" in result.stdout
    # exit code 1 exactly when something is missing, and the summary line agrees
    missing = "MISS" in result.stdout
    assert result.returncode == (1 if missing else 0)
    assert ("all checks passed" in result.stdout) == (
        "MISS" not in result.stdout and " warn " not in result.stdout
    )


def test_help_lists_every_subcommand() -> None:
    result = prosepy("--help")
    for name in ["serve", "generate", "run", "explain", "doctor", "model"]:
        assert name in result.stdout


def test_serve_tcp_rejects_bad_address() -> None:
    result = prosepy("serve", "--tcp", "nowhere")
    assert result.returncode == 2
    assert "HOST:PORT" in result.stderr
