"""The session's variables as the variables view lists them: name, type, summary, shape, line.

A summary is one short line: a capped ``repr`` for most values, and for tables (frames,
arrays, lists of rows) their size and columns rather than a repr, which for a frame would be a
whole printed table. Modules, functions, classes and names starting with ``_`` are left out, as
the Jupyter and Spyder variable explorers do by default.

Standard library only: this runs in the user's interpreter.
"""

from __future__ import annotations

import reprlib
import types
from collections.abc import Sized
from typing import Any

SUMMARY_CHARS = 120
MAX_VARIABLES = 500

_short = reprlib.Repr()
_short.maxstring = 60
_short.maxother = 60
_short.maxlist = _short.maxtuple = _short.maxdict = _short.maxset = 8
_short.maxlevel = 3

_HIDDEN = (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, type, types.MethodType)


def one_line(text: str, limit: int = SUMMARY_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def short_repr(value: Any, limit: int = SUMMARY_CHARS) -> str:
    try:
        text = _short.repr(value)
    except Exception as exc:  # a broken __repr__ must not lose the list
        text = f"<repr failed: {type(exc).__name__}>"
    return one_line(text, limit)


def type_name(value: Any) -> str:
    cls = type(value)
    module = getattr(cls, "__module__", "") or ""
    top = module.split(".", 1)[0]
    if top in ("builtins", "__main__", ""):
        return cls.__qualname__
    return f"{top}.{cls.__qualname__}"


def shape_of(value: Any) -> list[int] | None:
    """Dimensions of arrays and frames, the length of other sized containers (not strings)."""
    shape = getattr(value, "shape", None)
    if isinstance(shape, tuple) and all(isinstance(n, int) for n in shape):
        return [int(n) for n in shape]
    if isinstance(value, str | bytes | bytearray) or not isinstance(value, Sized):
        return None
    try:
        return [len(value)]
    except Exception:
        return None


def summary(value: Any, table: Any = None) -> str:
    """One line about ``value``; ``table`` is its :class:`tables.Table` when it is one."""
    if table is not None and table.kind.startswith("pandas"):
        rows, cols = table.shape
        if table.kind == "pandas.Series":
            dtype = table.dtypes()[0] if table.columns else ""
            return one_line(f"{rows} values, {dtype}")
        names = ", ".join(table.columns[:8]) + (", …" if cols > 8 else "")
        return one_line(f"{rows} rows × {cols} columns: {names}")
    if table is not None and table.kind == "numpy":
        return one_line(
            f"array {'×'.join(map(str, value.shape))} of {value.dtype}: " + short_repr(value)
        )
    if table is not None and table.kind == "rows":
        rows, cols = table.shape
        return one_line(f"{rows} rows × {cols} columns: " + ", ".join(table.columns[:8]))
    return short_repr(value)


def listed(name: str, value: Any) -> bool:
    return not name.startswith("_") and not isinstance(value, _HIDDEN)


def describe(name: str, value: Any, as_table: Any, line: int | None) -> dict[str, Any]:
    table = as_table(value)
    entry: dict[str, Any] = {
        "name": name,
        "type": type_name(value),
        "summary": summary(value, table),
        "table": table is not None,
    }
    shape = shape_of(value) if table is None else table.shape
    if shape is not None:
        entry["shape"] = shape
    if line is not None:
        entry["line"] = line
    return entry


def variables(
    namespace: dict[str, Any], lines: dict[str, int], as_table: Any
) -> list[dict[str, Any]]:
    """The listed variables of ``namespace``, by name; ``lines``: name -> line last assigned."""
    names = sorted((n for n, v in list(namespace.items()) if listed(n, v)), key=str.lower)
    return [describe(n, namespace[n], as_table, lines.get(n)) for n in names[:MAX_VARIABLES]]
