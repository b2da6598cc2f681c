"""Explanations in very large documents, from the top-level statement under the cursor alone.

Parsing a 50,000-line file takes seconds; a hover there must not wait for it (nor hold up
the requests behind it). The statement around the cursor, with its decorators and its
``else``/``except`` branches, is parsed on its own instead: code that does not reach
outside that statement is explained exactly as in a full parse.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from prosepy.explain.api import Explanation, explain_at, explain_fragment, parse

#: Above this many lines a hover reads only the top-level statement under the cursor.
LARGE_DOCUMENT_LINES = 5000

_CLAUSE = re.compile(r"(else|elif|except|finally)\b")


def _starts_statement(text: str) -> bool:
    return bool(text) and not text[0].isspace() and not text.startswith(("#", ")", "]", "}"))


def top_level_span(lines: Sequence[str], index: int) -> tuple[int, int]:
    """The 0-based [start, end) lines of the top-level statement around line ``index``:
    from the nearest code line at column 0 (with its decorators) to the next one."""
    start = index
    while start > 0 and (not _starts_statement(lines[start]) or _CLAUSE.match(lines[start])):
        start -= 1
    while start > 0 and lines[start - 1].startswith("@"):
        start -= 1
    end = index + 1
    while end < len(lines) and not _starts_statement(lines[end]):
        end += 1
    while end < len(lines) and _CLAUSE.match(lines[end]):
        end += 1
        while end < len(lines) and not _starts_statement(lines[end]):
            end += 1
    return start, end


def explain_large(lines: Sequence[str], line: int, col: int, language: str) -> Explanation | None:
    """Explain 1-based ``line``, 0-based ``col`` from its top-level statement alone;
    ``lines`` keep their line endings."""
    start, end = top_level_span(lines, line - 1)
    piece = "".join(lines[start:end])
    parsed = parse(piece)
    if parsed is None:
        return explain_fragment(piece, line - start, col, language)
    return explain_at(parsed, line - start, col, language)
