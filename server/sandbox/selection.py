"""What to run: a selection, the top-level statement under the cursor, a ``# %%`` cell, a file.

All lines are 0-based. A snippet is a :class:`Snippet` with its source and the document
line it starts on, so values and errors map back to the document.
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass

from prosepy.server.lines import split_lines

CELL = re.compile(r"^\s*#\s*%%")


class NothingToRun(ValueError):
    """The request points at blank lines or comments only."""


@dataclass
class Snippet:
    code: str
    first_line: int
    last_line: int


def _slice(lines: list[str], first: int, last: int) -> Snippet:
    """Lines ``first..last`` (inclusive), dedented when the block is indented as a whole."""
    first = max(0, first)
    last = min(len(lines) - 1, last)
    code = "".join(lines[first : last + 1])
    if not code.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in lines[first : last + 1]
    ):
        raise NothingToRun(f"nothing to run on lines {first + 1}-{last + 1}")
    return Snippet(textwrap.dedent(code), first, last)


def _lines(text: str) -> list[str]:
    lines = split_lines(text)
    return lines or [""]


def selection(text: str, start: tuple[int, int], end: tuple[int, int]) -> Snippet:
    """The whole lines a selection touches (an end at column 0 of a later line is excluded).

    An empty selection means "the statement under the cursor".
    """
    if start > end:
        start, end = end, start
    if start == end:
        return statement_at(text, start[0])
    lines = _lines(text)
    if start[0] == end[0] and start[0] < len(lines):
        part = lines[start[0]][start[1] : end[1]]
        whole = lines[start[0]].strip()
        if part.strip() and part.strip() != whole and _parses(part.strip()):
            return Snippet(part.strip() + "\n", start[0], start[0])  # "evaluate the selection"
    last = end[0] - 1 if end[1] == 0 and end[0] > start[0] else end[0]
    return _slice(lines, start[0], last)


def _parses(code: str) -> bool:
    try:
        ast.parse(code)
    except SyntaxError:
        return False
    return True


def _span(node: ast.stmt) -> tuple[int, int]:
    first = node.lineno
    decorators = getattr(node, "decorator_list", None) or []
    if decorators:
        first = min(first, *(d.lineno for d in decorators))
    return first - 1, (node.end_lineno or node.lineno) - 1


def statement_at(text: str, line: int) -> Snippet:
    """The top-level statement containing ``line``, whole (a multi-line call, a ``for`` block)."""
    lines = _lines(text)
    if not 0 <= line < len(lines):
        raise NothingToRun(f"line {line + 1} is outside the document ({len(lines)} lines)")
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return _by_indentation(lines, line)
    for node in tree.body:
        first, last = _span(node)
        if first <= line <= last:
            return _slice(lines, first, last)
    raise NothingToRun(f"no statement on line {line + 1}")


def _by_indentation(lines: list[str], line: int) -> Snippet:
    """Fallback while the file does not parse: the top-level block around ``line``."""

    def top(i: int) -> bool:
        s = lines[i]
        return bool(s.strip()) and not s[0].isspace() and not s.lstrip().startswith("#")

    if not lines[line].strip():
        raise NothingToRun(f"no statement on line {line + 1}")
    first = line
    while first > 0 and not top(first):
        first -= 1
    last = line
    while last + 1 < len(lines) and not top(last + 1):
        last += 1
    while last > first and not lines[last].strip():
        last -= 1
    return _slice(lines, first, last)


def cell_at(text: str, line: int) -> Snippet:
    """The ``# %%`` cell containing ``line`` (from its marker to the next one)."""
    lines = _lines(text)
    markers = [i for i, s in enumerate(lines) if CELL.match(s)]
    first = max([m for m in markers if m <= line], default=0)
    after = [m for m in markers if m > line]
    last = (after[0] - 1) if after else len(lines) - 1
    return _slice(lines, first, last)


def cell_markers(text: str) -> list[int]:
    """Lines holding a ``# %%`` marker (where "Run cell" lenses go)."""
    return [i for i, s in enumerate(_lines(text)) if CELL.match(s)]


def whole_file(text: str) -> Snippet:
    lines = _lines(text)
    return _slice(lines, 0, len(lines) - 1)
