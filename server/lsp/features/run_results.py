"""Run results per document: a hover on result lines, an Error diagnostic where a run raised.

Contributes a hover provider (``textDocument/hover`` is aggregated by the hover feature) and
publishes ``textDocument/publishDiagnostics`` under the source ``run``. Results belong to
lines: an edit that touches a result's line drops it, edits above shift it, and closing the
document forgets everything. Inlay hints read the same store (``inlay_hints.py``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from prosepy.server.lsp.features.hover import language_of
from prosepy.server.sandbox.result import LineValue, RunResult

if TYPE_CHECKING:
    from prosepy.server.lsp.server import ProsepyServer

logger = logging.getLogger(__name__)
SERVICE = "run_results"
HOVER_OUTPUT_CHARS = 3000


@dataclass
class DocResults:
    """What the last runs left on one document's lines."""

    values: dict[int, LineValue] = field(default_factory=dict)
    #: line -> the run whose output a hover on that line shows
    runs: dict[int, RunResult] = field(default_factory=dict)
    error_line: int | None = None
    error: Any = None


class ResultStore:
    def __init__(self) -> None:
        self.docs: dict[str, DocResults] = {}

    def add(self, uri: str, result: RunResult) -> None:
        """Replace results on the lines this run covered with its values and error."""
        doc = self.docs.setdefault(uri, DocResults())
        span = range(result.first_line, result.last_line + 1)
        for line in span:
            doc.values.pop(line, None)
            doc.runs.pop(line, None)
        if doc.error_line is not None and doc.error_line in span:
            doc.error_line, doc.error = None, None
        for value in result.lines:
            doc.values[value.line] = value
            doc.runs[value.line] = result
        if result.error is not None:
            line = result.error.line if result.error.line is not None else result.first_line
            doc.error_line, doc.error = line, result.error
            doc.runs[line] = result
        elif not result.lines:
            doc.runs[result.last_line] = result  # output-only runs: hover on the last line

    def changed(
        self, uri: str, first: int, last: int, new_lines: int, whole_lines: bool = False
    ) -> bool:
        """Lines ``first..last`` were replaced by text of ``new_lines`` newlines.

        ``whole_lines``: the edit inserted complete lines before ``first`` (an empty range at
        column 0), so no existing line changed; they only move. True if anything changed.
        """
        doc = self.docs.get(uri)
        if doc is None:
            return False
        delta = new_lines if whole_lines else new_lines - (last - first)

        def move(line: int) -> int | None:
            if whole_lines:
                return line + delta if line >= first else line
            if first <= line <= last:
                return None
            return line + delta if line > last else line

        before = (dict(doc.values), doc.error_line)
        doc.values = {m: v for line, v in doc.values.items() if (m := move(line)) is not None}
        doc.values = {line: _at(v, line) for line, v in doc.values.items()}
        doc.runs = {m: r for line, r in doc.runs.items() if (m := move(line)) is not None}
        if doc.error_line is not None:
            doc.error_line = move(doc.error_line)
            if doc.error_line is None:
                doc.error = None
        return before != (doc.values, doc.error_line) or delta != 0

    def forget(self, uri: str) -> None:
        self.docs.pop(uri, None)


def _at(value: LineValue, line: int) -> LineValue:
    return value if value.line == line else LineValue(line, value.text, value.full)


def store(ls: ProsepyServer) -> ResultStore:
    existing = ls.services.get(SERVICE)
    if existing is None:
        existing = ls.services[SERVICE] = ResultStore()
    return existing


# -- diagnostics -------------------------------------------------------------------------
def explain(ls: ProsepyServer, type_name: str, message: str, line_source: str) -> str:
    """Plain-language explanation from ``explain.errors`` when present, else the raw message."""
    try:
        from prosepy.explain.errors import explain_error  # type: ignore[import-not-found]
    except ImportError:
        return f"{type_name}: {message}"
    try:
        text = explain_error(type_name, message, line_source, language_of(ls))
    except Exception:
        logger.exception("explain_error failed")
        return f"{type_name}: {message}"
    return f"{text}\n({type_name}: {message})" if text else f"{type_name}: {message}"


def publish(ls: ProsepyServer, uri: str) -> None:
    """Send the run's Error diagnostic (or none) merged with other sources' diagnostics."""
    doc = store(ls).docs.get(uri)
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
    doc = store(ls).docs.get(uri)
    line = params.position.line
    if doc is None or line not in doc.runs:
        return None
    result = doc.runs[line]
    parts: list[str] = []
    value = doc.values.get(line)
    if value is not None:
        parts.append("**Value**\n```python\n" + (value.full or value.text) + "\n```")
    if doc.error_line == line and doc.error is not None:
        meaning = explain(ls, doc.error.type, doc.error.message, _line_text(ls, uri, line).strip())
        parts.append(f"**{doc.error.type}**: {meaning}")
        if doc.error.traceback:
            parts.append("```\n" + _cap(doc.error.traceback) + "\n```")
    for name, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        if text:
            parts.append(f"**{name}**\n```\n{_cap(text)}\n```")
    parts.extend(f"*{note}*" for note in result.notes)
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
    results = store(ls)
    if uri not in results.docs:
        return
    moved = False
    for change in params.content_changes:
        if isinstance(change, types.TextDocumentContentChangePartial):
            start, end = change.range.start, change.range.end
            whole = start == end and start.character == 0 and change.text.endswith("\n")
            moved |= results.changed(uri, start.line, end.line, change.text.count("\n"), whole)
        else:
            results.forget(uri)
            moved = True
    if moved:
        publish(ls, uri)
        refresh_hints(ls)


def on_close(ls: ProsepyServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    store(ls).forget(uri)
    ls.publish_diagnostics(uri, "run", [])


def register(server: ProsepyServer) -> None:
    store(server)
    server.hover_providers.append(hover_provider)
    server.on_document("change", lambda params: on_change(server, params))
    server.on_document("close", lambda params: on_close(server, params))
