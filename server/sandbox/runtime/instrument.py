"""Per-line values (Quokka style) and document-mapped errors, computed inside the sandbox.

The snippet's AST is shifted to its document lines, then every top-level expression
statement and simple assignment is followed by a call that records the value's repr against
the statement's last line. Standard library only: this runs in the user's interpreter.
"""

from __future__ import annotations

import ast
import linecache
import reprlib
import traceback
from collections.abc import Callable
from typing import Any

SHOW = "__prosepy_show__"
INLINE_CHARS = 120
FULL_CHARS = 10_000
METADATA_HINT = (
    "the sandbox does not let snippets change file modes, owners, times or extended "
    "attributes; shutil.copyfile copies a file's contents without them"
)
#: Whole-result budget for full reprs; values past it keep their short text only.
FULL_BUDGET = 2_000_000


class Recorder:
    """Collects ``(line, short, full)`` for each shown value, in execution order."""

    def __init__(self) -> None:
        self.values: dict[int, dict[str, Any]] = {}
        self._full_used = 0
        self._short = reprlib.Repr()
        self._short.maxstring = 80
        self._short.maxother = 80
        self._short.maxlist = self._short.maxtuple = self._short.maxdict = 10

    def show(self, line: int, value: Any, names: tuple[str, ...] = ()) -> Any:
        if value is None and not names:
            return value  # print(...) and other calls returning None: nothing to show
        full = _safe(repr, value)
        short = full if len(full) <= INLINE_CHARS else _safe(self._short.repr, value)
        if len(short) > INLINE_CHARS:
            short = short[: INLINE_CHARS - 1] + "…"
        if len(full) > FULL_CHARS:
            full = full[:FULL_CHARS] + f"… ({len(full) - FULL_CHARS} more characters)"
        if names:
            short = f"{', '.join(names)} = {short}" if len(names) > 1 else short
        if self._full_used + len(full) > FULL_BUDGET:
            full = ""
        self._full_used += len(full)
        self.values[line] = {"line": line, "text": "→ " + short, "full": full}
        return value


def _safe(func: Any, value: Any) -> str:
    try:
        return str(func(value))
    except Exception as exc:  # a broken __repr__ must not lose the run
        return f"<repr failed: {type(exc).__name__}: {exc}>"


def _names(target: ast.expr) -> list[str] | None:
    """Plain names assigned by ``target``; None when it has attributes or subscripts."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        out: list[str] = []
        for elt in target.elts:
            inner = _names(elt.value if isinstance(elt, ast.Starred) else elt)
            if inner is None:
                return None
            out.extend(inner)
        return out
    return None


def _show_call(line: int, value: ast.expr, names: list[str] | None = None) -> ast.Expr:
    args: list[ast.expr] = [ast.Constant(line), value]
    if names is not None:
        args.append(ast.Tuple([ast.Constant(n) for n in names], ast.Load()))
    return ast.Expr(ast.Call(ast.Name(SHOW, ast.Load()), args, []))


def instrument(
    source: str, filename: str, first_line: int, transform: Callable[[Any], Any] | None = None
) -> Any:
    """Compile ``source`` (which starts at 0-based document line ``first_line``) with probes;
    ``transform`` gets the line-shifted tree first (the loop probes of ``steps.py``)."""
    try:
        tree = ast.parse(source, filename, "exec")
    except SyntaxError as exc:  # report it at its document line
        if exc.lineno:
            exc.lineno += first_line
        if getattr(exc, "end_lineno", None):
            exc.end_lineno = (exc.end_lineno or 0) + first_line
        raise
    ast.increment_lineno(tree, first_line)
    if transform is not None:
        tree = transform(tree)
    body: list[ast.stmt] = []
    for stmt in tree.body:
        line = (stmt.end_lineno or stmt.lineno) - 1  # 0-based document line of its end
        if isinstance(stmt, ast.Expr):
            call = _show_call(line, stmt.value)
            body.append(ast.copy_location(call, stmt))
            continue
        body.append(stmt)
        names: list[str] | None = None
        if isinstance(stmt, ast.Assign):
            found = [_names(t) for t in stmt.targets]
            names = found[-1] if all(f is not None for f in found) else None
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            names = _names(stmt.target)
        elif isinstance(stmt, ast.AugAssign):
            names = _names(stmt.target)
        if names:
            load: ast.expr = (
                ast.Name(names[0], ast.Load())
                if len(names) == 1
                else ast.Tuple([ast.Name(n, ast.Load()) for n in names], ast.Load())
            )
            body.append(ast.copy_location(_show_call(line, load, names), stmt))
    tree.body = body
    ast.fix_missing_locations(tree)
    # Top-level ``await`` works as in Jupyter: the code object is then a coroutine to drive.
    return compile(tree, filename, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)


def register_source(filename: str, source: str, first_line: int) -> None:
    """Let tracebacks quote the snippet's lines at their document line numbers.

    Lines from earlier runs are kept, so a function defined by an earlier run still shows its
    source when it raises now.
    """
    entry = linecache.cache.get(filename)
    lines = list(entry[2]) if entry and len(entry) == 4 else []
    new = [line + "\n" for line in source.splitlines()]
    if len(lines) < first_line + len(new):
        lines.extend(["\n"] * (first_line + len(new) - len(lines)))
    lines[first_line : first_line + len(new)] = new
    linecache.cache[filename] = (sum(map(len, lines)), None, lines, filename)


def describe_error(
    exc: BaseException, filename: str, runtime_files: set[str], span: tuple[int, int]
) -> dict:
    """Type, message, traceback, and the 0-based line of the deepest frame *within this run's
    lines* ``span`` (a function defined by an earlier run shows in the traceback, while the
    error's line is this run's call of it, so a result never names a line outside its run)."""
    first, last = span
    line = None
    if isinstance(exc, SyntaxError) and exc.filename == filename and exc.lineno:
        line = exc.lineno - 1
    te = traceback.TracebackException.from_exception(exc, limit=50)
    te.stack = traceback.StackSummary.from_list(
        [f for f in te.stack if f.filename not in runtime_files]
    )
    for frame in te.stack:
        if frame.filename == filename and frame.lineno and first <= frame.lineno - 1 <= last:
            line = frame.lineno - 1
    if line is not None and not first <= line <= last:
        line = None
    text = "".join(te.format())
    if len(text) > FULL_CHARS:
        text = text[: FULL_CHARS // 2] + "\n…\n" + text[-FULL_CHARS // 2 :]
    message = _safe(str, exc)
    if isinstance(exc, SyntaxError):
        message = exc.msg or message
    if isinstance(exc, PermissionError) and exc.errno == 1 and te.stack:
        last_line = te.stack[-1].line or ""
        if any(word in last_line for word in ("chmod", "chown", "utime", "xattr")):
            message += f" ({METADATA_HINT})"
    return {"type": type(exc).__name__, "message": message[:2000], "line": line, "traceback": text}
