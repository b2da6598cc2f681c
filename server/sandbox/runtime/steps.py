"""Values at every step: what an assignment inside a loop took, iteration after iteration.

:func:`add_probes` puts a probe call after every assignment to plain names inside a ``for`` or
``while`` body (at any depth, in functions too); :class:`StepRecorder` gives each probe its
callable and reads the history back after the run: the first :data:`FIRST` values, the last
:data:`LAST` and how many there were, e.g. ``total: 1 → 3 → 6 … 5050 (100 times)``.

Recording has to stay cheap in a loop of millions of iterations, so a probe costs one call of
a C method in the steady state:

1. For its first FIRST calls a probe is a Python function that keeps a short ``repr`` of each
   value at once (so later changes to a mutable value do not rewrite history).
2. Then the probe's name in the namespace is rebound to ``deque.append`` of a small ring
   (``maxlen`` K) that keeps the newest values. Counting without a second call: the ring holds
   a sentinel object among the values; K appends later the ring pushes it out, its ``__del__``
   adds K to the count and puts a new sentinel in. The count is exact (CPython frees the
   sentinel the moment it leaves the ring); the Python work is one call per K appends.

K is 32 for values that are small scalars and 6 otherwise, so that no more than five large
values (frames, arrays) are kept alive beyond what the snippet keeps. After the run every probe
is rebound to ``id`` (a C no-op) and the values are dropped.

Standard library only: this runs in the user's interpreter.
"""

from __future__ import annotations

import _thread
import ast
import collections
import reprlib
from typing import Any

PREFIX = "__prosepy_step_"
FIRST = 20
LAST = 5
VALUE_CHARS = 40
MAX_PROBES = 5000
_SMALL_RING = 6
_SCALAR_RING = 32
_SCALARS = (int, float, bool, type(None), complex)

_short = reprlib.Repr()
_short.maxstring = 30
_short.maxother = 30
_short.maxlist = _short.maxtuple = _short.maxdict = _short.maxset = 4
_short.maxlevel = 2


def short(value: Any) -> str:
    try:
        text = _short.repr(value)
    except Exception as exc:
        text = f"<repr failed: {type(exc).__name__}>"
    text = " ".join(text.split())
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"


# -- the probes -------------------------------------------------------------------------------
def _target_names(target: ast.expr) -> list[str] | None:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        out: list[str] = []
        for elt in target.elts:
            inner = _target_names(elt.value if isinstance(elt, ast.Starred) else elt)
            if inner is None:
                return None
            out.extend(inner)
        return out
    return None


def _assigned(stmt: ast.stmt) -> list[str] | None:
    if isinstance(stmt, ast.Assign):
        found = [_target_names(t) for t in stmt.targets]
        return found[-1] if found and all(f is not None for f in found) else None
    if isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        return _target_names(stmt.target)
    if isinstance(stmt, ast.AugAssign):
        return _target_names(stmt.target)
    return None


class _Prober:
    def __init__(self, recorder: StepRecorder) -> None:
        self.recorder = recorder

    def body(self, stmts: list[ast.stmt], in_loop: bool) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for stmt in stmts:
            self.inner(stmt, in_loop)
            out.append(stmt)
            names = _assigned(stmt) if in_loop else None
            if names:
                line = (stmt.end_lineno or stmt.lineno) - 1
                probe = self.recorder.new_probe(line, names)
                if probe is None:
                    continue
                load: ast.expr = (
                    ast.Name(names[0], ast.Load())
                    if len(names) == 1
                    else ast.Tuple([ast.Name(n, ast.Load()) for n in names], ast.Load())
                )
                call = ast.Expr(ast.Call(ast.Name(probe, ast.Load()), [load], []))
                out.append(ast.copy_location(call, stmt))
        return out

    def inner(self, stmt: ast.stmt, in_loop: bool) -> None:
        if isinstance(stmt, ast.For | ast.AsyncFor | ast.While):
            stmt.body = self.body(stmt.body, True)
            stmt.orelse = self.body(stmt.orelse, in_loop)
            return
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            stmt.body = self.body(stmt.body, False)
            return
        for name in ("body", "orelse", "finalbody"):
            block = getattr(stmt, name, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                setattr(stmt, name, self.body(block, in_loop))
        for handler in getattr(stmt, "handlers", []) or []:
            handler.body = self.body(handler.body, in_loop)
        for case in getattr(stmt, "cases", []) or []:
            case.body = self.body(case.body, in_loop)


# -- recording --------------------------------------------------------------------------------
class _Sentinel:
    """Counts a ring's appends: pushed out after K of them (see the module docstring)."""

    __slots__ = ("history",)

    def __init__(self, history: _History) -> None:
        self.history = history

    def __del__(self) -> None:
        history = self.history
        ring = history.ring
        if ring is None or history.closed:
            return
        try:
            history.rounds += 1
            ring.append(_Sentinel(history))
        except BaseException:  # a stop arriving here would be swallowed: deliver it again
            _thread.interrupt_main()


class _History:
    def __init__(self, name: str, namespace: dict[str, Any]) -> None:
        self.name = name
        self.namespace = namespace
        self.first: list[str] = []
        self.count = 0  # calls seen by the Python phase
        self.ring: collections.deque[Any] | None = None
        self.size = 0
        self.rounds = 0
        self.closed = False
        self.scalars = True

    def first_phase(self, value: Any) -> None:
        self.count += 1
        self.first.append(short(value))
        if self.scalars and not isinstance(value, _SCALARS):
            self.scalars = False
        if self.count >= FIRST:
            self.size = _SCALAR_RING if self.scalars else _SMALL_RING
            ring: collections.deque[Any] = collections.deque([None] * (self.size - 1), self.size)
            ring.append(_Sentinel(self))
            self.ring = ring
            self.namespace[self.name] = ring.append

    def read(self) -> tuple[list[str], list[str], int]:
        """(first values, last values, count); stops recording."""
        self.closed = True
        if self.ring is None:
            return self.first, [], self.count
        items = list(self.ring)
        at = next(i for i, v in enumerate(items) if type(v) is _Sentinel)
        later = self.rounds * self.size + (self.size - 1 - at)
        values = [v for v in items if type(v) is not _Sentinel]
        values = values[len(values) - min(LAST, later) :]
        self.ring = None
        return self.first, [short(v) for v in values], self.count + later


class StepRecorder:
    """Probes of one session (kept across runs: a function from an earlier run still records)."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.namespace = namespace
        self.probes: dict[str, tuple[int, tuple[str, ...]]] = {}
        self.histories: dict[str, _History] = {}
        self._next = 0

    def new_probe(self, line: int, names: list[str]) -> str | None:
        if len(self.probes) >= MAX_PROBES:
            return None
        self._next += 1
        name = f"{PREFIX}{self._next}__"
        self.probes[name] = (line, tuple(names))
        history = _History(name, self.namespace)  # armed at once: the run starting now records
        self.histories[name] = history
        self.namespace[name] = history.first_phase
        return name

    def add_probes(self, tree: ast.Module) -> ast.Module:
        tree.body = _Prober(self).body(tree.body, False)
        return tree

    def start(self, record: bool = True) -> None:
        """Arm every probe for a run (or leave them all no-ops)."""
        self.histories = {}
        for name in self.probes if record else ():
            history = _History(name, self.namespace)
            self.histories[name] = history
            self.namespace[name] = history.first_phase

    def finish(self) -> list[dict[str, Any]]:
        """What the probes saw in this run, one entry per line (the most recent probe wins)."""
        by_line: dict[tuple[int, tuple[str, ...]], dict[str, Any]] = {}
        for name, history in self.histories.items():
            first, last, count = history.read()
            self.namespace[name] = id
            if not count:
                continue
            line, names = self.probes[name]
            by_line[(line, names)] = {
                "line": line,
                "names": list(names),
                "first": first,
                "last": last,
                "count": count,
            }
        self.histories = {}
        return sorted(by_line.values(), key=lambda s: s["line"])
