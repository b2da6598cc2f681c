"""Values as tables: pandas frames and series, numpy arrays, lists of dicts or of rows.

:func:`as_table` recognises a table-shaped value and :class:`Table` reads any window of it,
sorted by a column if asked, as text cells. Nothing here imports pandas or numpy: a value is
recognised by its type's module and name, so a session that never imported them pays nothing.

Every cell is ``str()`` of the value cut at :data:`CELL_CHARS`; what the cells say is the
snippet's own text, so renderers must escape it (hover Markdown) or insert it as text (the
table webview).

Standard library only: this runs in the user's interpreter.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

CELL_CHARS = 60
NAME_CHARS = 60
#: Rows scanned to decide that a list is a table and to find a list of dicts' columns.
SCAN_ROWS = 1000
MAX_COLUMNS = 200
SCALARS = (int, float, complex, str, bytes, bool, type(None))


class _Missing:
    """A key a row of a list of dicts does not have: an empty cell."""

    def __str__(self) -> str:
        return ""


MISSING = _Missing()


def cell(value: Any) -> str:
    """One cell's text: ``str()`` on one line, cut at CELL_CHARS."""
    try:
        text = value if isinstance(value, str) else str(value)
    except Exception as exc:  # a broken __str__ must not lose the table
        text = f"<str failed: {type(exc).__name__}>"
    text = " ".join(text.split()) if ("\n" in text or "\r" in text) else text
    return text if len(text) <= CELL_CHARS else text[: CELL_CHARS - 1] + "…"


def _kind(value: Any) -> str:
    cls = type(value)
    module = getattr(cls, "__module__", "") or ""
    if module.startswith("pandas") and cls.__name__ in ("DataFrame", "Series"):
        return "pandas." + cls.__name__
    if module == "numpy" and cls.__name__ in ("ndarray", "matrix"):
        return "numpy"
    return ""


def _py_dtype(values: Sequence[Any]) -> str:
    """A list column's type, named like a dtype: int, float, str, bool, mixed, ..."""
    names = {type(v).__name__ for v in values if v is not None and v is not MISSING}
    if not names:
        return "None"
    if names == {"int", "float"}:
        return "float"
    return names.pop() if len(names) == 1 else "mixed"


def _sort_key(value: Any) -> tuple[int, Any]:
    """Orders mixed columns: numbers, then strings, then the rest by text; None and NaN last."""
    if value is None or value is MISSING or (isinstance(value, float) and math.isnan(value)):
        return (3, 0)
    if isinstance(value, bool | int | float):
        return (0, value)
    if isinstance(value, str):
        return (1, value)
    return (2, cell(value))


class Table:
    """A table-shaped value, read a window at a time."""

    def __init__(self, value: Any, kind: str, columns: list[str], rows: int) -> None:
        self.value = value
        self.kind = kind
        self.columns = columns
        self.rows = rows
        self._order: tuple[int | None, bool, list[int] | None] = (None, False, None)

    # -- what every table answers -------------------------------------------------------------
    def dtypes(self) -> list[str]:
        raise NotImplementedError

    def index(self, positions: Sequence[int]) -> list[str] | None:
        """Row labels, where the value has its own (a pandas index); None otherwise."""
        return None

    def cells(self, positions: Sequence[int], columns: int) -> list[list[str]]:
        raise NotImplementedError

    def sort_order(self, column: int, descending: bool) -> list[int]:
        raise NotImplementedError

    @property
    def shape(self) -> list[int]:
        return [self.rows, len(self.columns)]

    def window(
        self,
        offset: int = 0,
        limit: int = 20,
        max_columns: int = MAX_COLUMNS,
        sort_by: int | None = None,
        descending: bool = False,
    ) -> dict[str, Any]:
        """Rows ``offset..offset+limit`` (after sorting by column ``sort_by``) as text."""
        offset = max(0, min(offset, self.rows))
        limit = max(0, min(limit, self.rows - offset))
        ncols = min(len(self.columns), max_columns)
        if sort_by is not None and 0 <= sort_by < len(self.columns):
            if self._order[:2] != (sort_by, descending):
                self._order = (sort_by, descending, self.sort_order(sort_by, descending))
            order = self._order[2] or []
            positions = order[offset : offset + limit]
        else:
            sort_by = None
            positions = list(range(offset, offset + limit))
        out: dict[str, Any] = {
            "kind": self.kind,
            "shape": self.shape,
            "columns": [
                {"name": cell(c)[:NAME_CHARS], "dtype": d}
                for c, d in zip(self.columns[:ncols], self.dtypes()[:ncols], strict=False)
            ],
            "rows": self.cells(positions, ncols),
            "offset": offset,
            "sortBy": sort_by,
            "descending": bool(descending) if sort_by is not None else False,
        }
        labels = self.index(positions)
        if labels is not None:
            out["index"] = labels
        return out


class FrameTable(Table):
    """pandas DataFrame or Series (a Series is one column named after it)."""

    def __init__(self, value: Any, kind: str) -> None:
        self.frame = value.to_frame() if kind == "pandas.Series" else value
        columns = [str(c) for c in self.frame.columns]
        super().__init__(value, kind, columns, int(self.frame.shape[0]))

    def dtypes(self) -> list[str]:
        return [str(d) for d in self.frame.dtypes]

    def index(self, positions: Sequence[int]) -> list[str] | None:
        labels = self.frame.index[list(positions)]
        return [cell(v) for v in labels]

    def cells(self, positions: Sequence[int], columns: int) -> list[list[str]]:
        part = self.frame.iloc[list(positions), :columns]
        return [[cell(v) for v in row] for row in part.itertuples(index=False, name=None)]

    def sort_order(self, column: int, descending: bool) -> list[int]:
        series = self.frame.iloc[:, column].reset_index(drop=True)
        try:
            ordered = series.sort_values(
                ascending=not descending, kind="stable", na_position="last"
            )
        except TypeError:  # mixed objects pandas cannot compare
            keys = [_sort_key(v) for v in series]
            return sorted(range(len(keys)), key=keys.__getitem__, reverse=descending)
        return [int(i) for i in ordered.index]


class ArrayTable(Table):
    """numpy arrays of one or two dimensions (structured arrays: a column per field)."""

    def __init__(self, value: Any) -> None:
        self.array = value
        names = value.dtype.names
        if names:
            columns = [str(n) for n in names]
        elif value.ndim == 1:
            columns = ["0"]
        else:
            columns = [str(i) for i in range(value.shape[1])]
        super().__init__(value, "numpy", columns, int(value.shape[0]))

    def _column(self, index: int) -> Any:
        names = self.array.dtype.names
        if names:
            return self.array[names[index]]
        return self.array if self.array.ndim == 1 else self.array[:, index]

    def dtypes(self) -> list[str]:
        names = self.array.dtype.names
        if names:
            return [str(self.array.dtype[n]) for n in names]
        return [str(self.array.dtype)] * len(self.columns)

    def cells(self, positions: Sequence[int], columns: int) -> list[list[str]]:
        cols = [self._column(i) for i in range(columns)]
        return [
            [cell(c[p].item() if hasattr(c[p], "item") else c[p]) for c in cols] for p in positions
        ]

    def sort_order(self, column: int, descending: bool) -> list[int]:
        values = self._column(column)
        try:
            order = [int(i) for i in values.argsort(kind="stable")]
        except TypeError:
            keys = [_sort_key(v) for v in values.tolist()]
            order = sorted(range(len(keys)), key=keys.__getitem__)
        return order[::-1] if descending else order


class RowsTable(Table):
    """Lists of dicts, of equal-length rows (lists, tuples, named tuples) or a dict of columns."""

    def __init__(self, value: Any, rows: list[Any], columns: list[str], keys: list[Any]) -> None:
        self.data = rows
        self.keys = keys  # how to read each column from a row: a dict key or an index
        super().__init__(value, "rows", columns, len(rows))

    def _get(self, row: Any, key: Any) -> Any:
        if isinstance(row, Mapping):
            return row.get(key, MISSING)
        return row[key] if key < len(row) else MISSING

    def dtypes(self) -> list[str]:
        sample = self.data[:SCAN_ROWS]
        return [_py_dtype([self._get(r, k) for r in sample]) for k in self.keys]

    def cells(self, positions: Sequence[int], columns: int) -> list[list[str]]:
        keys = self.keys[:columns]
        return [[cell(self._get(self.data[p], k)) for k in keys] for p in positions]

    def sort_order(self, column: int, descending: bool) -> list[int]:
        key = self.keys[column]
        values = [_sort_key(self._get(r, key)) for r in self.data]
        return sorted(range(len(values)), key=values.__getitem__, reverse=descending)


def _numeric_text(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def _rows_table(value: Any) -> Table | None:
    """A list (or tuple) of dicts or of equal-length rows; None when it is not table-shaped."""
    if isinstance(value, Mapping):
        columns = list(value.keys())
        lists = [value[k] for k in columns]
        if not columns or len(columns) > MAX_COLUMNS:
            return None
        if not all(isinstance(c, list | tuple) for c in lists):
            return None
        lengths = {len(c) for c in lists}
        if len(lengths) != 1 or lengths == {0}:
            return None
        rows = [tuple(c[i] for c in lists) for i in range(lengths.pop())]
        return RowsTable(value, rows, [str(c) for c in columns], list(range(len(columns))))
    if not isinstance(value, list | tuple) or len(value) < 1:
        return None
    sample = value[:SCAN_ROWS]
    if all(isinstance(r, Mapping) for r in sample):
        keys: dict[Any, None] = {}
        for row in sample:
            keys.update(dict.fromkeys(row))
            if len(keys) > MAX_COLUMNS:
                return None
        if not keys or not all(isinstance(r, Mapping) for r in value):
            return None
        return RowsTable(value, list(value), [str(k) for k in keys], list(keys))
    if len(value) < 2 or not all(isinstance(r, list | tuple) for r in sample):
        return None
    width = len(sample[0])
    if width < 1 or width > MAX_COLUMNS or any(len(r) != width for r in sample):
        return None
    if not all(isinstance(v, SCALARS) for r in sample for v in r):
        return None
    fields = getattr(sample[0], "_fields", None)
    rows = list(value)
    if fields:
        columns = [str(f) for f in fields]
    elif _is_header(sample):
        columns, rows = [str(v) for v in sample[0]], rows[1:]
    else:
        columns = [str(i) for i in range(width)]
    return RowsTable(value, rows, columns, list(range(width)))


def _is_header(rows: Sequence[Sequence[Any]]) -> bool:
    """A CSV-like first row of distinct, non-numeric strings above rows that hold numbers."""
    first = rows[0]
    if not all(isinstance(v, str) and v and not _numeric_text(v) for v in first):
        return False
    if len(set(first)) != len(first):
        return False
    return any(not isinstance(v, str) or _numeric_text(v) for row in rows[1:] for v in row)


def as_table(value: Any) -> Table | None:
    """A :class:`Table` over ``value`` when it is table-shaped, else None."""
    try:
        kind = _kind(value)
        if kind.startswith("pandas"):
            return FrameTable(value, kind)
        if kind == "numpy":
            if value.ndim in (1, 2) and value.shape[0] > 0:
                return ArrayTable(value)
            return None
        return _rows_table(value)
    except Exception:  # an odd subclass or a broken __len__: not a table
        return None
