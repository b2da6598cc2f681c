"""Examples the user gave, turned into checks a candidate must pass.

Three places hold examples, all written by the user (never hidden tests):

- doctests in the enclosing function's (or class's) docstring: ``>>> f(2)`` then ``4``;
- example lines in the docstring that are not doctests but say the same thing:
  ``f(2) == 4``, ``f(2) ➞ 4``, ``f(2) => 4``, ``f(2) -> 4`` (only calls of the enclosing
  function, so prose is never mistaken for code);
- the request itself: ``# e.g. f(2) == 4`` (also ``for example``, ``例如``, ``比如``);
- ``assert`` statements right below the request, or right below the enclosing top-level
  definition.

Pure text in, checks out: no model, no sandbox.
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass

from prosepy.server.generation.context import FileContext
from prosepy.server.generation.requests import NlRequest


@dataclass(frozen=True)
class Example:
    """One check: run ``source`` after the candidate; compare with ``expected`` if given.

    ``expected`` is doctest output (``repr`` of the value, or what it prints), or None for a
    statement that passes by not raising (an ``assert``). ``setup`` examples (doctest lines
    without output) run but are not counted.
    """

    source: str
    expected: str | None
    label: str
    setup: bool = False
    #: "docstring", "request" or "assert": where the user wrote it.
    origin: str = "docstring"


_PROMPT = re.compile(r"^\s*>>>\s?(.*)$")
_MORE = re.compile(r"^\s*\.\.\.\s?(.*)$")
_ARROWS = ("==>", "➞", "=>", "->", "→", "==")
_EG = re.compile(
    r"(?:\be\.?g\.?|\bfor example|\bexample|例如|比如)[:：,，]?\s*(.+)$", re.IGNORECASE
)


def _parses(source: str, mode: str = "eval") -> bool:
    try:
        ast.parse(source, mode=mode)
    except (SyntaxError, ValueError):
        return False
    return True


def doctest_examples(docstring: str) -> list[Example]:
    """``>>>`` examples (with ``...`` continuations) and their expected output."""
    lines = docstring.splitlines()
    found: list[Example] = []
    i = 0
    while i < len(lines):
        match = _PROMPT.match(lines[i])
        if match is None:
            i += 1
            continue
        source = [match.group(1)]
        i += 1
        while i < len(lines) and (more := _MORE.match(lines[i])) is not None:
            source.append(more.group(1))
            i += 1
        expected: list[str] = []
        while i < len(lines) and lines[i].strip() and _PROMPT.match(lines[i]) is None:
            expected.append(lines[i].strip())
            i += 1
        code = "\n".join(source)
        if not code.strip() or not _parses(code, "exec"):
            continue
        label = code if len(code) <= 60 else code[:59] + "…"
        if expected:
            found.append(Example(code, "\n".join(expected), label))
        else:
            found.append(Example(code, None, label, setup=True))
    return found


def _split_claim(text: str) -> tuple[str, str] | None:
    """``left <arrow> right`` where both sides are Python expressions."""
    for arrow in _ARROWS:
        if arrow not in text:
            continue
        left, _, right = text.partition(arrow)
        left, right = left.strip().rstrip(":").strip(), right.strip().rstrip(".;,").strip()
        if left and right and _parses(left) and _parses(right):
            return left, right
    return None


def _calls(source: str, name: str | None) -> bool:
    """Whether ``source`` calls ``name`` (any call at all when ``name`` is None)."""
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name is None or called == name:
                return True
    return False


def claim_examples(docstring: str, function: str) -> list[Example]:
    """Docstring lines such as ``f(2) == 4`` or ``f(2) ➞ 4`` (not doctests)."""
    found: list[Example] = []
    for line in docstring.splitlines():
        text = line.strip()
        if text.startswith(">>>") or f"{function}(" not in text:
            continue
        text = text[text.index(f"{function}(") :]
        claim = _split_claim(text)
        if claim is None or not _calls(claim[0], function):
            continue
        left, right = claim
        found.append(Example(left, right, f"{left} == {right}"))
    return found


def request_examples(request: NlRequest) -> list[Example]:
    """``e.g. f(2) == 4`` (or ``->``, ``→``) in the request's lines."""
    found: list[Example] = []
    for line in request.text.splitlines():
        match = _EG.search(line)
        if match is None:
            continue
        claim = _split_claim(match.group(1))
        if claim is not None:
            left, right = claim
            found.append(Example(left, right, f"{left} == {right}", origin="request"))
    return found


def _assert_lines(lines: list[str], start: int, indent: str) -> list[Example]:
    """Consecutive ``assert`` statements from ``start`` at ``indent`` (blank lines skipped)."""
    found: list[Example] = []
    i = start
    while i < len(lines) and not lines[i].strip():
        i += 1
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        if not line.startswith(indent + "assert") or line[len(indent)].isspace():
            break
        statement = line.strip()
        if not _parses(statement, "exec"):
            break
        found.append(Example(statement, None, statement[len("assert ") :], origin="assert"))
        i += 1
    return found


def assert_examples(lines: list[str], request: NlRequest, top_end: int | None) -> list[Example]:
    """Asserts right below the request, and right below the enclosing top-level statement
    (``top_end``: its last line, 0-based, when the request is inside one)."""
    found = _assert_lines(lines, request.end_line + 1, request.indent)
    if top_end is not None:
        found += _assert_lines(lines, top_end + 1, "")
    return found


def _docstring_of(header: str) -> str:
    text = textwrap.dedent(header).strip("\n")
    try:
        tree = ast.parse(text)
    except SyntaxError:
        try:
            tree = ast.parse(text + "\n    pass")
        except SyntaxError:
            return ""
    node = tree.body[0] if tree.body else None
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return ast.get_docstring(node) or ""
    return ""


def gather_examples(
    lines: list[str], request: NlRequest, context: FileContext, top_end: int | None
) -> list[Example]:
    """Every example for ``request``, doctests first; duplicates (by source) dropped."""
    found: list[Example] = []
    for scope in reversed(context.scopes):
        doc = _docstring_of(scope.header)
        if not doc:
            continue
        found += doctest_examples(doc)
        if scope.kind == "function" and not any(e.origin == "docstring" for e in found):
            found += claim_examples(doc, scope.name)
    found += request_examples(request)
    found += assert_examples(lines, request, top_end)
    seen: set[tuple[str, str | None]] = set()
    unique: list[Example] = []
    for example in found:
        key = (example.source, example.expected)
        if key not in seen:
            seen.add(key)
            unique.append(example)
    return unique
