"""Results made stale by an edit, through the real server over stdio: editing a line that ran
marks the results below it that depend on it, in prosepy/inlineResults, inlay hints and hover,
until they run again."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.conftest import SERVER_COMMAND, initialize_params, server_env


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env())
)
async def lsp(lsp_client: LanguageClient):
    await lsp_client.initialize_session(initialize_params({"run": {"timeoutS": 30}}))
    yield
    await lsp_client.shutdown_session()


def plain(value: Any) -> Any:
    """Notifications of custom methods arrive as named tuples: back to dicts and lists."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


async def run_file(client: LanguageClient, uri: str) -> dict[str, Any]:
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="prosepy.runFile", arguments=[{"uri": uri}])
    )
    assert result is not None and result["ok"], result
    return dict(result)


def edit(
    client: LanguageClient, uri: str, version: int, line: int, start: int, end: int, text: str
):
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            [
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(line, start), types.Position(line, end)),
                    text=text,
                )
            ],
        )
    )


async def test_edit_marks_dependent_results_stale(lsp: LanguageClient, tmp_path: Path):
    text = "x = 10\ny = x * 2\nz = 5\nw = y + 1\n"
    path = tmp_path / "stale.py"
    path.write_text(text)
    uri = path.as_uri()
    lsp.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text))
    )
    await run_file(lsp, uri)
    waiting = asyncio.ensure_future(lsp.wait_for_notification("prosepy/inlineResults"))
    edit(lsp, uri, 2, 0, 4, 6, "20")  # x = 10 -> x = 20
    items = {i["line"]: i for i in plain(await waiting)["items"]}
    assert 0 not in items, "the edited line's own result is gone"
    assert items[1]["stale"] and items[1]["label"] == "(stale) → 20"
    assert items[3]["stale"], "w reads y, which reads x"
    assert not items[2]["stale"] and items[2]["label"] == "→ 5"

    hover = await lsp.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(1, 0))
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "Stale: line 1 was edited after this ran" in hover.contents.value
    hints = await lsp.text_document_inlay_hint_async(
        types.InlayHintParams(
            types.TextDocumentIdentifier(uri),
            types.Range(types.Position(0, 0), types.Position(5, 0)),
        )
    )
    labels = {h.position.line: h.label for h in hints or []}
    assert labels[1] == "(stale) → 20" and labels[2] == "→ 5"

    # Enter at the end of a line that ran inserts a line: nothing changed, nothing is stale
    waiting = asyncio.ensure_future(lsp.wait_for_notification("prosepy/inlineResults"))
    edit(lsp, uri, 3, 2, 5, 5, "\n")
    items = {i["line"]: i for i in plain(await waiting)["items"]}
    assert not items[2]["stale"] and items[2]["label"] == "→ 5"
    assert items[4]["stale"], "w moved down with its mark"

    result = await run_file(lsp, uri)  # running again makes them fresh
    assert [v["text"] for v in result["lines"]] == ["→ 20", "→ 40", "→ 5", "→ 41"]
    hover = await lsp.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(1, 0))
    )
    assert hover is not None and "Stale" not in str(hover.contents)
