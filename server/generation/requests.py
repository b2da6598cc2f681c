"""Recognise `# nl:` requests in source text.

A request is a whole-line comment ``# nl: TEXT`` (``nl:`` in any case, at any indentation),
continued by the comment lines directly below it at the same indentation. Recognition is a
line scan, not a parse, so it works on files that do not parse yet and is cheap enough for
``textDocument/codeAction`` on every cursor move. A ``# nl:`` line inside a triple-quoted
string (a docstring, say) is text, not a request: the scan tracks open triple quotes.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

_NL = re.compile(r"^(?P<indent>[ \t]*)#[ \t]*nl:[ \t]?(?P<text>.*?)\s*$", re.IGNORECASE)
_COMMENT = re.compile(r"^(?P<indent>[ \t]*)#(?P<text>.*?)\s*$")
#: Comment lines that never continue a request: cell markers and pragmas.
_NOT_CONTINUATION = re.compile(r"^[ \t]*#[ \t]*(%%|nl:|type:|noqa|fmt:|pragma)", re.IGNORECASE)
#: Outside a string: a triple quote opening one, or what to skip (comments, one-line strings).
_OUTSIDE = re.compile(
    r"(?P<q3>'\'\'|\"\"\")"  # a triple quote (either kind)
    r"|#[^\r\n]*"  # a comment
    r"|'(?:\\.|[^'\\\r\n])*'"  # one-line strings
    r'|"(?:\\.|[^"\\\r\n])*"'
    r"|\\."  # an escaped character outside strings (line continuation)
)


def _scan(text: str, quote: str | None) -> str | None:
    """The triple quote still open at the end of ``text`` (``quote`` was open at its start)."""
    pos = 0
    while True:
        if quote is not None:
            end = text.find(quote, pos)
            while end > 0 and _escaped(text, end):
                end = text.find(quote, end + 1)
            if end < 0:
                return quote
            pos, quote = end + 3, None
        found = _OUTSIDE.search(text, pos)
        if found is None:
            return None
        pos = found.end()
        quote = found.group("q3")


def _escaped(text: str, at: int) -> bool:
    """Whether ``text[at]`` follows an odd number of backslashes."""
    count = 0
    while at - count > 0 and text[at - count - 1] == "\\":
        count += 1
    return count % 2 == 1


def _joined(lines: Sequence[str], first: int, last: int) -> str:
    """Lines ``first..last-1`` as text (lines may come with or without their line breaks)."""
    return "".join(x if x.endswith(("\n", "\r")) else x + "\n" for x in lines[first:last])


#: Per document text: the lines that start inside a triple-quoted string. ``codeAction``
#: runs on every cursor move, so the file is scanned once per version, not once per call.
_STRING_LINES: OrderedDict[str, frozenset[int]] = OrderedDict()


def _string_lines(lines: Sequence[str]) -> frozenset[int]:
    text = "\0".join(lines)  # a cheap key: only equal documents share it
    cached = _STRING_LINES.get(text)
    if cached is not None:
        _STRING_LINES.move_to_end(text)
        return cached
    inside: set[int] = set()
    quote: str | None = None
    for i, line in enumerate(lines):
        if quote is not None:
            inside.add(i)
        if quote is not None or "'''" in line or '"""' in line:
            quote = _scan(line, quote)
    result = frozenset(inside)
    _STRING_LINES[text] = result
    while len(_STRING_LINES) > 8:
        _STRING_LINES.popitem(last=False)
    return result


def _in_string(lines: Sequence[str], line: int) -> bool:
    """Whether ``line`` starts inside a triple-quoted string."""
    return line in _string_lines(lines)


@dataclass(frozen=True)
class NlRequest:
    """One request: where its comment lines are and what it asks for."""

    #: First and last comment line (0-based, inclusive).
    start_line: int
    end_line: int
    #: The comment's indentation, reused for the generated code.
    indent: str
    #: The request text, continuation lines joined with newlines.
    text: str
    #: The comment lines exactly as written: the anchor used to find the request again.
    comment_lines: tuple[str, ...]

    @property
    def column(self) -> int:
        return len(self.indent)

    @property
    def key(self) -> str:
        """Identity of the request across edits: its indentation-free comment text."""
        return "\n".join(line.strip() for line in self.comment_lines)

    def title(self, width: int = 48) -> str:
        first = self.text.splitlines()[0] if self.text else ""
        return first if len(first) <= width else first[: width - 1] + "…"


def _strip_eol(line: str) -> str:
    return line.rstrip("\r\n")


def _continuation(line: str, indent: str) -> str | None:
    """The text of a continuation comment line at ``indent``, or None."""
    if _NOT_CONTINUATION.match(line):
        return None
    match = _COMMENT.match(line)
    if match is None or match.group("indent") != indent:
        return None
    return match.group("text").strip()


def _request_from(lines: Sequence[str], start: int) -> NlRequest | None:
    head = _NL.match(_strip_eol(lines[start]))
    if head is None:
        return None
    indent = head.group("indent")
    parts = [head.group("text").strip()]
    end = start
    while end + 1 < len(lines):
        more = _continuation(_strip_eol(lines[end + 1]), indent)
        if more is None:
            break
        parts.append(more)
        end += 1
    text = "\n".join(p for p in parts if p)
    if not text:
        return None
    comment = tuple(_strip_eol(lines[i]) for i in range(start, end + 1))
    return NlRequest(start, end, indent, text, comment)


def request_at(lines: Sequence[str], line: int) -> NlRequest | None:
    """The request whose comment lines include ``line``, if any (walks up a few lines only)."""
    if not 0 <= line < len(lines):
        return None
    current = _strip_eol(lines[line])
    if _NL.match(current):
        return None if _in_string(lines, line) else _request_from(lines, line)
    match = _COMMENT.match(current)
    if match is None:
        return None
    indent = match.group("indent")
    probe = line - 1
    while probe >= 0:
        text = _strip_eol(lines[probe])
        if _NL.match(text):
            found = None if _in_string(lines, probe) else _request_from(lines, probe)
            return found if found is not None and found.end_line >= line else None
        if _continuation(text, indent) is None:
            return None
        probe -= 1
    return None


def requests_in_range(lines: Sequence[str], first: int, last: int) -> list[NlRequest]:
    """Requests touching lines ``first..last`` (inclusive)."""
    found: list[NlRequest] = []
    line = max(0, first)
    last = min(last, len(lines) - 1)
    while line <= last:
        request = request_at(lines, line)
        if request is not None:
            if not found or found[-1].start_line != request.start_line:
                found.append(request)
            line = request.end_line + 1
        else:
            line += 1
    return found


def find_requests(lines: Sequence[str]) -> list[NlRequest]:
    """Every request in the text, top to bottom."""
    found: list[NlRequest] = []
    line = 0
    scanned, quote = 0, None
    while line < len(lines):
        if "nl:" in lines[line].lower() and _NL.match(_strip_eol(lines[line])):
            quote = _scan(_joined(lines, scanned, line), quote)
            scanned = line
            request = None if quote is not None else _request_from(lines, line)
            if request is not None:
                found.append(request)
                line = request.end_line + 1
                continue
        line += 1
    return found


def find_anchor(
    lines: Sequence[str], request: NlRequest, hint: int | None = None
) -> NlRequest | None:
    """Find ``request`` again in edited text by its comment text, nearest to ``hint``.

    Used when the document changed during generation: the code goes below the same comment
    wherever it now is, or nowhere if the comment is gone.
    """
    candidates = [r for r in find_requests(lines) if r.key == request.key]
    if not candidates:
        return None
    target = request.start_line if hint is None else hint
    return min(candidates, key=lambda r: abs(r.start_line - target))
