"""What the model is told about the file: imports, names in scope, enclosing scope, nearby code.

Everything is gathered from the text as it is (it may not parse: a request that is the
only body of a function is a syntax error until code is inserted, so a ``pass`` stands in
for the code while parsing). Names in scope come from jedi's completions at the request.
"""

from __future__ import annotations

import ast
import logging
from dataclasses import dataclass, field
from typing import Any

from prosepy.server.generation.requests import NlRequest
from prosepy.server.lines import line_texts

logger = logging.getLogger(__name__)

_SCOPE_KINDS = {"function", "class", "statement", "param", "module", "instance"}


@dataclass
class Scope:
    """The function or class around the request."""

    kind: str  # "function" | "class"
    name: str
    #: Signature line(s) and docstring, as source.
    header: str
    params: list[str] = field(default_factory=list)
    #: The definition has a docstring (for a function: what it must do is written there).
    documented: bool = False


@dataclass
class FileContext:
    imports: list[str] = field(default_factory=list)
    #: "name: kind" lines for the names visible at the request.
    names: list[str] = field(default_factory=list)
    scopes: list[Scope] = field(default_factory=list)
    before: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)
    #: True when the file (with a placeholder at the request) parses: then the whole file
    #: must parse after insertion too.
    parses: bool = False

    @property
    def function(self) -> Scope | None:
        """The innermost enclosing function, whose body receives the code."""
        for scope in reversed(self.scopes):
            if scope.kind == "function":
                return scope
        return None


def with_placeholder(lines: list[str], request: NlRequest) -> str:
    """The text with ``pass`` below the request, so an otherwise empty body parses."""
    placed = list(lines[: request.end_line + 1])
    placed.append(request.indent + "pass")
    placed.extend(lines[request.end_line + 1 :])
    return "\n".join(placed) + "\n"


def _segment(lines: list[str], node: ast.AST) -> str:
    start = getattr(node, "lineno", 1) - 1
    end = getattr(node, "end_lineno", start + 1)
    return "\n".join(lines[start:end])


def _header(lines: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> str:
    """The def/class line(s) through the docstring, without the rest of the body."""
    first = node.decorator_list[0].lineno - 1 if node.decorator_list else node.lineno - 1
    body = node.body[0] if node.body else None
    if (
        body is not None
        and isinstance(body, ast.Expr)
        and isinstance(body.value, ast.Constant)
        and isinstance(body.value.value, str)
    ):
        last = body.end_lineno or body.lineno
    elif body is not None:
        last = body.lineno - 1
    else:
        last = node.lineno
    return "\n".join(lines[first:last])


def _scopes(tree: ast.Module, lines: list[str], line_1: int) -> list[Scope]:
    """Enclosing defs/classes of 1-based ``line_1``, outermost first."""
    found: list[Scope] = []
    nodes: list[ast.AST] = list(tree.body)
    while nodes:
        inner: list[ast.AST] = []
        for node in nodes:
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            end = node.end_lineno or node.lineno
            if node.lineno < line_1 <= end:
                if isinstance(node, ast.ClassDef):
                    found.append(Scope("class", node.name, _header(lines, node)))
                else:
                    a = node.args
                    params = [p.arg for p in [*a.posonlyargs, *a.args, *a.kwonlyargs]]
                    params += [p.arg for p in (a.vararg, a.kwarg) if p is not None]
                    documented = ast.get_docstring(node) is not None
                    header = _header(lines, node)
                    found.append(Scope("function", node.name, header, params, documented))
                inner = list(node.body)
                break
        nodes = inner
    return found


def _imports(tree: ast.Module, lines: list[str]) -> list[str]:
    return [
        _segment(lines, node) for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)
    ]


def _imports_by_scan(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith(("import ", "from "))]


def names_in_scope(
    source: str, line_1: int, column: int, path: str | None, limit: int
) -> list[str]:
    """Names jedi sees at the position, file-defined ones first, builtins left out."""
    import jedi

    from prosepy.explain.symbols import JEDI_LOCK, parso_cache

    parso_cache.install()  # the jedi workers share parso's file cache
    with JEDI_LOCK:  # jedi is not thread-safe (generations run on executor threads)
        try:
            script = jedi.Script(source, path=path)
            completions = script.complete(line_1, column)
            return _scope_names(completions, limit)
        except Exception:  # jedi failing must not stop generation
            logger.debug("jedi completion failed", exc_info=True)
            return []


def _scope_names(completions: list[Any], limit: int) -> list[str]:
    out: list[str] = []
    for name in completions:
        if name.name.startswith("__") or name.type not in _SCOPE_KINDS:
            continue
        try:
            # Names from the builtins module are known to every model: leave them out.
            if name.module_name == "builtins":
                continue
        except Exception:
            continue
        out.append(f"{name.name}: {name.type}")
        if len(out) >= limit:
            break
    return out


def gather(
    lines: list[str], request: NlRequest, path: str | None = None, window: int = 30, names: int = 40
) -> FileContext:
    """Collect the context for ``request`` in the document ``lines`` (no newlines at ends)."""
    ctx = FileContext()
    source = with_placeholder(lines, request)
    placed = line_texts(source)
    try:
        tree = ast.parse(source)
        ctx.parses = True
    except SyntaxError:
        tree = None
    if tree is not None:
        ctx.imports = _imports(tree, placed)
        ctx.scopes = _scopes(tree, placed, request.end_line + 2)
    else:
        ctx.imports = _imports_by_scan(lines)
    # The placeholder ``pass`` sits on line end_line + 2 (1-based): complete right there.
    ctx.names = names_in_scope(source, request.end_line + 2, len(request.indent), path, names)
    if not ctx.names and tree is not None and (ctx.imports or ctx.scopes or len(tree.body) > 1):
        # jedi's first completion in a process now and then comes back without the file's
        # names; a second call (fast, its caches are warm) gives the full answer.
        ctx.names = names_in_scope(source, request.end_line + 2, len(request.indent), path, names)
    top = max(0, request.start_line - window)
    ctx.before = [
        line
        for line in lines[top : request.start_line]
        if not line.startswith(("import ", "from "))
    ]
    ctx.after = list(lines[request.end_line + 1 : request.end_line + 1 + window // 2])
    return ctx
