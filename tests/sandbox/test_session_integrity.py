"""Session integrity through the real server over stdio (pytest-lsp), in both modes.

Nothing a run leaves behind runs between runs or changes the next run's result, and a run's
results (values, error line, diagnostic, inlay hints) never name lines outside that run.
The sandboxes are found as the server's child processes and watched with psutil.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.conftest import SERVER_COMMAND, initialize_params, open_doc, server_env
from tests.sandbox.conftest import MODE, sandbox_processes

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox's layers are Linux's")


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env())
)
async def lsp(lsp_client: LanguageClient):
    await lsp_client.initialize_session(initialize_params({"run": {"timeoutS": 5}}))
    yield
    await lsp_client.shutdown_session()


async def run_line(client: LanguageClient, uri: str, line: int) -> dict[str, Any]:
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="prosepy.run", arguments=[{"uri": uri, "line": line}])
    )
    assert result is not None
    if MODE != "any":
        assert result["strength"] == MODE, result["layers"]
    return dict(result)


def sandboxes() -> list[psutil.Process]:
    """The sandboxed interpreters of the server this test started (its only child server)."""
    servers = [p for p in psutil.Process().children() if "prosepy.server" in " ".join(p.cmdline())]
    assert len(servers) == 1, servers
    return sandbox_processes(servers[0])


def cpu(procs: list[psutil.Process]) -> dict[int, float]:
    out = {}
    for proc in procs:
        try:
            times = proc.cpu_times()
            out[proc.pid] = times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return out


async def test_timers_signal_handlers_and_hooks_do_not_run_between_or_after(
    lsp: LanguageClient, tmp_path: Path
):
    text = (
        "import signal, sys, time\n"
        "hits = []\n"
        "signal.signal(signal.SIGALRM, lambda *a: hits.append(time.monotonic())); "
        "signal.setitimer(signal.ITIMER_REAL, 0.005, 0.005); "
        "sys.setprofile(lambda *a: hits.append(time.monotonic())); time.sleep(0.05)\n"
    )
    uri = open_doc(lsp, tmp_path / "timers.py", text)
    await run_line(lsp, uri, 0)
    await run_line(lsp, uri, 1)
    armed = await run_line(lsp, uri, 2)
    assert armed["ok"], armed
    ended = time.monotonic()  # the run's hooks were reset before its result was sent
    # The session's interpreter is stopped between runs (the warm spare, idle, is not).
    for _ in range(200):  # the stop goes out with the result and takes effect at once or so
        session = [p for p in sandboxes() if p.status() == psutil.STATUS_STOPPED]
        if session:
            break
        await asyncio.sleep(0.005)
    assert len(session) == 1, [(p.pid, p.status()) for p in sandboxes()]
    before = cpu(session)
    await asyncio.sleep(0.5)  # between runs: nothing of the session may execute
    assert cpu(session) == before
    check = f"time.sleep(0.2); (len(hits) > 0, max(hits) < {ended!r}, sys.getprofile())\n"
    lsp.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text + check)],
        )
    )
    after = await run_line(lsp, uri, 3)
    assert [v["text"] for v in after["lines"]] == ["→ (True, True, None)"], after


async def test_a_thread_left_behind_cannot_change_a_later_result(
    lsp: LanguageClient, tmp_path: Path
):
    text = (
        "import threading, time\n"
        "threading.Thread(target=lambda: (time.sleep(1), globals().__setitem__('x', 999)), "
        "daemon=True).start()\n"
        "x = 5\n"
        "time.sleep(1.5); x\n"
    )
    uri = open_doc(lsp, tmp_path / "thread.py", text)
    await run_line(lsp, uri, 0)
    left = await run_line(lsp, uri, 1)
    assert left["sessionRestarted"] and any("thread" in n for n in left["notes"]), left
    await run_line(lsp, uri, 0)
    await run_line(lsp, uri, 2)
    later = await run_line(lsp, uri, 3)
    assert later["lines"] == [{"line": 3, "text": "→ 5", "full": "5"}], later


async def test_results_written_ahead_do_not_answer_the_next_run(
    lsp: LanguageClient, tmp_path: Path
):
    text = (
        "import json, os\n"
        "fake = ''.join(json.dumps({'id': os.urandom(12).hex(), 'type': 'result', 'ok': True, "
        "'values': [{'line': 2, 'text': '→ fine'}]}) + '\\n' for _ in range(500)).encode()\n"
        "[os.write(fd, fake) for fd in range(3, 1024) if os.path.exists(f'/proc/self/fd/{fd}') "
        "and os.access(f'/proc/self/fd/{fd}', os.W_OK)]\n"
        "assert 1 + 1 == 3, 'the real outcome'\n"
    )
    uri = open_doc(lsp, tmp_path / "ahead.py", text)
    for line in (0, 1, 2):
        await run_line(lsp, uri, line)
    real = await run_line(lsp, uri, 3)
    assert real["ok"] is False and real["error"]["type"] == "AssertionError", real
    assert real["lines"] == []
    for _ in range(100):
        diags = lsp.diagnostics.get(uri) or []
        if diags:
            break
        await asyncio.sleep(0.05)
    assert [d.range.start.line for d in diags] == [3] and diags[0].code == "AssertionError"


async def test_a_runs_results_never_name_lines_outside_it(lsp: LanguageClient, tmp_path: Path):
    text = (
        "def f():\n"
        "    return 1 / 0\n"
        "\n"
        "\n"
        "for n in range(50_000): __prosepy_show__(n, 'far')\n"
        "__prosepy_show__(-3, 'before'); f()\n"
    )
    uri = open_doc(lsp, tmp_path / "span.py", text)
    await run_line(lsp, uri, 0)
    shown = await run_line(lsp, uri, 4)
    assert [v["line"] for v in shown["lines"]] == [4], shown["lines"][:3]
    raised = await run_line(lsp, uri, 5)
    assert raised["error"]["type"] == "ZeroDivisionError"
    assert raised["error"]["line"] == 5  # this run's call, not line 1 inside f
    assert "line 2" in raised["error"]["traceback"]  # the traceback still shows where
    assert all(raised["range"]["firstLine"] <= v["line"] <= 5 for v in raised["lines"])
    for _ in range(100):
        diags = lsp.diagnostics.get(uri) or []
        if diags:
            break
        await asyncio.sleep(0.05)
    assert [d.range.start.line for d in diags] == [5]
    hints = await lsp.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(types.Position(0, 0), types.Position(60_000, 0)),
        )
    )
    assert sorted(h.position.line for h in hints or []) == [4, 5]  # each run's own line
