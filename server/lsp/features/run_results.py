"""Run results per document: a hover on result lines, an Error diagnostic where a run raised.

Contributes a hover provider (``textDocument/hover`` is aggregated by the hover feature) and
publishes ``textDocument/publishDiagnostics`` under the source ``run``. The results live in
``ls.services.run_results`` (``run_store.py``), which follows edits: an edit that touches a
result's line drops it, edits above shift it, and closing the document forgets everything.
Inlay hints read the same store (``inlay_hints.py``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from lsprotocol import types

from prosepy.explain.errors import explain_error
from prosepy.server.lines import line_breaks, split_lines
from prosepy.server.lsp.features.hover import language_of
from prosepy.server.lsp.run_store import EditKind
from prosepy.server.sandbox.markdown import escape, fenced

if TYPE_CHECKING:
    from prosepy.server.lsp.server import ProsepyServer

logger = logging.getLogger(__name__)
HOVER_OUTPUT_CHARS = 3000
#: What to draw at the end of each line of a document, sent whenever it changes:
#: ``{"uri", "version", "items": [{"line", "kind": "value" | "printed" | "error", "label",
#: "detail"}]}`` (``label``: one line with its marker; ``detail``: the whole text).
INLINE = "prosepy/inlineResults"


# -- diagnostics -------------------------------------------------------------------------
def explain(ls: ProsepyServer, type_name: str, message: str, line_source: str) -> str:
    """The plain-language explanation (``explain.errors``) with the raw message after it."""
    try:
        text = explain_error(type_name, message, line_source, language_of(ls))
    except Exception:
        logger.exception("explain_error failed")
        return f"{type_name}: {message}"
    return f"{text}\n({type_name}: {message})" if text else f"{type_name}: {message}"


def publish(ls: ProsepyServer, uri: str) -> None:
    """Send what the runs left on ``uri``'s lines: ``prosepy/inlineResults`` and the run's
    Error diagnostic (or none) merged with other sources' diagnostics."""
    store = ls.services.run_results
    try:
        version = ls.workspace.get_text_document(uri).version
    except Exception:
        version = None
    items = [item.to_protocol() for item in store.inline(uri)]
    ls.protocol.notify(INLINE, {"uri": uri, "version": version, "items": items})
    doc = store.docs.get(uri)
    diags: list[types.Diagnostic] = []
    if doc is not None and doc.error_line is not None and doc.error is not None:
        text = _line_text(ls, uri, doc.error_line)
        start = len(text) - len(text.lstrip())
        diags.append(
            types.Diagnostic(
                range=types.Range(
                    types.Position(doc.error_line, start),
                    types.Position(doc.error_line, max(start, len(text))),
                ),
                message=explain(ls, doc.error.type, doc.error.message, text.strip()),
                severity=types.DiagnosticSeverity.Error,
                source="prosepy run",
                code=doc.error.type,
            )
        )
    ls.publish_diagnostics(uri, "run", diags)


def _line_text(ls: ProsepyServer, uri: str, line: int) -> str:
    try:
        lines = ls.workspace.get_text_document(uri).lines
    except Exception:
        return ""
    return lines[line].rstrip("\r\n") if 0 <= line < len(lines) else ""


# -- hover -------------------------------------------------------------------------------
def hover_provider(ls: ProsepyServer, params: types.HoverParams) -> str | None:
    """Markdown for a hover on a line that shows a run value or error."""
    uri = params.text_document.uri
    doc = ls.services.run_results.docs.get(uri)
    line = params.position.line
    if doc is None or line not in doc.runs:
        return None
    result = doc.runs[line]
    parts: list[str] = []
    if line in doc.stale:
        edited = doc.stale[line] + 1
        parts.append(f"*Stale: line {edited} was edited after this ran. Run it again to update.*")
    value = doc.values.get(line)
    if value is not None and line not in doc.tables:  # a table shows as one (run_views.py)
        parts.append("**Value**\n" + fenced(value.full or value.text, "python"))
    if doc.error_line == line and doc.error is not None:
        meaning = explain(ls, doc.error.type, doc.error.message, _line_text(ls, uri, line).strip())
        parts.append(f"**{escape(doc.error.type)}**: {escape(meaning)}")
        if doc.error.traceback:
            parts.append(fenced(_cap(doc.error.traceback)))
    for name, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        if text:
            parts.append(f"**{name}**\n{fenced(_cap(text))}")
    parts.extend(f"*{escape(note)}*" for note in result.notes)
    parts.append(
        f"Ran in {result.duration_ms:.1f} ms · sandbox **{result.strength}** "
        f"({', '.join(result.layers)})"
    )
    if result.unrestricted:
        parts.append("Not restricted here: " + "; ".join(result.unrestricted))
    return "\n\n".join(parts)


def _cap(text: str) -> str:
    if len(text) <= HOVER_OUTPUT_CHARS:
        return text.rstrip("\n")
    return text[:HOVER_OUTPUT_CHARS] + f"\n… ({len(text) - HOVER_OUTPUT_CHARS} more characters)"


# -- edits ---------------------------------------------------------------------------------
def refresh_hints(ls: ProsepyServer) -> None:
    """Ask the client to re-pull inlay hints (``workspace/inlayHint/refresh``) if it can."""
    caps = ls.client_capabilities
    workspace = caps.workspace if caps else None
    hints = workspace.inlay_hint if workspace else None
    if not (hints and hints.refresh_support):
        return
    try:
        ls.workspace_inlay_hint_refresh(None)
    except Exception:
        logger.debug("inlay hint refresh failed", exc_info=True)


def on_change(ls: ProsepyServer, params: types.DidChangeTextDocumentParams) -> None:
    uri = params.text_document.uri
    results = ls.services.run_results
    if uri not in results.docs:
        return
    moved = False
    single = len(params.content_changes) == 1
    for change in params.content_changes:
        if isinstance(change, types.TextDocumentContentChangePartial):
            start, end = change.range.start, change.range.end
            kind = _edit_kind(ls, uri, change, single)
            doc = results.docs[uri]
            old = [doc.ran[n] for n in range(start.line, end.line + 1) if n in doc.ran]
            moved |= results.changed(uri, start.line, end.line, line_breaks(change.text), kind)
            if old and kind == "replace":  # a line that ran changed: what depends on it is stale
                lines = list(ls.workspace.get_text_document(uri).lines)
                moved |= results.mark_stale(uri, start.line, old, lines)
        else:
            results.forget(uri)
            moved = True
    if moved:
        publish(ls, uri)
        refresh_hints(ls)


def _edit_kind(
    ls: ProsepyServer, uri: str, change: types.TextDocumentContentChangePartial, single: bool
) -> EditKind:
    """Whether an edit only inserted whole lines above or below its line: then the results on
    that line stay where they are. (Below is read from the edited document, so only when the
    notification holds this one change.)"""
    start, end, text = change.range.start, change.range.end, change.text
    if start != end or not text:
        return "replace"
    if start.character == 0 and text.endswith(("\n", "\r")):
        return "insert_before"
    if single and text.startswith(("\n", "\r")):
        # Enter at the end of the line: the tail after the insertion point was empty, so the
        # last inserted line holds exactly what the edit's text ends with.
        lines = ls.workspace.get_text_document(uri).lines
        after = start.line + line_breaks(text)
        last = split_lines(text)[-1]
        tail = "" if last.endswith(("\n", "\r")) else last
        if after < len(lines) and lines[after].rstrip("\r\n") == tail:
            return "insert_after"
    return "replace"


def on_close(ls: ProsepyServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.services.run_results.forget(uri)
    ls.protocol.notify(INLINE, {"uri": uri, "version": None, "items": []})
    ls.publish_diagnostics(uri, "run", [])


def register(server: ProsepyServer) -> None:
    server.hover_providers.append(hover_provider)
    server.on_document("change", lambda params: on_change(server, params))
    server.on_document("close", lambda params: on_close(server, params))
