"""``textDocument/inlayHint``: run values at the end of their lines (``→ 5050``), the values
a loop's assignments took (``↻ total: 1 → 3 → 6 …``) and figures drawn (``▣ plot 400×300``);
results a later edit made stale start with ``(stale)``.

The values come from the run result store (``ls.services.run_results``); after each run the run
feature sends ``workspace/inlayHint/refresh`` so clients pull them again.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from lsprotocol import types

from prosepy.server.lsp.run_store import STALE_MARK, InlineItem, one_line, value_label

STALE_NOTE = "Stale: a line above that this result depends on was edited. Run it again."

if TYPE_CHECKING:
    from prosepy.server.lsp.server import ProsepyServer


def hints(ls: ProsepyServer, params: types.InlayHintParams) -> list[types.InlayHint]:
    uri = params.text_document.uri
    if uri not in ls.services.run_results.docs:
        return []
    try:
        lines = ls.workspace.get_text_document(uri).lines
    except Exception:
        return []
    first, last = params.range.start.line, params.range.end.line
    out: list[types.InlayHint] = []
    store = ls.services.run_results
    doc = store.docs[uri]
    items = [i for i in store.inline(uri) if i.kind in ("steps", "image")]
    for line, value in doc.values.items():  # every value, the error's line included
        label = value_label(value, doc.tables.get(line))
        items.append(InlineItem(line, "value", label, value.full or value.text))
    for item in sorted(items, key=lambda i: i.line):
        line = item.line
        if line in doc.stale and not item.stale:
            item = replace(item, label=one_line(STALE_MARK + item.label), stale=True)
        if not first <= line <= last or line >= len(lines):
            continue
        end = len(lines[line].rstrip("\r\n"))
        tooltip = item.detail or None
        if item.stale:
            tooltip = f"{STALE_NOTE}\n\n{item.detail}" if item.detail else STALE_NOTE
        out.append(
            types.InlayHint(
                position=types.Position(line, end),
                label=item.label,
                padding_left=True,
                tooltip=tooltip,
            )
        )
    return out


def register(server: ProsepyServer) -> None:
    server.feature(types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintOptions())(hints)
