"""``prosepy/inlineResults`` through the real server: what an editor draws after each line,
sent after a run and again whenever an edit moves or drops a result."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.conftest import SERVER_COMMAND, initialize_params, open_doc, server_env

INLINE = "prosepy/inlineResults"


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env())
)
async def lsp(lsp_client: LanguageClient):
    lsp_client.inline = []  # type: ignore[attr-defined]

    @lsp_client.feature(INLINE)
    def on_inline(client: LanguageClient, params: Any) -> None:
        client.inline.append(_plain(params))  # type: ignore[attr-defined]

    await lsp_client.initialize_session(initialize_params())
    yield
    await lsp_client.shutdown_session()


def _plain(value: Any) -> Any:
    """pygls hands custom notifications over as named tuples: back to JSON-like values."""
    if hasattr(value, "_asdict"):
        return {k: _plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


async def _next(client: LanguageClient, seen: int) -> Any:
    """The first inlineResults notification after the ``seen`` ones already received."""
    received = client.inline  # type: ignore[attr-defined]
    for _ in range(600):
        if len(received) > seen:
            return received[seen]
        await asyncio.sleep(0.05)
    raise AssertionError("no prosepy/inlineResults")


def _items(note: Any) -> list[tuple[int, str, str]]:
    return [(i["line"], i["kind"], i["label"]) for i in note["items"]]


def _type(client: LanguageClient, uri: str, version: int, at: tuple[int, int], text: str) -> None:
    position = types.Position(*at)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(position, position), text=text
                )
            ],
        )
    )


async def _open_and_run(client: LanguageClient, path: Path, text: str) -> str:
    """Write, open and run ``text`` as ``path``; its URI."""
    uri = open_doc(client, path, text)
    await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="prosepy.runFile", arguments=[{"uri": uri}])
    )
    return uri


async def test_results_follow_edits_and_are_sent_again(lsp: LanguageClient, tmp_path: Path):
    text = "x = 6 * 7\nx\nprint('done')\nx + 1\n"
    uri = await _open_and_run(lsp, tmp_path / "inline.py", text)
    first = await _next(lsp, 0)
    assert first["uri"] == uri
    assert _items(first) == [(0, "value", "→ 42"), (1, "value", "→ 42"), (3, "value", "→ 43")]

    _type(lsp, uri, 2, (1, 1), "\n")  # Enter at the end of line 1: its value stays there
    moved = await _next(lsp, 1)
    assert moved["version"] == 2
    assert _items(moved) == [(0, "value", "→ 42"), (1, "value", "→ 42"), (4, "value", "→ 43")]

    _type(lsp, uri, 3, (0, 0), "# the answer\n")  # a line above everything: all move down
    assert [i[0] for i in _items(await _next(lsp, 2))] == [1, 2, 5]

    _type(lsp, uri, 4, (5, 5), "0")  # `x + 10`: that value is out of date, so it goes
    assert _items(await _next(lsp, 3)) == [(1, "value", "→ 42"), (2, "value", "→ 42")]

    lsp.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))
    assert _items(await _next(lsp, 4)) == []


async def test_a_run_error_is_drawn_where_it_was_raised(lsp: LanguageClient, tmp_path: Path):
    await _open_and_run(lsp, tmp_path / "error.py", "a = 2\nb = a / 0\n")
    value, item = (await _next(lsp, 0))["items"]
    assert (value["line"], value["label"]) == (0, "→ 2")
    assert item["line"] == 1 and item["kind"] == "error"
    assert item["label"] == "✗ ZeroDivisionError: division by zero"
    assert "Traceback" in item["detail"] and "ZeroDivisionError" in item["detail"]
