"""``textDocument/didOpen``, ``didChange``, ``didClose``: fan document events out to features.

pygls keeps the text itself; this module only forwards the events, so that run results,
generations and sessions can react to edits without each owning the notification.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from prosepy.server.lsp.server import ProsepyServer


def register(server: ProsepyServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: ProsepyServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.emit_document("open", params)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: ProsepyServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.emit_document("change", params)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: ProsepyServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.emit_document("close", params)
