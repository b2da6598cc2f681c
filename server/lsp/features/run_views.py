"""Hover content for what a run shows beyond values: a table, a figure, a loop's values.
Contributes to ``textDocument/hover`` (aggregated by the hover
feature) through ``ls.hover_providers``.

- A table-shaped value (pandas, numpy, list of dicts or rows) shows as a Markdown table of its
  first rows and columns, with a link that opens the whole value in the editor's table view
  when the client has one.
- A figure shows as the image itself where the client renders images in hovers (it says so
  with the client capability ``experimental.prosepy.hoverImages``), else as the path of a PNG
  file written for it (Neovim opens that with ``gx`` or an image viewer).
- A line inside a loop shows the values its assignment took: ``total: 1 → 3 → 6 … 5050 (100
  times)``.

Everything the snippet wrote (cells, column names, values) is escaped: it can never become
Markdown or HTML in the editor.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlparse

from lsprotocol import types

from prosepy.server.lsp.run_store import DocResults
from prosepy.server.sandbox.markdown import escape, fenced
from prosepy.server.sandbox.views import Image, StepHistory, TablePreview

if TYPE_CHECKING:
    from prosepy.server.lsp.server import ProsepyServer

HOVER_ROWS = 10
HOVER_COLUMNS = 8
OPEN_TABLE_COMMAND = "prosepy.editor.openTable"
MAX_PLOT_FILES = 200
#: Wider figures are drawn this wide in a hover (VS Code's ``|width=`` image suffix).
HOVER_IMAGE_WIDTH = 320


def client_feature(ls: ProsepyServer, name: str) -> bool:
    """``experimental.prosepy.<name>`` in the client's capabilities (our VS Code extension)."""
    try:
        experimental = ls.client_capabilities.experimental
    except Exception:
        return False
    if not isinstance(experimental, dict):
        return False
    ours = experimental.get("prosepy")
    return isinstance(ours, dict) and ours.get(name) is True


# -- tables -------------------------------------------------------------------------------------
def table_markdown(
    preview: TablePreview, rows: int = HOVER_ROWS, columns: int = HOVER_COLUMNS
) -> str:
    """A Markdown table of the first ``rows`` and ``columns``, every cell escaped."""
    window = preview.window
    total_rows, total_cols = (window.shape + [1])[:2]
    cols = window.columns[:columns]
    kind = window.kind.rpartition(".")[2] or "table"
    kind = {"numpy": "array", "rows": "list of rows"}.get(kind, kind)
    title = f"**{escape(preview.name)}**: " if preview.name else ""
    parts = [f"{title}{kind}, {total_rows:,} rows × {total_cols:,} columns"]
    if cols:
        parts.append(" · ".join(f"{escape(c.name)}: *{escape(c.dtype)}*" for c in cols))
    header = ([""] if window.index is not None else []) + [escape(c.name) or " " for c in cols]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for number, row in enumerate(window.rows[:rows]):
        cells = [escape(v) for v in row[: len(cols)]]
        if window.index is not None:
            label = window.index[number] if number < len(window.index) else ""
            cells.insert(0, f"**{escape(label)}**" if label else "")
        lines.append("| " + " | ".join(cells) + " |")
    parts.append("\n".join(lines))
    shown_rows = min(rows, len(window.rows))
    if shown_rows < total_rows or len(cols) < total_cols:
        parts.append(
            f"*First {shown_rows:,} of {total_rows:,} rows"
            + (f", {len(cols)} of {total_cols:,} columns*" if len(cols) < total_cols else "*")
        )
    return "\n\n".join(parts)


def open_table_link(uri: str, preview: TablePreview) -> str:
    args = [{"uri": uri, "handle": preview.handle, "name": preview.name, "line": preview.line}]
    target = quote(json.dumps(args), safe="")
    return f"[Open the whole table]({'command:' + OPEN_TABLE_COMMAND}?{target})"


# -- figures ------------------------------------------------------------------------------------
class PlotFiles:
    """PNG files for clients that cannot show images in a hover: written on first hover, in a
    folder of this server's that is removed when it exits; the oldest go past MAX_PLOT_FILES."""

    def __init__(self) -> None:
        self.folder: str | None = None
        self.paths: dict[int, str] = {}  # id(image) -> path

    def path(self, uri: str, image: Image, number: int) -> str:
        known = self.paths.get(id(image))
        if known and os.path.exists(known):
            return known
        if self.folder is None:
            self.folder = tempfile.mkdtemp(prefix="prosepy-plots-")
            atexit.register(shutil.rmtree, self.folder, True)
        stem = os.path.splitext(os.path.basename(unquote(urlparse(uri).path)) or "plot")[0]
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in stem)[:40] or "plot"
        path = os.path.join(
            self.folder, f"{safe}-line{image.line + 1}-{number}-{len(self.paths)}.png"
        )
        with open(path, "wb") as handle:
            handle.write(image.png)
        self.paths[id(image)] = path
        while len(self.paths) > MAX_PLOT_FILES:
            old = self.paths.pop(next(iter(self.paths)))
            try:
                os.remove(old)
            except OSError:
                pass
        return path


def images_markdown(ls: ProsepyServer, uri: str, images: list[Image], files: PlotFiles) -> str:
    inline = client_feature(ls, "hoverImages")
    parts = []
    for number, image in enumerate(images, 1):
        caption = f"Figure {number} ({image.width}×{image.height})"
        if inline:  # base64 of bytes checked to be a PNG: nothing in it is Markdown
            size = f"|width={HOVER_IMAGE_WIDTH}" if image.width > HOVER_IMAGE_WIDTH else ""
            parts.append(f"**{caption}**\n\n![{caption}](data:image/png;base64,{image.data}{size})")
        else:
            path = files.path(uri, image, number)  # our own name: a code span keeps it whole
            parts.append(f"**{caption}**: " + (f"`{path}`" if "`" not in path else escape(path)))
    return "\n\n".join(parts)


# -- loops --------------------------------------------------------------------------------------
def steps_markdown(history: StepHistory) -> str:
    return "**Values at every step**\n" + fenced(history.text())


def hover_text(
    ls: ProsepyServer, uri: str, doc: DocResults, line: int, files: PlotFiles
) -> str | None:
    parts: list[str] = []  # a stale result says so in the run's own part (run_results.py)
    preview = doc.tables.get(line)
    if preview is not None:
        parts.append(table_markdown(preview))
        if client_feature(ls, "tableView"):
            parts.append(open_table_link(uri, preview))
    history = doc.steps.get(line)
    if history is not None:
        parts.append(steps_markdown(history))
    images = doc.images.get(line)
    if images:
        parts.append(images_markdown(ls, uri, images, files))
    return "\n\n".join(parts) or None


def register(server: ProsepyServer) -> None:
    files = PlotFiles()

    def hover(ls: ProsepyServer, params: types.HoverParams) -> str | None:
        uri = params.text_document.uri
        doc = ls.services.run_results.docs.get(uri)
        if doc is None:
            return None
        return hover_text(ls, uri, doc, params.position.line, files)

    server.hover_providers.append(hover)
