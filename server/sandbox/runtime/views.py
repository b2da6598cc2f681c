"""What a run shows beyond its values, gathered in the sandboxed interpreter for ``child.py``.

One :class:`Views` per session. ``child.py`` calls it at four points:

- :meth:`Views.transform` on the run's parsed code (step probes in loops, ``steps.py``);
- :meth:`Views.start` before the code runs, and :meth:`Views.show` wraps the value recorder so
  that a table-shaped value shown on a line keeps a handle for paging;
- :meth:`Views.finish` after it ran (still interruptible): loop histories, figures
  (``plots.py``), table previews, the session's variables and the line that assigned each;
- :meth:`Views.page` between runs: one window of a table, by handle or by variable name.

Standard library only: this runs in the user's interpreter.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import sys
from collections import OrderedDict
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))


def _load(name: str) -> Any:
    """A sibling module by path (the runtime folder is not on ``sys.path``)."""
    full = f"_prosepy_{name}"
    if full in sys.modules:
        return sys.modules[full]
    spec = importlib.util.spec_from_file_location(full, os.path.join(HERE, name + ".py"))
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[full] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


tables = _load("tables")
steps = _load("steps")
plots = _load("plots")
variables = _load("variables")
#: This module and the ones it loads (their frames are left out of tracebacks).
MODULES = ("views", "tables", "steps", "plots", "variables")

PREVIEW_ROWS = 20
PREVIEW_COLUMNS = 20
PAGE_ROWS_CAP = 500
MAX_HANDLES = 16
MAX_TABLES = 20


def bound_names(tree: ast.Module) -> list[tuple[int, str]]:
    """(0-based line, name) for every plain name the code binds outside functions, in order."""
    found: list[tuple[int, str]] = []

    def visit(stmts: list[ast.stmt]) -> None:
        for stmt in stmts:
            line = stmt.lineno - 1
            if isinstance(stmt, ast.Assign | ast.AugAssign | ast.AnnAssign):
                line = (stmt.end_lineno or stmt.lineno) - 1  # where its value is shown
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                found.append((line, stmt.name))
                continue
            targets: list[ast.expr] = []
            if isinstance(stmt, ast.Assign):
                targets = list(stmt.targets)
            elif isinstance(stmt, ast.AugAssign | ast.AnnAssign):
                targets = [stmt.target]
            elif isinstance(stmt, ast.For | ast.AsyncFor):
                targets = [stmt.target]
            elif isinstance(stmt, ast.With | ast.AsyncWith):
                targets = [i.optional_vars for i in stmt.items if i.optional_vars is not None]
            elif isinstance(stmt, ast.Import | ast.ImportFrom):
                for alias in stmt.names:
                    found.append((line, (alias.asname or alias.name).split(".")[0]))
            for target in targets:
                for node in ast.walk(target):
                    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                        found.append((line, node.id))
            for name in ("body", "orelse", "finalbody"):
                block = getattr(stmt, name, None)
                if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                    visit(block)
            for handler in getattr(stmt, "handlers", []) or []:
                visit(handler.body)
            for case in getattr(stmt, "cases", []) or []:
                visit(case.body)

    visit(tree.body)
    return found


def error_line(failure: BaseException | None, filename: str) -> int | None:
    """The 0-based line of the top-level statement that raised (statements after it did not
    run), from the outermost frame of the document's code."""
    tb = failure.__traceback__ if failure is not None else None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            return tb.tb_lineno - 1
        tb = tb.tb_next
    return None


class Views:
    """Variables, tables, figures and loop histories of one session."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.namespace = namespace
        self.steps = steps.StepRecorder(namespace)
        self.plots = plots.Plots()
        self.plots.install()
        #: name -> 0-based line that last assigned it
        self.lines: dict[str, int] = {}
        #: handle -> table of a value shown on a line, newest last
        self.handles: OrderedDict[str, Any] = OrderedDict()
        self._bound: list[tuple[int, str]] = []
        #: (line, name) assigned inside a loop by this run's code: assigned only if it ran
        self._probed: set[tuple[int, str]] = set()
        self._previews: dict[int, dict[str, Any]] = {}
        self._record_steps = True
        self._run = 0

    # -- hooks around a run ---------------------------------------------------------------------
    def transform(self, tree: ast.Module) -> ast.Module:
        """Add loop probes to the (line-shifted) tree and note the names it binds."""
        self._bound = bound_names(tree)
        if not self._record_steps:
            return tree
        before = set(self.steps.probes)
        tree = self.steps.add_probes(tree)
        self._probed = {
            (line, name)
            for probe, (line, names) in self.steps.probes.items()
            if probe not in before
            for name in names
        }
        return tree

    def start(self, filename: str, last_line: int, record_steps: bool = True) -> None:
        self._record_steps = record_steps
        self._run += 1
        self._previews = {}
        self.steps.start(record_steps)
        self.plots.start(filename, last_line)

    def show(self, inner: Any) -> Any:
        """Wrap the value recorder: keep a preview and a handle for table-shaped values."""

        def show(line: int, value: Any, names: tuple[str, ...] = ()) -> Any:
            inner(line, value, names)
            if len(self._previews) < MAX_TABLES and value is not None:
                self._keep_table(line, value, names)
            return value

        return show

    def _keep_table(self, line: int, value: Any, names: tuple[str, ...]) -> None:
        table = tables.as_table(value)
        if table is None:
            return
        handle = f"{self._run}:{line}"
        self._remember(handle, table)
        preview = table.window(0, PREVIEW_ROWS, PREVIEW_COLUMNS)
        preview.update(line=line, handle=handle, name=names[0] if len(names) == 1 else None)
        self._previews[line] = preview

    def _remember(self, handle: str, table: Any) -> None:
        self.handles[handle] = table
        self.handles.move_to_end(handle)
        while len(self.handles) > MAX_HANDLES:
            self.handles.popitem(last=False)

    def finish(self, error_line: int | None) -> dict[str, Any]:
        """Everything the run leaves to show; call before the run stops being interruptible.
        A stop that arrives meanwhile cuts the views short, never the run's result."""
        out: dict[str, Any] = {"steps": [], "images": [], "tables": [], "notes": []}
        try:
            out["steps"] = histories = self.steps.finish()
            self._note_lines(histories, error_line)
            out["images"], out["notes"] = self.plots.finish()
            out["tables"] = [self._previews[k] for k in sorted(self._previews)]
            out["variables"] = variables.variables(self.namespace, self.lines, tables.as_table)
        except BaseException as exc:  # KeyboardInterrupt (the run's time ran out) or a bug
            self.steps.finish()  # every probe back to a no-op, holding no value
            out["notes"].append(f"what the run shows was cut short ({type(exc).__name__})")
        self._previews = {}
        return out

    def _note_lines(self, histories: list[dict[str, Any]], error_line: int | None) -> None:
        """Remember the line that assigned each name this run bound (up to the error)."""
        fired = {(h["line"], n) for h in histories for n in h["names"]}
        for line, name in self._bound:
            if error_line is not None and line > error_line:
                continue
            if (line, name) in self._probed and (line, name) not in fired:
                continue  # in a loop that never reached it
            self.lines[name] = line
        self._bound, self._probed = [], set()

    # -- between runs ---------------------------------------------------------------------------
    def page(
        self,
        handle: str | None,
        name: str | None,
        offset: int,
        limit: int,
        sort_by: int | None,
        descending: bool,
    ) -> dict[str, Any]:
        """A window of a table shown on a line (``handle``) or held by a variable (``name``)."""
        table = None
        if handle:
            table = self.handles.get(handle)
            if table is None:
                return {"error": "that table is gone: run the code again to page through it"}
        elif name:
            if name not in self.namespace:
                return {"error": f"there is no variable {name!r} in this session"}
            value = self.namespace[name]
            table = self.handles.get(f"name:{name}")
            if table is None or table.value is not value:
                table = tables.as_table(value)
                if table is None:
                    return {"error": f"{name!r} is not a table"}
                self._remember(f"name:{name}", table)  # keeps its sort order for the next page
        else:
            return {"error": "give a table handle or a variable name"}
        limit = max(1, min(limit, PAGE_ROWS_CAP))
        return table.window(offset, limit, tables.MAX_COLUMNS, sort_by, descending)
