"""What the last runs left on each document's lines: values, the error, the run per line.

Results belong to lines: a new run replaces the results on the lines it covered, an edit
that touches a result's line drops it, edits above it move it, closing the document forgets
everything. The run feature fills the store; inlay hints, run hovers, run diagnostics and
the ``prosepy/runResults`` notification read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prosepy.server.sandbox.result import LineValue, RunError, RunResult


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
