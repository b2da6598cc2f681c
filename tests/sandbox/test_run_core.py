"""The sandbox core without the editor: sessions, modes, layers without namespaces, doctor, CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from prosepy.server.config import RunSettings, Settings
from prosepy.server.sandbox import layers
from prosepy.server.sandbox.doctor import doctor_checks
from prosepy.server.sandbox.session import SandboxManager, shared_folder

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox's layers are Linux's")


async def run(manager: SandboxManager, code: str, folder: Path, key: str = "k"):
    return await manager.run(key, code, 0, str(folder / "doc.py"), str(folder))


async def test_in_process_layers_stand_alone_without_namespaces(tmp_path: Path):
    """Where user namespaces are refused, Landlock and seccomp still hold on their own."""
    (tmp_path / "data.csv").write_text("1,2\n")
    manager = SandboxManager(RunSettings(timeout_s=5), namespaces=False)
    try:
        result = await run(manager, "open('data.csv').read()", tmp_path)
        assert result.lines[0].full == repr("1,2\n")
        assert "namespaces" not in result.layers and result.strength == "medium"
        assert any("process ids" in u for u in result.unrestricted)
        attack = await run(
            manager,
            "import os\nfor f in (lambda: open('/etc/shadow'), os.fork, lambda: os.kill(1, 9)):\n"
            "    try:\n        f()\n    except OSError as e:\n        print(type(e).__name__)\n",
            tmp_path,
        )
        assert attack.stdout.split() == ["PermissionError"] * 3, attack
    finally:
        manager.shutdown()


async def test_session_state_fresh_mode_and_settings_changes(tmp_path: Path):
    manager = SandboxManager(RunSettings(timeout_s=5))
    try:
        await run(manager, "counter = 1", tmp_path)
        kept = await run(manager, "counter += 1\ncounter", tmp_path)
        assert kept.lines[-1].text == "→ 2" and not kept.session_restarted
        other_doc = await run(manager, "counter", tmp_path, key="other")
        assert other_doc.error is not None and other_doc.error.type == "NameError"

        manager.update_settings(RunSettings(timeout_s=5, memory_mb=300))
        restarted = await run(manager, "counter", tmp_path)
        assert restarted.error is not None and restarted.error.type == "NameError"
        assert any("settings changed" in n for n in restarted.notes)

        manager.update_settings(RunSettings(timeout_s=5, mode="fresh"))
        await run(manager, "z = 3", tmp_path)
        fresh = await run(manager, "z", tmp_path)
        assert fresh.error is not None and fresh.mode == "fresh"
    finally:
        manager.shutdown()


async def test_bad_interpreter_setting_is_a_clear_error(tmp_path: Path):
    manager = SandboxManager(RunSettings(python="/no/such/python"))
    try:
        result = await run(manager, "1", tmp_path)
        assert result.error is not None and result.error.type == "SandboxError"
        assert "/no/such/python" in result.error.message
    finally:
        manager.shutdown()


def test_home_and_root_folders_are_never_shared(tmp_path: Path):
    assert shared_folder("/")[0] is None
    assert shared_folder(str(Path.home()))[0] is None
    assert shared_folder(str(tmp_path))[0] == str(tmp_path.resolve())


def test_strength_labels_and_what_is_unrestricted():
    assert layers.strength(layers.FULL) == "strong"
    assert layers.strength({"supervisor", "rlimits"}) == "weak"
    text = " ".join(layers.unrestricted({"supervisor", "rlimits"}, network=False))
    assert "read every file" in text and "fork" in text


def test_doctor_reports_real_layers():
    checks = {c.name: c for c in doctor_checks(Settings())}
    assert checks["strength"].detail.startswith("strong"), checks["strength"]
    assert checks["landlock"].status == "ok" and "ABI" in checks["landlock"].detail


def _cli(*args: str) -> subprocess.CompletedProcess:
    command = [str(ROOT / ".venv/bin/prosepy"), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_cli_run_file_lines_and_json(tmp_path: Path):
    src = tmp_path / "demo.py"
    src.write_text("x = sum(range(101))\nx\nprint('hi')\n1 / 0\n")
    whole = _cli("run", str(src))
    assert whole.returncode == 1
    assert "→ 5050" in whole.stdout and "ZeroDivisionError" in whole.stdout and "hi" in whole.stdout
    part = _cli("run", str(src), "--lines", "1-2", "--json")
    assert part.returncode == 0
    data = json.loads(part.stdout)
    assert [v["line"] for v in data["lines"]] == [0, 1] and data["strength"] == "strong"
    bad = _cli("run", str(src), "--lines", "3-99")
    assert bad.returncode == 2 and "lines 1-4" in bad.stderr
    missing = _cli("run", str(tmp_path / "nope.py"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    alone = _cli("run", str(src), "--settings", '{"run": {"timeoutS": 0.5}}', "--lines", "2")
    assert alone.returncode == 1 and "NameError" in alone.stdout  # each CLI run is a new session


async def test_snippets_use_the_chosen_environment_read_only(tmp_path: Path):
    """run.python picks the environment: its packages import, and it cannot be written."""
    venv = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next(venv.glob("lib/python3*/site-packages"))
    (site / "fakepandas.py").write_text("VERSION = '9.9'\n")
    project = tmp_path / "project"
    project.mkdir()
    manager = SandboxManager(RunSettings(python=str(venv / "bin" / "python"), timeout_s=10))
    try:
        result = await run(
            manager,
            "import sys, fakepandas\nfakepandas.VERSION\nsys.prefix\n"
            f"open({str(site / 'fakepandas.py')!r}, 'a').write('hacked = 1')\n",
            project,
        )
        assert [v.text for v in result.lines[:2]] == ["→ '9.9'", f"→ {str(venv)!r}"]
        assert result.error is not None and result.error.type in ("PermissionError", "OSError")
        assert (site / "fakepandas.py").read_text() == "VERSION = '9.9'\n"
    finally:
        manager.shutdown()


async def test_allow_network_setting_opens_tcp(tmp_path: Path):
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    manager = SandboxManager(RunSettings(allow_network=True, timeout_s=10))
    try:
        result = await run(
            manager,
            "import socket\n"
            f"socket.create_connection(('127.0.0.1', {port}), timeout=5).close()\n'ok'",
            tmp_path,
        )
        assert result.ok and result.lines[-1].text == "→ 'ok'", result
        assert any("network access is allowed" in u for u in result.unrestricted)
    finally:
        listener.close()
        manager.shutdown()


async def test_top_level_await_works_like_in_jupyter(tmp_path: Path):
    manager = SandboxManager(RunSettings(timeout_s=10))
    try:
        result = await run(
            manager,
            "import asyncio\nawait asyncio.sleep(0)\nn = await asyncio.sleep(0, 5)\n",
            tmp_path,
        )
        assert result.ok and [v.text for v in result.lines] == ["→ 5"], result
    finally:
        manager.shutdown()


async def test_error_in_a_function_from_an_earlier_run_stays_on_this_runs_line(tmp_path: Path):
    """The traceback shows the earlier run's line; the error is placed on this run's call, so
    a result never names a line outside its run (that line may have been edited since)."""
    manager = SandboxManager(RunSettings(timeout_s=10))
    try:
        await manager.run("k", "def f(x):\n    return 10 / x\n", 3, str(tmp_path / "d.py"), None)
        result = await manager.run("k", "f(0)\n", 9, str(tmp_path / "d.py"), None)
        assert result.error is not None and result.error.line == 9
        assert "line 5" in result.error.traceback  # inside f, document line 5
        assert "return 10 / x" in result.error.traceback and "f(0)" in result.error.traceback
    finally:
        manager.shutdown()
