"""Turn a model's reply into the code to insert: fences, think blocks, echoes, imports.

Pure text in, text out, so every step is testable without a model. The result is a
``Draft``: the code at column 0 plus the imports it needs, which ``place`` then fits to the
document (indentation, import hoisting) as often as the document changes.
"""

from __future__ import annotations

import ast
import builtins
import importlib.util
import re
import sys
import textwrap
from dataclasses import dataclass, field

from prosepy.server.lines import line_texts

_THINK = re.compile(r"<think>.*?(</think>|\Z)", re.DOTALL | re.IGNORECASE)
_FENCE = re.compile(r"^[ \t]*```[ \t]*([\w+-]*)[ \t]*$", re.MULTILINE)
_NL_LINE = re.compile(r"^[ \t]*#[ \t]*(nl:|<-)", re.IGNORECASE)


#: Why a reply was refused when it held nothing new (only copied context, or prose).
NO_CODE = "the model wrote no new code"


class CleanError(Exception):
    """The reply holds no usable code; the message says why."""


@dataclass
class Draft:
    """Code ready to be placed: body at column 0, and imports to hoist to the file's top."""

    code: str
    imports: list[str] = field(default_factory=list)


def strip_think(text: str) -> str:
    return _THINK.sub("", text)


def extract_code(reply: str) -> str:
    """The first fenced block (python preferred), else the reply itself if it looks like code."""
    text = strip_think(reply)
    fences = list(_FENCE.finditer(text))
    blocks: list[tuple[str, str]] = []
    i = 0
    while i < len(fences):
        opening = fences[i]
        closing = fences[i + 1] if i + 1 < len(fences) else None
        end = closing.start() if closing is not None else len(text)
        blocks.append((opening.group(1).lower(), text[opening.end() : end]))
        i += 2
    for lang, body in blocks:
        if lang in ("python", "py", "python3"):
            return body.strip("\n")
    if blocks:
        return blocks[0][1].strip("\n")
    return text.strip("\n")


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _lines_of(lines: list[str], node: ast.AST) -> list[str]:
    start = getattr(node, "lineno", 1) - 1
    decorators = getattr(node, "decorator_list", [])
    if decorators:
        start = decorators[0].lineno - 1
    return lines[start : getattr(node, "end_lineno", start + 1)]


def _unwrap_function(code: str, name: str) -> str:
    """If the model rewrote the enclosing function ``name``, keep only what goes in its body.

    Helpers it defined are kept (before the body); the docstring, demo calls and
    ``if __name__ == "__main__"`` blocks are dropped.
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    lines = line_texts(code)
    target = next(
        (
            n
            for n in tree.body
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == name
        ),
        None,
    )
    holder: ast.ClassDef | None = None
    if target is None:
        # Asked inside a method, small models often rewrite the whole class: take the method
        # (inserting the class would nest a second class inside the method).
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                target = next(
                    (
                        n
                        for n in node.body
                        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == name
                    ),
                    None,
                )
                if target is not None:
                    holder = node
                    break
    if target is None:
        return code
    kept: list[str] = []
    for node in tree.body:
        if node is target or node is holder:
            continue
        if isinstance(
            node,
            ast.Import | ast.ImportFrom | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef,
        ):
            kept.extend(_lines_of(lines, node))
    body = list(target.body)
    if body and _is_docstring(body[0]) and len(body) > 1:
        body = body[1:]
    first = body[0].lineno - 1
    last = body[-1].end_lineno or body[-1].lineno
    # Comments just above the first statement belong to the body too.
    while first - 1 > target.lineno - 1 and lines[first - 1].strip().startswith("#"):
        first -= 1
    inner = textwrap.dedent("\n".join(lines[first:last]))
    return "\n".join([*kept, inner]) if kept else inner


_BLOCKS = ("for ", "async for ", "while ", "with ", "async with ", "if ")


def _unwrap_block(code: str, echo: list[str]) -> str:
    """If the reply rewrites the loop (or ``with``/``if`` block) the request sits in, keep the
    body: asked inside ``for n in xs:``, the 0.5B model answered with the whole loop again,
    which inserted a second loop inside the first."""
    headers = {
        line.strip()
        for line in echo[-16:]
        if line.strip().startswith(_BLOCKS) and line.rstrip().endswith(":")
    }
    if not headers:
        return code
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    lines = line_texts(code)
    body = [n for n in tree.body if not isinstance(n, ast.Import | ast.ImportFrom)]
    if len(body) != 1 or not isinstance(
        body[0], ast.For | ast.AsyncFor | ast.While | ast.With | ast.AsyncWith | ast.If
    ):
        return code
    block = body[0]
    if lines[block.lineno - 1].strip() not in headers or getattr(block, "orelse", None):
        return code
    inner = block.body
    first, last = inner[0].lineno - 1, inner[-1].end_lineno or inner[-1].lineno
    kept = [line for n in tree.body if n is not block for line in _lines_of(lines, n)]
    return "\n".join([*kept, textwrap.dedent("\n".join(lines[first:last]))])


def _drop_echo(lines: list[str], echo: list[str]) -> list[str]:
    """Remove leading lines that repeat the code just above the insertion point.

    Small models often start by copying the context they were shown; simple statements
    copied verbatim from the last lines above the request are dropped (a repeated ``def``
    or ``class`` is left alone: dropping its first line would break it).
    """
    context = {line.strip() for line in echo[-16:] if line.strip()}
    out = list(lines)
    while out and context and (not out[0].strip() or out[0].strip() in context):
        if out[0].strip().startswith(("def ", "class ", "async def ", "@")) or out[0].endswith(
            (":", "(", "[", "{", ",", "\\")
        ):
            break
        out.pop(0)
    return out


#: Conventional aliases a model uses without importing them.
_ALIASES = {
    "np": "import numpy as np",
    "pd": "import pandas as pd",
    "plt": "import matplotlib.pyplot as plt",
}


def bound_name(node: ast.AST) -> str | None:
    """The name ``node`` binds: an assignment target, a def or class, an argument, an import."""
    if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
        return node.id
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return node.name
    if isinstance(node, ast.arg):
        return node.arg
    if isinstance(node, ast.alias):
        return (node.asname or node.name).split(".")[0]
    return None


def missing_imports(code: str, known: set[str]) -> list[str]:
    """Imports for standard modules (and np/pd/plt) the code uses but nothing defines.

    The 0.5B model regularly writes ``json.dumps(...)`` and forgets ``import json``.
    ``known`` holds every name the surrounding file binds.
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    bound = set(known) | set(dir(builtins))
    used: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            used.append(node.id)
        elif (name := bound_name(node)) is not None:
            bound.add(name)
    out: list[str] = []
    for name in dict.fromkeys(used):
        if name in bound:
            continue
        if name in _ALIASES and importlib.util.find_spec(_ALIASES[name].split()[1].split(".")[0]):
            out.append(_ALIASES[name])
        elif name in sys.stdlib_module_names and not name.startswith("_"):
            out.append(f"import {name}")
    return out


def split_imports(code: str) -> tuple[str, list[str]]:
    """Separate the module-level imports of ``code`` (to hoist) from the rest."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code, []
    lines = line_texts(code)
    imports: list[str] = []
    drop: set[int] = set()
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            imports.append(ast.unparse(node))
            drop.update(range(node.lineno - 1, (node.end_lineno or node.lineno)))
    if not imports:
        return code, []
    rest = [line for i, line in enumerate(lines) if i not in drop]
    while rest and not rest[0].strip():
        rest.pop(0)
    return "\n".join(rest), imports


def clean_reply(
    reply: str,
    function: str | None = None,
    echo: list[str] | None = None,
    echo_after: list[str] | None = None,
) -> Draft:
    """The ``Draft`` in a model reply; raises ``CleanError`` when there is no code."""
    code = extract_code(reply)
    code = "\n".join(line.rstrip() for line in line_texts(code))
    code = textwrap.dedent(code).strip("\n")
    if function:
        code = _unwrap_function(code, function)
    code = _unwrap_block(code, echo or [])
    lines = [line for line in line_texts(code) if not _NL_LINE.match(line)]
    code, imports = split_imports("\n".join(lines).strip("\n"))
    after = echo_after or []
    lines = _drop_echo(line_texts(code), [*(echo or []), *after])
    # A copy of the code below the request, at the end of the answer, goes too.
    lines = _drop_echo(lines[::-1], after[::-1])[::-1]
    code = _unwrap_block("\n".join(lines).strip("\n"), echo or [])
    if not code.strip() and not imports:
        raise CleanError(NO_CODE)
    if not code.strip():
        code = "pass"
    return Draft(code=code, imports=imports)


def indent(code: str, prefix: str) -> str:
    """Indent every non-blank line of ``code`` by ``prefix`` (the request comment's)."""
    return "\n".join((prefix + line) if line.strip() else "" for line in line_texts(code))
