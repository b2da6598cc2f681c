"""``textDocument/inlayHint``: run values at the end of their lines (``→ 5050``); a value that
an edit above it made stale starts with ``(stale)``.

The values come from the run result store (``ls.services.run_results``); after each run the run
feature sends ``workspace/inlayHint/refresh`` so clients pull them again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from prosepy.server.lsp.run_store import STALE_MARK, STALE_NOTE, one_line

if TYPE_CHECKING:
    from prosepy.server.lsp.server import ProsepyServer


def hints(ls: ProsepyServer, params: types.InlayHintParams) -> list[types.InlayHint]:
    uri = params.text_document.uri
    doc = ls.services.run_results.docs.get(uri)
    if doc is None or not doc.values:
        return []
    try:
        lines = ls.workspace.get_text_document(uri).lines
    except Exception:
        return []
    first, last = params.range.start.line, params.range.end.line
    out: list[types.InlayHint] = []
    for line in sorted(doc.values):
        if not first <= line <= last or line >= len(lines):
            continue
        value = doc.values[line]
        end = len(lines[line].rstrip("\r\n"))
        label, tooltip = value.text, value.full or None
        if line in doc.stale:  # a line above it was edited after it ran
            label = one_line(STALE_MARK + label)
            tooltip = f"{STALE_NOTE}\n\n{tooltip}" if tooltip else STALE_NOTE
        out.append(
            types.InlayHint(
                position=types.Position(line, end),
                label=label,
                padding_left=True,
                tooltip=tooltip,
            )
        )
    return out


def register(server: ProsepyServer) -> None:
    server.feature(types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintOptions())(hints)
