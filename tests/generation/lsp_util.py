"""Helpers for driving generation through the real server: a client-side document that
applies workspace edits the way an editor does, the scripted model, and waiting."""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.conftest import SERVER_COMMAND, server_env

DIR = Path(tempfile.mkdtemp(prefix="prosepy-generate-lsp-"))


def script(name: str, replies: list[str], token_delay_s: float = 0.0) -> Path:
    path = DIR / f"{name}.json"
    path.write_text(json.dumps({"replies": replies, "token_delay_s": token_delay_s}))
    return path


def requests_logged(path: Path) -> list[dict[str, Any]]:
    log = Path(str(path) + ".log")
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def config(path: Path) -> ClientServerConfig:
    env = server_env(PROSEPY_SCRIPTED_MODEL=str(path))
    env["PROSEPY_CACHE"] = str(DIR / "cache")
    return ClientServerConfig(server_command=SERVER_COMMAND, server_env=env)


def _offset(text: str, pos: types.Position) -> int:
    lines = text.splitlines(keepends=True)
    return sum(len(line) for line in lines[: pos.line]) + pos.character


class Doc:
    """The editor's copy of one document, kept in step with the server by didChange."""

    def __init__(self, client: LanguageClient, name: str, text: str) -> None:
        self.client = client
        self.uri = (DIR / name).as_uri()
        self.text = text
        self.version = 1
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(
                    uri=self.uri, language_id="python", version=self.version, text=text
                )
            )
        )

    def change(self, start: tuple[int, int], end: tuple[int, int], new: str) -> None:
        """A ranged edit, as an editor sends for typing."""
        rng = types.Range(types.Position(*start), types.Position(*end))
        self.text = (
            self.text[: _offset(self.text, rng.start)]
            + new
            + self.text[_offset(self.text, rng.end) :]
        )
        self.version += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version),
                [types.TextDocumentContentChangePartial(range=rng, text=new)],
            )
        )

    def apply(self, edit: types.WorkspaceEdit) -> bool:
        """Apply a workspace edit like VS Code: refused if its version is not current."""
        if edit.document_changes:
            (change,) = edit.document_changes
            assert isinstance(change, types.TextDocumentEdit)
            assert change.text_document.uri == self.uri
            if change.text_document.version != self.version:
                return False
            edits = list(change.edits)
        else:
            assert edit.changes is not None
            edits = list(edit.changes[self.uri])
        # Apply from the bottom up so earlier ranges stay valid; one didChange per edit.
        for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character))[::-1]:
            assert isinstance(e, types.TextEdit | types.AnnotatedTextEdit)
            s, t = e.range.start, e.range.end
            self.change((s.line, s.character), (t.line, t.character), e.new_text)
        return True

    def lines(self) -> list[str]:
        return self.text.splitlines()


async def actions(client: LanguageClient, doc: Doc, line: int) -> list[types.CodeAction]:
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(doc.uri),
            range=types.Range(types.Position(line, 0), types.Position(line, 0)),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    # generation's own actions (the run actions, kind source.prosepy.run, are left out)
    return [
        a
        for a in result or []
        if isinstance(a, types.CodeAction) and a.kind != "source.prosepy.run"
    ]


async def until(predicate: Any, timeout: float = 30.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached in time")
