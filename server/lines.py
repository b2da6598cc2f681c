"""Lines as editors, LSP and Python's tokenizer count them: they end at ``\\r\\n``, ``\\r`` or
``\\n`` only.

``str.splitlines`` also breaks at form feeds, ``\\v``, ``\\x1c``-``\\x1e``, ``\\x85``, ``\\u2028``
and ``\\u2029``, which editors and Python keep inside a line: every line after one of them
would be numbered one too far, and an edit computed from those numbers lands on the wrong
line. Everything that turns text into numbered lines (documents, generation, runs) uses this
module. No LSP imports: the cores use it too.
"""

from __future__ import annotations

import re

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """``text`` split after each line break, the breaks kept (``"".join`` gives ``text``)."""
    lines: list[str] = _LINE.findall(text)
    return lines


def line_breaks(text: str) -> int:
    """How many line breaks ``text`` holds (``\r\n`` counts once)."""
    return len(_BREAK.findall(text))


def line_texts(text: str) -> list[str]:
    """The lines of ``text`` without their breaks (``str.splitlines`` at line breaks only)."""
    lines = _BREAK.split(text)
    if lines[-1] == "":
        lines.pop()  # text ends with a break (or is empty): no line after it
    return lines
