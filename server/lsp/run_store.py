"""What the last runs left on each document's lines: values, the error, the run per line.

Results belong to lines: a new run replaces the results on the lines it covered, an edit
that touches a result's line drops it, edits above it move it (so do lines inserted just
above or below it: Enter at either end of the line), closing the document forgets
everything. The run feature fills the store; inlay hints, run hovers, run diagnostics and
the ``prosepy/inlineResults`` notification (what an editor draws after each line) read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from prosepy.server.sandbox.result import LineValue, RunError, RunResult

#: Longest label drawn after a line (characters).
MAX_LABEL = 120

#: How an edit relates to the lines it touches: it replaces them, or it only inserts whole
#: lines before ``first`` (at column 0) or after ``first`` (at its end), changing none.
EditKind = Literal["replace", "insert_before", "insert_after"]


@dataclass(frozen=True)
class InlineItem:
    """One thing to draw at the end of a line: a value, the last printed line, an error."""

    line: int
    kind: Literal["value", "printed", "error"]
    #: One line, at most MAX_LABEL characters, with its marker (→, ⤷, ✗).
    label: str
    #: The whole text behind the label (a value's repr, the traceback), for a hover.
    detail: str = ""

    def to_protocol(self) -> dict[str, object]:
        return {"line": self.line, "kind": self.kind, "label": self.label, "detail": self.detail}


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
            # an error outside the code (cancelled, timed out, killed): at the end of the run
            line = result.error.line if result.error.line is not None else result.last_line
            doc.error_line, doc.error = line, result.error
            doc.runs[line] = result
        elif not result.lines:
            doc.runs[result.last_line] = result  # output-only runs: hover on the last line

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

    def inline(self, uri: str) -> list[InlineItem]:
        """What to draw after each line of ``uri``: values, last printed lines, the error."""
        doc = self.docs.get(uri)
        if doc is None:
            return []
        items = [
            InlineItem(line, "value", one_line(value.text), value.full or value.text)
            for line, value in sorted(doc.values.items())
            if line != doc.error_line  # the error is what that line shows
        ]
        for line, run in sorted(doc.runs.items()):
            printed = run.stdout.rstrip().rpartition("\n")[2]
            if not run.lines and run.error is None and printed and line not in doc.values:
                items.append(InlineItem(line, "printed", one_line("⤷ " + printed), run.stdout))
        if doc.error is not None and doc.error_line is not None:
            error = doc.error
            text = f"{error.type}: {error.message}"
            items.append(
                InlineItem(doc.error_line, "error", one_line("✗ " + text), error.traceback or text)
            )
        return sorted(items, key=lambda item: item.line)


def _at(value: LineValue, line: int) -> LineValue:
    return value if value.line == line else LineValue(line, value.text, value.full)
