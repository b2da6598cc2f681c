"""Which results an edit makes stale: the lines below it that read what the edited line set.

A run's results describe the code as it was. When a line that ran is edited, the results of
later statements that (directly or through other assignments) read a name the edited line
binds or changes are stale until they run again. The document is read one top-level statement
at a time, so a half-typed line elsewhere costs only its own statement: a statement that does
not parse is taken to read and bind every name it mentions.
"""

from __future__ import annotations

import ast
import keyword
import re
from collections.abc import Iterable, Sequence

_IDENTIFIER = re.compile(r"[^\W\d]\w*")
_CONTINUES = re.compile(r"(else|elif|except|finally)\b|[)\]}]")


def identifiers(text: str) -> set[str]:
    return {w for w in _IDENTIFIER.findall(text) if not keyword.iskeyword(w)}


def _root(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def changed_names(line_texts: Iterable[str]) -> set[str]:
    """Names an edited line sets or changes: assignment targets (``df["a"] = ...`` changes
    ``df``), and the objects of method calls (``df.dropna(inplace=True)``, ``xs.append(1)``).
    A line that does not parse on its own counts every name it mentions."""
    names: set[str] = set()
    for text in line_texts:
        try:
            tree = ast.parse(text.strip())
        except SyntaxError:
            names |= identifiers(text)
            continue
        found: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
                found.add(node.id)
            elif isinstance(node, ast.Attribute | ast.Subscript) and isinstance(
                node.ctx, ast.Store | ast.Del
            ):
                if (root := _root(node)) is not None:
                    found.add(root)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                if (root := _root(node.func)) is not None:
                    found.add(root)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                found.add(node.name)
            elif isinstance(node, ast.alias):
                found.add((node.asname or node.name).split(".")[0])
        names |= found if found else identifiers(text)
    return names


def statements(lines: Sequence[str]) -> list[tuple[int, int]]:
    """[start, end) line spans of the top-level statements (comments and blanks join them)."""
    starts = []
    for number, text in enumerate(lines):
        if text[:1].strip() and not text.startswith("#") and not _CONTINUES.match(text):
            if number and lines[number - 1].startswith("@"):
                continue  # a decorated definition starts at its decorator
            starts.append(number)
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    return [(start, end) for start, end in zip(starts, [*starts[1:], len(lines)], strict=True)]


def _reads_and_binds(source: str) -> tuple[set[str], set[str]]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        names = identifiers(source)
        return names, names
    reads: set[str] = set()
    binds: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (binds if isinstance(node.ctx, ast.Store | ast.Del) else reads).add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            binds.add(node.name)
        elif isinstance(node, ast.alias):
            binds.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.Attribute | ast.Subscript) and isinstance(
            node.ctx, ast.Store | ast.Del
        ):
            if (root := _root(node)) is not None:
                binds.add(root)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if (root := _root(node.func)) is not None:
                binds.add(root)  # a method call may change its object
    return reads, binds


def affected_lines(
    lines: Sequence[str], edited: int, names: set[str], until: int | None = None
) -> set[int]:
    """Lines below ``edited`` whose statements read ``names``, following the flow on down to
    line ``until`` (the last line holding a result: nothing below it needs reading).

    The rest of the statement that holds the edited line is affected as a whole (an edit in a
    loop's body changes what the whole loop computed).
    """
    affected: set[int] = set()
    if not names:
        return affected
    flowing = set(names)
    last = len(lines) if until is None else min(len(lines), until + 1)
    for start, end in statements(lines[:last]):
        if end <= edited:
            continue
        if start <= edited:
            affected.update(range(edited + 1, end))
            flowing |= _reads_and_binds("".join(lines[start:end]))[1]
            continue
        reads, binds = _reads_and_binds("".join(lines[start:end]))
        if reads & flowing:
            affected.update(range(start, end))
            flowing |= binds
    return affected
