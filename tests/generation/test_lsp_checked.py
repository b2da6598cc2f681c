"""Checked generation and "fix this error" through the real server over stdio, with the
scripted model double and the real sandbox: the verdict diagnostic, the result shown inline
at once, phases in the progress, the fix as a resolved edit (VS Code) and as a command with
``workspace/applyEdit`` (Neovim 0.7), and the user's session left alone."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.conftest import SERVER_COMMAND, initialize_params, server_env
from tests.generation.lsp_util import DIR, Doc, actions, requests_logged, script, until

ROUND = script(
    "checked",
    [
        # 1. headline: runs at once
        "```python\ntotal = sum(range(1, 101))\nprint(total)\n```",
        # 2. session test: `x` lives only in the user's session, so the check raises...
        "```python\nprint(x + 1)\n```",
        # 3. ...and the repair round is asked
        "```python\nx = 1\nprint(x + 1)\n```",
        # 4. fix this error (resolve): the guard
        "```python\ndef ratio(a, b):\n    return a / b if b else 0.0\n```",
    ],
)
FIXES = script(
    "fixes",
    [
        # still raising, twice: no edit
        "```python\ndef ratio(a, b):\n    return a / (b * 1)\n```",
        "```python\ndef ratio(a, b):\n    return a / (b + 0)\n```",
        # the NameError
        "```python\nprint(sorted(items))\n```",
    ],
)
FIX_KIND = "quickfix.prosepy.fixError"
OPTIONS = {"generate": {"candidates": 2}, "run": {"timeoutS": 5}}


def _client(lsp_client: LanguageClient) -> None:
    lsp_client.run_results = []  # type: ignore[attr-defined]

    @lsp_client.feature("prosepy/runResult")
    def on_result(params: Any) -> None:
        lsp_client.run_results.append(params)  # type: ignore[attr-defined]

    @lsp_client.feature(types.WORKSPACE_INLAY_HINT_REFRESH)
    def on_refresh(*args: Any) -> None:
        return None

    @lsp_client.feature("prosepy/inlineResults")
    def on_inline(params: Any) -> None:
        return None

    @lsp_client.feature("prosepy/modelStatus")
    def on_status(params: Any) -> None:
        return None


def _config(path: Path) -> ClientServerConfig:
    env = {**server_env(PROSEPY_SCRIPTED_MODEL=str(path)), "PROSEPY_CACHE": str(DIR)}
    return ClientServerConfig(server_command=SERVER_COMMAND, server_env=env)


@pytest_lsp.fixture(config=_config(ROUND))
async def vscode(lsp_client: LanguageClient):
    _client(lsp_client)
    params = initialize_params(OPTIONS)
    assert params.capabilities.workspace is not None
    params.capabilities.workspace.inlay_hint = types.InlayHintWorkspaceClientCapabilities(
        refresh_support=True
    )
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


def _diagnostics(client: LanguageClient, uri: str, source: str) -> list[types.Diagnostic]:
    return [d for d in client.diagnostics.get(uri, []) if d.source == source]


async def _hints(client: LanguageClient, uri: str) -> dict[int, str]:
    got = await client.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(types.Position(0, 0), types.Position(40, 0)),
        )
    )
    return {h.position.line: str(h.label) for h in got or []}


async def _command(client: LanguageClient, name: str, *args: Any) -> Any:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=name, arguments=list(args))
    )


async def _fix_actions(client: LanguageClient, doc: Doc, line: int) -> list[types.CodeAction]:
    diagnostics = _diagnostics(client, doc.uri, "prosepy run")
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(doc.uri),
            range=types.Range(types.Position(line, 0), types.Position(line, 0)),
            context=types.CodeActionContext(diagnostics=diagnostics),
        )
    )
    return [
        a
        for a in map(_as_action, result or [])
        if isinstance(a, types.CodeAction) and a.kind == "quickfix.prosepy.fixError"
    ]


def _as_action(item: types.CodeAction | types.Command) -> types.CodeAction | types.Command:
    """The test client reads an action that carries a command but no edit as a ``Command``
    whose ``command`` is the action's JSON as a Python literal: read it back."""
    if isinstance(item, types.Command) and item.command.startswith("{"):
        raw = ast.literal_eval(item.command)
        if raw["command"] != "prosepy.fixError":
            return item
        command = types.Command(raw["title"], raw["command"], arguments=raw.get("arguments"))
        return types.CodeAction(title=item.title, kind=FIX_KIND, command=command)
    return item


async def test_checked_generation_marks_the_code_and_shows_the_result(vscode: LanguageClient):
    ROUND.with_suffix(".json.log").unlink(missing_ok=True)
    doc = Doc(vscode, "headline.py", "# nl: 计算 1 到 100 的和\n")
    (action,) = await actions(vscode, doc, 0)
    resolved = await vscode.code_action_resolve_async(action)
    assert resolved.edit is not None
    assert doc.apply(resolved.edit)
    await until(lambda: _diagnostics(vscode, doc.uri, "prosepy check"))
    (mark,) = _diagnostics(vscode, doc.uri, "prosepy check")
    assert mark.severity == types.DiagnosticSeverity.Hint
    assert mark.message == "generated code ✓ ran without error"
    assert mark.range.start.line == 1
    await until(lambda: vscode.run_results)  # type: ignore[attr-defined]
    # the assignment's value, and what the print printed (marked as printed output)
    assert await _hints(vscode, doc.uri) == {1: "→ 5050", 2: "⤷ 5050"}
    assert vscode.run_results[0].lines[0].text == "→ 5050"  # type: ignore[attr-defined]
    messages = [
        getattr(value, "message", None) or ""
        for values in vscode.progress_reports.values()
        for value in values
    ]
    assert any(m.startswith("running") for m in messages), messages

    # The user's session: `x` is 41 there, though the file no longer says so. Checking runs
    # elsewhere, sees no `x` (the first answer raises and is repaired) and leaves it alone.
    session = Doc(vscode, "session.py", "x = 41\n")
    await _command(vscode, "prosepy.run", {"uri": session.uri, "line": 0})
    session.change((0, 0), (0, 6), "# nl: print x plus one")
    (action,) = await actions(vscode, session, 0)
    resolved = await vscode.code_action_resolve_async(action)
    assert resolved.edit is not None and session.apply(resolved.edit)
    assert session.lines()[1:3] == ["x = 1", "print(x + 1)"]
    assert "NameError" in requests_logged(ROUND)[2]["messages"][-1]["content"]
    session.change((3, 0), (3, 0), "x\n")
    value = await _command(vscode, "prosepy.run", {"uri": session.uri, "line": 3})
    assert value["lines"][0]["text"] == "→ 41"

    # Fix this error, resolved as VS Code does: the guard, offered because it ran.
    text = "def ratio(a, b):\n    return a / b\n\nprint(ratio(1, 0))\n"
    broken = Doc(vscode, "ratio.py", text)
    Path(DIR / "ratio.py").write_text(text)
    run = await _command(vscode, "prosepy.runFile", {"uri": broken.uri})
    assert run["error"]["type"] == "ZeroDivisionError"
    await until(lambda: _diagnostics(vscode, broken.uri, "prosepy run"))
    (fix,) = await _fix_actions(vscode, broken, 1)
    assert fix.title == "Fix this error (ZeroDivisionError) with the model"
    fixed = await vscode.code_action_resolve_async(fix)
    assert fixed.edit is not None
    assert "→ `return a / b if b else 0.0`" in fixed.title
    assert broken.apply(fixed.edit)
    assert broken.lines()[1] == "    return a / b if b else 0.0"


@pytest_lsp.fixture(config=_config(FIXES))
async def neovim(lsp_client: LanguageClient):
    _client(lsp_client)
    lsp_client.applied = []  # type: ignore[attr-defined]

    @lsp_client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        lsp_client.applied.append(params)  # type: ignore[attr-defined]
        return types.ApplyWorkspaceEditResult(applied=True)

    params = initialize_params(OPTIONS, client="neovim@v0.7.0")
    # The command path, for clients that do not resolve actions (Neovim 0.7 could do both).
    code_action = params.capabilities.text_document.code_action  # type: ignore[union-attr]
    assert code_action is not None
    code_action.resolve_support = None
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


async def test_fix_this_error_through_plain_lsp(neovim: LanguageClient) -> None:
    FIXES.with_suffix(".json.log").unlink(missing_ok=True)
    text = "def ratio(a, b):\n    return a / b\n\nprint(ratio(1, 0))\n"
    doc = Doc(neovim, "ratio-nvim.py", text)
    await _command(neovim, "prosepy.runFile", {"uri": doc.uri})
    await until(lambda: _diagnostics(neovim, doc.uri, "prosepy run"))
    (fix,) = await _fix_actions(neovim, doc, 1)
    assert fix.command is not None and fix.command.command == "prosepy.fixError"
    result = await _command(neovim, fix.command.command, *(fix.command.arguments or []))
    assert result == {"applied": False}
    assert neovim.applied == []  # type: ignore[attr-defined]
    await until(lambda: any("could not find a fix that runs" in m.message for m in neovim.messages))

    names = Doc(neovim, "names-nvim.py", "items = [3, 1, 2]\nprint(sorted(item))\n")
    await _command(neovim, "prosepy.runFile", {"uri": names.uri})
    await until(lambda: _diagnostics(neovim, names.uri, "prosepy run"))
    (fix,) = await _fix_actions(neovim, names, 1)
    assert fix.command is not None
    result = await _command(neovim, fix.command.command, *(fix.command.arguments or []))
    assert result["applied"] is True
    assert result["description"] == "line 2: `print(sorted(item))` → `print(sorted(items))`"
    (params,) = neovim.applied  # type: ignore[attr-defined]
    changes = params.edit.changes or {}
    (edit,) = changes[names.uri]
    assert edit.new_text == "print(sorted(items))\n"
