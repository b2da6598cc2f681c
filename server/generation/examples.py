"""Examples the user gave, turned into checks a candidate must pass.

Three places hold examples, all written by the user (never hidden tests):

- doctests in the enclosing function's (or class's) docstring: ``>>> f(2)`` then ``4``;
- example lines in the docstring that are not doctests but say the same thing:
  ``f(2) == 4``, ``f(2) ➞ 4``, ``f(2) => 4``, ``f(2) -> 4`` (only calls of the enclosing
  function, so prose is never mistaken for code), and in words: ``f(2) should return 4``,
  ``f(2) returns 4``, ``f(2)  # returns 4``, ``f(2) = 4`` (only with a literal result);
- input and output written out, as programming exercises do: ``Input: arr = [1, 2], k = 1``
  above ``Output: 3``, or ``For lst = [1, 2] the output should be 3`` (only when the names
  are the function's parameters, and with a literal result);
- the request itself: ``# e.g. f(2) == 4`` (also ``for example``, ``例如``, ``比如``);
- ``assert`` statements right below the request, or right below the enclosing top-level
  definition.

Pure text in, checks out: no model, no sandbox.
"""

from __future__ import annotations

import ast
import builtins
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
#: What states a call's result in words; a literal must follow (see ``_literal``).
_SAYS = re.compile(r"^(?:#\s*)?(?:should\s+return|should\s+be|returns?|gives|=(?!=))\s*(.+)$", re.I)
#: ``f(n) = ...``: the docstring defines a formula, so its ``f(1) = 3`` lines define too
#: (the function may well return something else, e.g. the whole sequence).
_FORMULA = r"\b{}\(\s*[A-Za-z_][^)]*\)\s*=(?!=)"
_INPUT = re.compile(r"^\s*(?:input|输入)\s*[:：]\s*(.+)$", re.I)
_OUTPUT = re.compile(r"^\s*(?:output|输出)\s*[:：]\s*(.+)$", re.I)
_FOR_OUTPUT = re.compile(
    r"^\s*for\s+(.+?),?\s+the\s+(?:output|result)\s+(?:should\s+be|is)\s+(.+)$", re.I
)
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


def _literal(text: str) -> str | None:
    """The Python literal ``text`` starts with, without a trailing period, ``# comment`` or
    ``(remark)``; None when there is none (prose, or an expression to work out)."""
    text = text.strip()
    cuts = {len(text), *(m.start() for m in re.finditer(r"#|\.\s|;|\s\(", text))}
    for end in sorted(cuts, reverse=True):
        piece = text[:end].strip().rstrip(".;,").strip()
        if not piece:
            continue
        if _is_literal(piece):
            return _without_comment(piece)
    return None


def _is_literal(text: str) -> bool:
    try:
        ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False
    return True


def _without_comment(literal: str) -> str:
    """``24`` from ``24 # sum of 21 + 3`` (a ``#`` inside a string stays)."""
    for at in (i for i, char in enumerate(literal) if char == "#"):
        if _is_literal(literal[:at]):
            return literal[:at].strip()
    return literal


def _stated_claim(text: str, function: str, equals: bool) -> tuple[str, str] | None:
    """``f(2) should return 4``, ``f(2) returns 4``, ``f(2)  # returns 4``, ``f(2) = 4``
    (``equals``: whether ``=`` counts): the call, then words, then a literal."""
    for close, char in enumerate(text):
        if char != ")":
            continue
        left = text[: close + 1]
        if not _parses(left):
            continue
        said = _SAYS.match(text[close + 1 :].strip())
        if said and not equals and said.group(0).lstrip("# ").startswith("="):
            said = None
        value = _literal(said.group(1)) if said else None
        if value is None or not _calls(left, function):
            return None
        return left, value
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
    equals = re.search(_FORMULA.format(re.escape(function)), docstring) is None
    for line in docstring.splitlines():
        text = line.strip()
        if text.startswith(">>>") or f"{function}(" not in text:
            continue
        text = text[text.index(f"{function}(") :]
        claim = _split_claim(text)
        if claim is None or not _calls(claim[0], function):
            claim = _stated_claim(text, function, equals)
        if claim is None:
            continue
        left, right = claim[0], _PROSE_CONSTANTS.get(claim[1], claim[1])
        if _free_names(left, function) or _free_names(right, function):
            continue  # ``is_happy(abc) => False``: a placeholder, not a name the file defines
        found.append(Example(left, right, f"{left} == {right}"))
    return found


#: Results docstrings spell in other languages' words: ``f(4) => true``.
_PROSE_CONSTANTS = {"true": "True", "false": "False", "none": "None", "null": "None"}


def _free_names(source: str, function: str) -> set[str]:
    """Names ``source`` reads besides ``function`` and the builtins."""
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError:
        return set()
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return {n for n in names if n != function and not hasattr(builtins, n)}


def _keyword_call(function: str, assignments: str, parameters: Parameters) -> str | None:
    """``f(arr=[1, 2], k=1)`` from ``arr = [1, 2], k = 1`` when those are exactly the
    parameters the call needs (the required ones, and optional ones by name)."""
    try:
        node = ast.parse(f"{function}({assignments.strip().rstrip('.,;')})", mode="eval").body
    except (SyntaxError, ValueError):
        return None
    if not isinstance(node, ast.Call) or node.args or not node.keywords:
        return None
    names = {keyword.arg for keyword in node.keywords}
    if None in names or not names <= set(parameters.names) or not parameters.required <= names:
        return None
    return ast.unparse(node)


def io_examples(docstring: str, function: str, parameters: Parameters) -> list[Example]:
    """``Input: arr = [1, 2], k = 1`` over ``Output: 3``, and ``For lst = [1, 2] the output
    should be 3``: a call by the parameters' names and the literal it returns."""
    lines = docstring.splitlines()
    found: list[Example] = []
    for i, line in enumerate(lines):
        pair: tuple[str, str] | None = None
        if (stated := _FOR_OUTPUT.match(line)) is not None:
            pair = stated.group(1), stated.group(2)
        elif (given := _INPUT.match(line)) is not None:
            below = next((later for later in lines[i + 1 :] if later.strip()), "")
            if (output := _OUTPUT.match(below)) is not None:
                pair = given.group(1), output.group(1)
        if pair is None:
            continue
        call = _keyword_call(function, pair[0], parameters)
        value = _literal(pair[1])
        if call is not None and value is not None:
            found.append(Example(call, value, f"{call} == {value}"))
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


@dataclass(frozen=True)
class Parameters:
    """A function's parameter names (``self``/``cls`` left out) and those without default."""

    names: tuple[str, ...] = ()
    required: frozenset[str] = frozenset()


def _definition_of(header: str) -> ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | None:
    text = textwrap.dedent(header).strip("\n")
    try:
        tree = ast.parse(text)
    except SyntaxError:
        try:
            tree = ast.parse(text + "\n    pass")
        except SyntaxError:
            return None
    node = tree.body[0] if tree.body else None
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return node
    return None


def _parameters_of(node: ast.FunctionDef | ast.AsyncFunctionDef) -> Parameters:
    arguments = node.args
    positional = [*arguments.posonlyargs, *arguments.args]
    with_default = {a.arg for a in positional[len(positional) - len(arguments.defaults) :]}
    with_default |= {
        a.arg for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True) if d
    }
    names = [a.arg for a in [*arguments.args, *arguments.kwonlyargs]]  # by name only
    names = [n for n in names if n not in ("self", "cls")]
    return Parameters(tuple(names), frozenset(n for n in names if n not in with_default))


def gather_examples(
    lines: list[str], request: NlRequest, context: FileContext, top_end: int | None
) -> list[Example]:
    """Every example for ``request``, doctests first; duplicates (by source) dropped."""
    found: list[Example] = []
    for depth in range(len(context.scopes) - 1, -1, -1):
        scope = context.scopes[depth]
        node = _definition_of(scope.header)
        doc = ast.get_docstring(node) if node is not None else None
        if node is None or not doc:
            continue
        found += doctest_examples(doc)
        method = depth > 0 and context.scopes[depth - 1].kind == "class"
        if isinstance(node, ast.ClassDef) or method or any(e.origin == "docstring" for e in found):
            continue  # a method's examples call it on an instance: only doctests say how
        found += claim_examples(doc, scope.name)
        found += io_examples(doc, scope.name, _parameters_of(node))
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
