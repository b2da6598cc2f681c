"""Running code through the real server over stdio: commands, notification, inlay hints,
diagnostics, lenses, sessions, and the server answering other requests during a run."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from prosepy.server.sandbox.layers import EXPECTED
from tests.conftest import SERVER_COMMAND, initialize_params, markdown, open_doc, server_env
from tests.sandbox.conftest import MODE


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env())
)
async def lsp(lsp_client: LanguageClient):
    """The real server with a short run timeout, so stopping a run is quick; the client, like
    VS Code, supports ``workspace/inlayHint/refresh`` and counts the refreshes it gets."""
    params = initialize_params({"run": {"timeoutS": 3}})
    assert params.capabilities.workspace is not None
    params.capabilities.workspace.inlay_hint = types.InlayHintWorkspaceClientCapabilities(
        refresh_support=True
    )
    lsp_client.inlay_refreshes = 0  # type: ignore[attr-defined]

    @lsp_client.feature(types.WORKSPACE_INLAY_HINT_REFRESH)
    def on_refresh(client: LanguageClient, *args: Any) -> None:
        client.inlay_refreshes += 1  # type: ignore[attr-defined]

    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


async def command(client: LanguageClient, name: str, *args: Any) -> Any:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=name, arguments=list(args) or None)
    )


def cursor(line: int) -> dict[str, Any]:
    pos = {"line": line, "character": 0}
    return {"start": pos, "end": pos}


async def hints(client: LanguageClient, uri: str, lines: int = 50) -> dict[int, str]:
    got = await client.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(types.Position(0, 0), types.Position(lines, 0)),
        )
    )
    return {h.position.line: str(h.label) for h in got or []}


async def test_statement_file_values_hints_and_notification(lsp: LanguageClient, tmp_path: Path):
    text = "x = sum(range(101))\nx\nfor i in range(2):\n    print(i)\n"
    uri = open_doc(lsp, tmp_path / "a.py", text)
    waiting = asyncio.ensure_future(lsp.wait_for_notification("prosepy/runResult"))
    # The cursor on the loop's body runs the whole `for` statement.
    result = await command(lsp, "prosepy.run", {"uri": uri, "range": cursor(3)})
    assert result["ok"] and result["stdout"] == "0\n1\n"
    assert result["range"] == {"firstLine": 2, "lastLine": 3}
    note = await asyncio.wait_for(waiting, 30)
    assert note.ok is True and note.uri == uri  # pytest-lsp gives notifications as objects

    result = await command(lsp, "prosepy.runFile", {"uri": uri})
    assert [(v["line"], v["text"]) for v in result["lines"]] == [(0, "→ 5050"), (1, "→ 5050")]
    if MODE != "any":
        assert set(result["layers"]) == EXPECTED[MODE] and result["strength"] == MODE
    assert result["error"] is None and result["sessionRestarted"] is False
    assert await hints(lsp, uri) == {0: "→ 5050", 1: "→ 5050"}
    assert lsp.inlay_refreshes >= 2  # type: ignore[attr-defined]  # after each run


async def test_error_diagnostic_and_edits_drop_results(lsp: LanguageClient, tmp_path: Path):
    text = "a = 2\nb = a * 21\nc = b / 0\n"
    uri = open_doc(lsp, tmp_path / "b.py", text)
    result = await command(lsp, "prosepy.runFile", [uri])  # positional form
    assert result["error"]["type"] == "ZeroDivisionError" and result["error"]["line"] == 2
    for _ in range(100):
        if lsp.diagnostics.get(uri):
            break
        await asyncio.sleep(0.05)
    (diag,) = lsp.diagnostics[uri]
    assert diag.range.start.line == 2 and diag.severity == types.DiagnosticSeverity.Error
    assert "ZeroDivisionError" in diag.message
    assert "divided by zero" in diag.message  # the plain-language explanation (explain.errors)
    assert await hints(lsp, uri) == {0: "→ 2", 1: "→ 42"}
    hover = await lsp.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(1, 0)
        )
    )
    text = markdown(hover)
    assert "**Value**" in text and "42" in text and f"sandbox **{result['strength']}**" in text
    error_hover = await lsp.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(2, 0)
        )
    )
    error_text = markdown(error_hover)
    assert "Traceback" in error_text
    # what the exception means, in this line's terms, not only the raw message
    assert "divided by zero" in error_text and "\\`b / 0\\`" in error_text  # shown literally

    # Insert a line above: results move down; edit the raising line: its error goes away.
    lsp.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(0, 0), types.Position(0, 0)), text="# hi\n"
                ),
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(3, 8), types.Position(3, 9)), text="1"
                ),
            ],
        )
    )
    for _ in range(100):
        if not lsp.diagnostics.get(uri):
            break
        await asyncio.sleep(0.05)
    assert not lsp.diagnostics.get(uri)
    assert await hints(lsp, uri) == {1: "→ 2", 2: "→ 42"}


async def test_session_keeps_state_survives_timeout_and_restarts(
    lsp: LanguageClient, tmp_path: Path
):
    text = (
        "x = 41\nwhile True: pass\nx + 1\n"
        "import signal; signal.signal(signal.SIGINT, signal.SIG_IGN); exec('while 1: pass')\n"
    )
    uri = open_doc(lsp, tmp_path / "c.py", text)
    await command(lsp, "prosepy.run", {"uri": uri, "line": 0})
    stopped = await command(lsp, "prosepy.run", {"uri": uri, "line": 1})
    assert stopped["error"]["type"] == "Timeout" and stopped["error"]["line"] == 1
    assert stopped["sessionRestarted"] is False  # KeyboardInterrupt stopped it: state kept
    again = await command(lsp, "prosepy.run", {"uri": uri, "line": 2})
    assert again["lines"] == [{"line": 2, "text": "→ 42", "full": "42"}]

    # A snippet that ignores SIGINT is killed: the session restarts and its state is lost.
    # (Signal handlers do not outlive their run, so the ignoring and the loop are one run.)
    killed = await command(lsp, "prosepy.run", {"uri": uri, "line": 3})
    assert killed["error"]["type"] == "Timeout" and killed["sessionRestarted"] is True
    assert any("lost" in n for n in killed["notes"])
    lost = await command(lsp, "prosepy.run", {"uri": uri, "line": 2})
    assert lost["error"]["type"] == "NameError"


async def test_server_answers_other_requests_during_a_run(lsp: LanguageClient, tmp_path: Path):
    text = "# %%\nwhile True: pass\n# %%\nprint('cell 2')\n"
    lsp.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"prosepy": {"run": {"timeoutS": 600}}})
    )
    uri = open_doc(lsp, tmp_path / "d.py", text)
    run = asyncio.ensure_future(command(lsp, "prosepy.runCell", {"uri": uri, "line": 1}))
    await asyncio.sleep(0.3)
    lenses = await lsp.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    hover = await lsp.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(3, 1)
        )
    )
    doctor = await command(lsp, "prosepy.doctor")
    assert not run.done(), "the run must still be going while the other requests are answered"
    assert "print" in markdown(hover).lower()
    titles = [(lens.range.start.line, lens.command and lens.command.title) for lens in lenses or []]
    assert [line for line, title in titles if title == "▶ Run cell"] == [
        0,
        2,
    ]
    assert "sandbox" in doctor["text"]
    assert (await command(lsp, "prosepy.cancelRun", {"uri": uri}))["cancelled"] is True
    result = await run
    assert result["error"]["type"] == "Cancelled"
    cell = await command(lsp, "prosepy.runCell", {"uri": uri, "line": 3})
    assert cell["stdout"] == "cell 2\n"


async def test_cancel_and_restart(lsp: LanguageClient, tmp_path: Path):
    uri = open_doc(lsp, tmp_path / "e.py", "v = 7\nimport time; time.sleep(60)\nv\n")
    await command(lsp, "prosepy.run", {"uri": uri, "line": 0})
    run = asyncio.ensure_future(command(lsp, "prosepy.run", {"uri": uri, "line": 1}))
    for _ in range(100):
        cancelled = await command(lsp, "prosepy.cancelRun", {"uri": uri})
        if cancelled["cancelled"]:
            break
        await asyncio.sleep(0.05)
    result = await run
    assert result["error"]["type"] == "Cancelled"
    assert (await command(lsp, "prosepy.run", {"uri": uri, "line": 2}))["lines"][0]["text"] == "→ 7"
    assert (await command(lsp, "prosepy.restartSession", {"uri": uri}))["restarted"] is True
    after = await command(lsp, "prosepy.run", {"uri": uri, "line": 2})
    assert after["error"]["type"] == "NameError"


async def test_attacks_on_the_server_leave_it_serving(lsp: LanguageClient, tmp_path: Path):
    text = (
        "import os, signal\n"
        "for pid in (os.getppid(), 1):\n"
        "    try:\n"
        "        os.kill(pid, signal.SIGKILL)\n"
        "    except OSError as e:\n"
        "        print(type(e).__name__)\n"
        "while True:\n"
        "    try:\n"
        "        os.fork()\n"
        "    except OSError:\n"
        "        break\n"
    )
    uri = open_doc(lsp, tmp_path / "f.py", text)
    result = await command(lsp, "prosepy.runFile", {"uri": uri})
    assert result["ok"], result
    assert result["stdout"].split() == ["PermissionError", "PermissionError"] or all(
        w in ("PermissionError", "ProcessLookupError") for w in result["stdout"].split()
    )
    doctor = await command(lsp, "prosepy.doctor")
    assert MODE in doctor["text"] or MODE == "any"


@pytest.mark.parametrize(
    "name, args, expected",
    [
        ("prosepy.run", [], "expected"),
        ("prosepy.run", [{"uri": 5}], "expected"),
        ("prosepy.run", [{"uri": "file:///nope/missing.py", "line": 0}], "not open"),
        ("prosepy.run", [{"uri": "URI", "range": "all"}], "range"),
        ("prosepy.run", [{"uri": "URI", "range": {"start": {"line": -1}}}], "position"),
        ("prosepy.runCell", [{"uri": "URI", "line": "two"}], "line"),
        ("prosepy.run", [{"uri": "URI", "line": 1}], "no statement on line 2"),
    ],
)
async def test_bad_arguments_are_clear_errors(
    lsp: LanguageClient, tmp_path: Path, name: str, args: list, expected: str
):
    uri = open_doc(lsp, tmp_path / "g.py", "x = 1\n\n")
    args = [{k: (uri if v == "URI" else v) for k, v in a.items()} for a in args]
    with pytest.raises(Exception) as info:
        await command(lsp, name, *args)
    assert (
        expected in str(info.value) and "-32602" in str(info.value) or expected in str(info.value)
    )
    assert (await command(lsp, "prosepy.runFile", {"uri": uri}))["ok"]


async def test_fresh_mode_forgets_between_runs(lsp: LanguageClient, tmp_path: Path):
    lsp.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"prosepy": {"run": {"mode": "fresh"}}})
    )
    uri = open_doc(lsp, tmp_path / "h.py", "x = 1\nx\n")
    await asyncio.sleep(0.2)
    first = await command(lsp, "prosepy.run", {"uri": uri, "line": 0})
    assert first["mode"] == "fresh"
    second = await command(lsp, "prosepy.run", {"uri": uri, "line": 1})
    assert second["error"]["type"] == "NameError"


async def test_unsaved_document_runs_without_a_folder(lsp: LanguageClient):
    uri = "untitled:Untitled-1"
    lsp.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text="import os\nos.listdir('.')\n"
            )
        )
    )
    result = await command(lsp, "prosepy.runFile", {"uri": uri})
    assert result["ok"] and result["lines"][0]["text"] == "→ []"  # an empty private workdir
    assert any("no folder" in n for n in result["notes"])


ATTACKS = {
    "crash": "import ctypes\nctypes.string_at(0)\n",
    "memory": "hog = []\nwhile True: hog.append(b' ' * 10**7)\n",
    "fds": "fds = [open('/dev/null') for _ in range(10**5)]\n",
    "output": "while True: print('x' * 10**5)\n",
    "exit": "import os\nos._exit(0)\n",
}


async def test_the_server_survives_attacks_run_through_it(lsp: LanguageClient, tmp_path: Path):
    for name, code in ATTACKS.items():
        uri = open_doc(lsp, tmp_path / f"attack_{name}.py", code)
        result = await command(lsp, "prosepy.runFile", {"uri": uri})
        assert result["ok"] is False and result["error"]["type"], (name, result)
        assert len(result["stdout"]) <= 1024 * 1024
    doctor = await command(lsp, "prosepy.doctor")
    assert MODE in doctor["text"] or MODE == "any"
    uri = open_doc(lsp, tmp_path / "after.py", "6 * 7\n")
    assert (await command(lsp, "prosepy.runFile", {"uri": uri}))["lines"][0]["text"] == "→ 42"


async def test_positional_arguments_and_closing_frees_the_session(
    lsp: LanguageClient, tmp_path: Path
):
    uri = open_doc(lsp, tmp_path / "p.py", "kept = 5\nkept\n")
    first = await command(lsp, "prosepy.run", uri, cursor(0))  # [uri, range], as Neovim sends
    assert first["lines"] == [{"line": 0, "text": "→ 5", "full": "5"}]
    cell = await command(lsp, "prosepy.runCell", uri, 1)  # [uri, line]
    assert cell["ok"]
    lsp.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    await asyncio.sleep(0.3)
    uri = open_doc(lsp, tmp_path / "p.py", "kept\n")
    again = await command(lsp, "prosepy.run", {"uri": uri, "line": 0})
    assert again["error"]["type"] == "NameError"  # the closed document's variables are gone
