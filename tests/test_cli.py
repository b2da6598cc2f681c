"""The command line as a user types it."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT, server_env

SUBCOMMANDS = ["serve", "generate", "run", "explain", "doctor", "model"]


def prosepy(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "prosepy.server", *args],
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
    for name in SUBCOMMANDS:
        assert name in result.stdout


def test_serve_tcp_rejects_bad_address() -> None:
    result = prosepy("serve", "--tcp", "nowhere")
    assert result.returncode == 2
    assert "HOST:PORT" in result.stderr


def test_module_help_prints_help_instead_of_serving() -> None:
    """``python -m prosepy.server --help`` answers at once (a server would wait on stdin)."""
    result = subprocess.run(
        [sys.executable, "-m", "prosepy.server", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.PIPE,  # never closed: a server started by mistake would hang here
        cwd=ROOT,
        env=server_env(),
    )
    assert result.returncode == 0
    assert result.stdout.startswith("usage: prosepy")
    assert "examples:" in result.stdout


def test_every_subcommand_has_a_description_and_examples() -> None:
    for name in [*SUBCOMMANDS, "model install", "model use", "model status"]:
        result = prosepy(*name.split(), "--help")
        assert result.returncode == 0, (name, result.stderr)
        usage, _, rest = result.stdout.partition("\n\n")
        assert usage.startswith(f"usage: prosepy {name}"), result.stdout
        description = rest.split("\n\n")[0]
        assert len(description.split()) >= 6, (name, result.stdout)
        examples = result.stdout.split("examples:\n", 1)[-1]
        assert "examples:" in result.stdout and f"prosepy {name}" in examples, result.stdout


def test_serve_accepts_stdio_flag_that_language_clients_pass() -> None:
    """vscode-languageclient appends ``--stdio`` to the server's arguments."""
    proc = subprocess.run(
        [sys.executable, "-m", "prosepy.server", "serve", "--stdio"],
        input=b"",  # end of input at once: the server starts, reads EOF and stops
        capture_output=True,
        timeout=60,
        cwd=ROOT,
        env=server_env(),
    )
    assert b"unrecognized arguments" not in proc.stderr, proc.stderr
    assert proc.returncode == 0, proc.stderr
