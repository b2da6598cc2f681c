"""What the last runs left on each document's lines: values, the error, the run per line,
loop histories, table previews, figures; and each session's variables.

Results belong to lines: a new run replaces the results on the lines it covered, an edit
that touches a result's line drops it, edits above it move it (so do lines inserted just
above or below it: Enter at either end of the line), closing the document forgets
everything. An edit of a line that ran makes the results below it that depend on it *stale*
(``staleness.py``) until they run again. The run feature fills the store; inlay hints, run
hovers, run diagnostics and the ``prosepy/inlineResults`` notification (what an editor draws
after each line) read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from prosepy.server.lines import split_lines
from prosepy.server.lsp import staleness
from prosepy.server.sandbox.result import LineValue, RunError, RunResult
from prosepy.server.sandbox.views import Image, StepHistory, TablePreview, Variable

#: Longest label drawn after a line (characters).
MAX_LABEL = 120

#: How an edit relates to the lines it touches: it replaces them, or it only inserts whole
#: lines before ``first`` (at column 0) or after ``first`` (at its end), changing none.
EditKind = Literal["replace", "insert_before", "insert_after"]


@dataclass(frozen=True)
class InlineItem:
    """One thing to draw at the end of a line: a value, the last printed line, an error."""

    line: int
    kind: Literal["value", "printed", "error", "steps", "image"]
    #: One line, at most MAX_LABEL characters, with its marker (→, ⤷, ✗, ↻, ▣).
    label: str
    #: The whole text behind the label (a value's repr, the traceback), for a hover.
    detail: str = ""
    #: A line above it that the result depends on was edited after it ran.
    stale: bool = False

    def to_protocol(self) -> dict[str, object]:
        return {
            "line": self.line,
            "kind": self.kind,
            "label": self.label,
            "detail": self.detail,
            "stale": self.stale,
        }


def one_line(text: str, limit: int = MAX_LABEL) -> str:
    """``text`` on one line (line breaks shown as ⏎), cut at ``limit`` characters."""
    flat = re.sub(r"\s*\n\s*", " ⏎ ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


@dataclass
class DocResults:
    """What the last runs left on one document's lines."""

    values: dict[int, LineValue] = field(default_factory=dict)
    #: line -> the run whose output a hover on that line shows
    runs: dict[int, RunResult] = field(default_factory=dict)
    error_line: int | None = None
    error: RunError | None = None
    #: line -> what an assignment in a loop took there
    steps: dict[int, StepHistory] = field(default_factory=dict)
    #: line -> the table-shaped value shown there
    tables: dict[int, TablePreview] = field(default_factory=dict)
    #: line -> the figures drawn there
    images: dict[int, list[Image]] = field(default_factory=dict)
    #: line -> its text when it last ran (an edit of such a line makes results stale)
    ran: dict[int, str] = field(default_factory=dict)
    #: result line -> the (0-based) edited line that made it stale
    stale: dict[int, int] = field(default_factory=dict)

    def per_line(self) -> list[dict[int, object]]:
        """Every mapping keyed by line, to move or drop together."""
        return [self.values, self.runs, self.steps, self.tables, self.images, self.ran, self.stale]  # type: ignore[list-item]

    def last_result_line(self) -> int:
        lines = [*self.values, *self.runs, *self.steps, *self.tables, *self.images]
        return max(lines, default=-1)


class ResultStore:
    def __init__(self) -> None:
        self.docs: dict[str, DocResults] = {}
        #: uri -> the variables of its session after its last run
        self.variables: dict[str, list[Variable]] = {}

    def add(self, uri: str, result: RunResult, code: str = "") -> None:
        """Replace results on the lines this run covered with its values, error and views;
        ``code`` is the text that ran (its lines become the ones whose edits make results
        stale)."""
        doc = self.docs.setdefault(uri, DocResults())
        span = range(result.first_line, result.last_line + 1)
        for line in span:
            for mapping in doc.per_line():
                mapping.pop(line, None)
        if doc.error_line is not None and doc.error_line in span:
            doc.error_line, doc.error = None, None
        for number, text in enumerate(split_lines(code) if code else []):
            doc.ran[result.first_line + number] = text.rstrip("\r\n")
        for value in result.lines:
            doc.values[value.line] = value
            doc.runs[value.line] = result
        for history in result.views.steps:
            doc.steps[history.line] = history
            doc.runs.setdefault(history.line, result)
        for preview in result.views.tables:
            doc.tables[preview.line] = preview
        for image in result.views.images:
            doc.images.setdefault(image.line, []).append(image)
            doc.runs.setdefault(image.line, result)
        if result.error is not None:
            # an error outside the code (cancelled, timed out, killed): at the end of the run
            line = result.error.line if result.error.line is not None else result.last_line
            doc.error_line, doc.error = line, result.error
            doc.runs[line] = result
        elif not result.lines:
            doc.runs[result.last_line] = result  # output-only runs: hover on the last line

    def set_variables(self, uri: str, result: RunResult) -> None:
        """The session's variables after ``result`` (unchanged when the run did not report
        them, emptied when the session was restarted)."""
        if result.views.variables is not None:
            self.variables[uri] = list(result.views.variables)
        elif result.session_restarted:
            self.variables[uri] = []

    def changed(
        self, uri: str, first: int, last: int, new_lines: int, kind: EditKind = "replace"
    ) -> bool:
        """Lines ``first..last`` were edited into text holding ``new_lines`` line breaks.

        A "replace" drops the results on those lines; inserting whole lines before or after
        line ``first`` changes no line, it only moves the ones below. True if anything changed.
        """
        doc = self.docs.get(uri)
        if doc is None:
            return False
        delta = new_lines - (last - first) if kind == "replace" else new_lines

        def move(line: int) -> int | None:
            if kind == "insert_before":
                return line + delta if line >= first else line
            if kind == "insert_after":
                return line + delta if line > first else line
            if first <= line <= last:
                return None
            return line + delta if line > last else line

        before = (dict(doc.values), doc.error_line, dict(doc.stale))

        def moved(mapping: dict[int, Any]) -> dict[int, Any]:
            return {m: v for line, v in mapping.items() if (m := move(line)) is not None}

        doc.values = {line: _at(v, line) for line, v in moved(doc.values).items()}
        doc.runs = moved(doc.runs)
        doc.steps = {line: replace(h, line=line) for line, h in moved(doc.steps).items()}
        doc.tables = {line: replace(t, line=line) for line, t in moved(doc.tables).items()}
        doc.images = {
            line: [replace(i, line=line) for i in images]
            for line, images in moved(doc.images).items()
        }
        doc.ran = moved(doc.ran)
        doc.stale = {
            line: (m if (m := move(edited)) is not None else first)
            for line, edited in moved(doc.stale).items()
        }
        if doc.error_line is not None:
            doc.error_line = move(doc.error_line)
            if doc.error_line is None:
                doc.error = None
        return before != (doc.values, doc.error_line, doc.stale) or delta != 0

    def mark_stale(self, uri: str, edited: int, old_texts: list[str], lines: list[str]) -> bool:
        """Line ``edited`` (now ``lines[edited]``) held ``old_texts`` when it ran: mark the
        results below it that depend on it stale. True if any became stale."""
        doc = self.docs.get(uri)
        if doc is None:
            return False
        new_text = lines[edited] if 0 <= edited < len(lines) else ""
        names = staleness.changed_names([*old_texts, new_text])
        affected = staleness.affected_lines(lines, edited, names, doc.last_result_line())
        fresh = {
            line
            for line in affected
            if line not in doc.stale
            and (line in doc.runs or line in doc.values or line == doc.error_line)
        }
        for line in fresh:
            doc.stale[line] = edited
        return bool(fresh)

    def forget(self, uri: str) -> None:
        self.docs.pop(uri, None)
        self.variables.pop(uri, None)

    def inline(self, uri: str) -> list[InlineItem]:
        """What to draw after each line of ``uri``: values, last printed lines, the error."""
        doc = self.docs.get(uri)
        if doc is None:
            return []
        items = [
            InlineItem(
                line, "value", value_label(value, doc.tables.get(line)), value.full or value.text
            )
            for line, value in sorted(doc.values.items())
            if line != doc.error_line  # the error is what that line shows
        ]
        for line, run in sorted(doc.runs.items()):
            printed = run.stdout.rstrip().rpartition("\n")[2]
            # a run's output is drawn once, where the run ends: its steps' and images' lines
            # map to the run (for their hovers) but show their own labels
            drawn = line in doc.values or line in doc.steps or line in doc.images
            if not run.lines and run.error is None and printed and not drawn:
                items.append(InlineItem(line, "printed", one_line("⤷ " + printed), run.stdout))
        for line, history in sorted(doc.steps.items()):
            if line not in doc.values and line != doc.error_line:
                text = history.text(first=4, last=1)
                items.append(InlineItem(line, "steps", one_line("↻ " + text), history.text()))
        for line, images in sorted(doc.images.items()):
            if line not in doc.values and line not in doc.steps and line != doc.error_line:
                sizes = ", ".join(f"{i.width}×{i.height}" for i in images)
                label = f"▣ {'plot' if len(images) == 1 else f'{len(images)} plots'} {sizes}"
                items.append(InlineItem(line, "image", one_line(label), "hover to see it"))
        if doc.error is not None and doc.error_line is not None:
            error = doc.error
            text = f"{error.type}: {error.message}"
            items.append(
                InlineItem(doc.error_line, "error", one_line("✗ " + text), error.traceback or text)
            )
        if doc.stale:
            items = [_staled(item) if item.line in doc.stale else item for item in items]
        return sorted(items, key=lambda item: item.line)


STALE_MARK = "(stale) "


def _staled(item: InlineItem) -> InlineItem:
    return replace(item, label=one_line(STALE_MARK + item.label), stale=True)


def value_label(value: LineValue, table: TablePreview | None) -> str:
    """``→ 5050``; a table shows its size and columns rather than a cut repr."""
    if table is None:
        return one_line(value.text)
    rows, cols = (table.window.shape + [1])[:2]
    kind = table.window.kind.rpartition(".")[2] or "table"
    kind = {"numpy": "array", "rows": "rows"}.get(kind, kind)
    names = ", ".join(c.name for c in table.window.columns[:6])
    more = ", …" if cols > 6 else ""
    return one_line(f"→ {kind} {rows}×{cols} ({names}{more})")


def _at(value: LineValue, line: int) -> LineValue:
    return value if value.line == line else LineValue(line, value.text, value.full)
