"""``textDocument/documentSymbol``: `# %%` cells and `# nl:` requests in the outline.

Each cell is a symbol from its marker to the line before the next one, named by the
marker's title (``# %% Load the data``) or numbered; the requests inside a cell are its
children, requests outside any cell stand at the top. Clients without hierarchical
symbols get the same as a flat list, each request naming its cell as its container.
Python's own classes and functions are left to the client's Python language server.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.workspace import TextDocument

from prosepy.server.generation.requests import NlRequest, find_requests
from prosepy.server.sandbox.selection import cell_markers

if TYPE_CHECKING:
    from prosepy.server.lsp.server import ProsepyServer

CELL_KIND = types.SymbolKind.Namespace
REQUEST_KIND = types.SymbolKind.Event
_TITLE = re.compile(r"^\s*#\s*%%\s*(?P<title>.*?)\s*$")


def _end(document: TextDocument, lines: Sequence[str], line: int) -> types.Position:
    """The end of ``line`` in the client's units (UTF-16 unless negotiated otherwise)."""
    text = lines[line].rstrip("\r\n")
    return types.Position(line, document.position_codec.client_num_units(text))


def _request_symbol(
    document: TextDocument, lines: Sequence[str], request: NlRequest
) -> types.DocumentSymbol:
    start = types.Position(request.start_line, len(request.indent))
    whole = types.Range(start, _end(document, lines, request.end_line))
    return types.DocumentSymbol(
        name=request.title(60) or "(empty request)",
        detail="# nl: request",
        kind=REQUEST_KIND,
        range=whole,
        selection_range=types.Range(start, _end(document, lines, request.start_line)),
    )


def outline(document: TextDocument) -> list[types.DocumentSymbol]:
    """Cells with their requests as children, and the requests outside any cell."""
    lines = document.lines
    requests = [_request_symbol(document, lines, r) for r in find_requests(lines)]
    markers = cell_markers(document.source)
    if not markers:
        return requests
    symbols = [r for r in requests if r.range.start.line < markers[0]]
    ends = [*markers[1:], len(lines)]  # each cell ends where the next one starts
    for number, (first, following) in enumerate(zip(markers, ends, strict=True), 1):
        found = _TITLE.match(lines[first].rstrip("\r\n"))
        title = found.group("title") if found else ""
        inside = [r for r in requests if first < r.range.start.line < following]
        marker = types.Range(types.Position(first, 0), _end(document, lines, first))
        symbols.append(
            types.DocumentSymbol(
                name=title or f"Cell {number}",
                detail="# %% cell",
                kind=CELL_KIND,
                range=types.Range(marker.start, _end(document, lines, following - 1)),
                selection_range=marker,
                children=inside,
            )
        )
    return symbols


def _flat(uri: str, symbols: list[types.DocumentSymbol]) -> list[types.SymbolInformation]:
    out = []
    for symbol in symbols:
        out.append(
            types.SymbolInformation(
                name=symbol.name, kind=symbol.kind, location=types.Location(uri, symbol.range)
            )
        )
        for child in symbol.children or []:
            out.append(
                types.SymbolInformation(
                    name=child.name,
                    kind=child.kind,
                    location=types.Location(uri, child.range),
                    container_name=symbol.name,
                )
            )
    return out


def _hierarchical(ls: ProsepyServer) -> bool:
    caps = ls.client_capabilities
    symbols = caps.text_document.document_symbol if caps and caps.text_document else None
    return bool(symbols and symbols.hierarchical_document_symbol_support)


def register(server: ProsepyServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_DOCUMENT_SYMBOL,
        types.DocumentSymbolOptions(label="prosepy"),
    )
    def document_symbols(
        ls: ProsepyServer, params: types.DocumentSymbolParams
    ) -> list[types.DocumentSymbol] | list[types.SymbolInformation]:
        uri = params.text_document.uri
        symbols = outline(ls.workspace.get_text_document(uri))
        return symbols if _hierarchical(ls) else _flat(uri, symbols)
