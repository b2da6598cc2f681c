"""What a run shows besides its values: loop histories, figures, table previews, variables.

The sandboxed interpreter gathers them (``runtime/views.py``) and sends them with its result;
:func:`read_views` turns that untrusted payload into these dataclasses, checking every type
and capping every string and list (the snippet can write anything on the result pipe).
Images must decode as PNG within the size cap and are re-encoded here, so what reaches an
editor is exactly the bytes that were checked. :func:`read_window` does the same for a page
of a table. No LSP imports.
"""

from __future__ import annotations

import base64
import binascii
import struct
from dataclasses import dataclass, field
from typing import Any

TEXT_CAP = 200
CELL_CAP = 80
NAME_CAP = 200
MAX_STEPS = 1000
MAX_IMAGES = 20
IMAGE_BYTES = 1_000_000
MAX_TABLES = 20
MAX_COLUMNS = 200
MAX_ROWS = 500
MAX_VARIABLES = 500
MAX_NOTES = 20
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass
class StepHistory:
    """The values an assignment inside a loop took: the first ones, the last ones, how many."""

    line: int
    names: list[str]
    first: list[str]
    last: list[str]
    count: int

    def text(self, first: int | None = None, last: int | None = None) -> str:
        """``total: 1 → 3 → 6 → 10 … 5050 (100 times)`` with at most ``first`` of the first
        values and ``last`` of the last ones (all that were kept when None)."""
        head = self.first if first is None else self.first[:first]
        later = self.first[len(head) :] + self.last  # the known values after the head
        if last is None:
            tail = later if first is None else self.last
        else:
            tail = later[len(later) - last :] if last and later else []
        hidden = self.count - len(head) - len(tail)
        values = " → ".join(head)
        if tail:
            values += (" … " if hidden > 0 else " → ") + " → ".join(tail)
        elif hidden > 0:
            values += " …"
        times = "once" if self.count == 1 else f"{self.count:,} times"
        return f"{', '.join(self.names)}: {values} ({times})"

    def to_protocol(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "names": list(self.names),
            "first": list(self.first),
            "last": list(self.last),
            "count": self.count,
        }


@dataclass
class Image:
    """A figure as PNG; ``png`` holds the checked bytes, ``data`` their base64."""

    line: int
    png: bytes
    width: int
    height: int
    mime: str = "image/png"

    @property
    def data(self) -> str:
        return base64.b64encode(self.png).decode("ascii")

    def to_protocol(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "mime": self.mime,
            "data": self.data,
            "width": self.width,
            "height": self.height,
        }


@dataclass
class Column:
    name: str
    dtype: str


@dataclass
class TableWindow:
    """Some rows of a table-shaped value, as text cells."""

    kind: str
    shape: list[int]
    columns: list[Column]
    rows: list[list[str]]
    offset: int = 0
    index: list[str] | None = None
    sort_by: int | None = None
    descending: bool = False

    def to_protocol(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "shape": list(self.shape),
            "columns": [{"name": c.name, "dtype": c.dtype} for c in self.columns],
            "rows": [list(r) for r in self.rows],
            "offset": self.offset,
            "index": list(self.index) if self.index is not None else None,
            "sortBy": self.sort_by,
            "descending": self.descending,
        }
        return out


@dataclass
class TablePreview:
    """The first rows of a table-shaped value shown on a line, and its handle for paging."""

    line: int
    handle: str
    window: TableWindow
    name: str | None = None

    def to_protocol(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "handle": self.handle,
            "name": self.name,
            **self.window.to_protocol(),
        }


@dataclass
class Variable:
    """One variable of a session, as the variables view lists it."""

    name: str
    type: str
    summary: str
    shape: list[int] | None = None
    line: int | None = None
    table: bool = False

    def to_protocol(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type, "summary": self.summary}
        if self.shape is not None:
            out["shape"] = list(self.shape)
        if self.line is not None:
            out["line"] = self.line
        out["table"] = self.table
        return out


@dataclass
class RunViews:
    steps: list[StepHistory] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    tables: list[TablePreview] = field(default_factory=list)
    variables: list[Variable] | None = None  # None: the run did not report them
    notes: list[str] = field(default_factory=list)


# -- checked readers ----------------------------------------------------------------------------
def _int(value: Any, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise TypeError("expected a non-negative int")
    return value


def _str(value: Any, cap: int = TEXT_CAP) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value[:cap]


def _strs(value: Any, cap: int, each: int = TEXT_CAP) -> list[str]:
    if not isinstance(value, list):
        raise TypeError("expected a list")
    return [_str(v, each) for v in value[:cap]]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _each(raw: Any, reader: Any, cap: int) -> list[Any]:
    """Read every item; a malformed one is dropped, not the whole list."""
    out = []
    for item in _list(raw)[:cap]:
        try:
            out.append(reader(item))
        except (TypeError, ValueError, KeyError, AttributeError):
            continue
    return out


def _steps(raw: dict[str, Any]) -> StepHistory:
    return StepHistory(
        line=_int(raw["line"]),
        names=_strs(raw["names"], 20, NAME_CAP),
        first=_strs(raw["first"], 20, 60),
        last=_strs(raw["last"], 5, 60),
        count=_int(raw["count"], 1),
    )


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG; ValueError when it is not one."""
    if len(data) < 24 or not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise ValueError("not a PNG image")
    width, height = struct.unpack(">II", data[16:24])
    if not (0 < width <= 20_000 and 0 < height <= 20_000):
        raise ValueError("PNG size out of range")
    return int(width), int(height)


def _image(raw: dict[str, Any]) -> Image:
    if raw.get("mime") != "image/png":
        raise ValueError("only PNG images are taken")
    data = _str(raw["data"], IMAGE_BYTES * 4 // 3 + 8)
    try:
        png = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("image data is not base64") from exc
    if len(png) > IMAGE_BYTES:
        raise ValueError("image too large")
    width, height = png_size(png)
    return Image(line=_int(raw["line"]), png=png, width=width, height=height)


def _window(raw: dict[str, Any]) -> TableWindow:
    shape = [_int(n) for n in _list(raw["shape"])[:2]]
    if not shape:
        raise ValueError("no shape")
    columns = [
        Column(_str(c["name"], NAME_CAP), _str(c["dtype"], 40))
        for c in _list(raw["columns"])[:MAX_COLUMNS]
        if isinstance(c, dict)
    ]
    rows = [_strs(r, len(columns), CELL_CAP) for r in _list(raw["rows"])[:MAX_ROWS]]
    index = raw.get("index")
    sort_by = raw.get("sortBy")
    return TableWindow(
        kind=_str(raw.get("kind", ""), 40),
        shape=shape,
        columns=columns,
        rows=rows,
        offset=_int(raw.get("offset", 0)),
        index=_strs(index, len(rows), CELL_CAP) if index is not None else None,
        sort_by=_int(sort_by) if sort_by is not None else None,
        descending=raw.get("descending") is True,
    )


def _preview(raw: dict[str, Any]) -> TablePreview:
    name = raw.get("name")
    return TablePreview(
        line=_int(raw["line"]),
        handle=_str(raw["handle"], 100),
        window=_window(raw),
        name=_str(name, NAME_CAP) if name is not None else None,
    )


def _variable(raw: dict[str, Any]) -> Variable:
    shape = raw.get("shape")
    line = raw.get("line")
    return Variable(
        name=_str(raw["name"], NAME_CAP),
        type=_str(raw["type"], 100),
        summary=_str(raw["summary"], TEXT_CAP),
        shape=[_int(n) for n in _list(shape)[:8]] if shape is not None else None,
        line=_int(line) if line is not None else None,
        table=raw.get("table") is True,
    )


def read_views(raw: Any) -> RunViews:
    """The checked views of a run's result (empty for anything malformed)."""
    if not isinstance(raw, dict):
        return RunViews()
    variables = raw.get("variables")
    return RunViews(
        steps=_each(raw.get("steps"), _steps, MAX_STEPS),
        images=_each(raw.get("images"), _image, MAX_IMAGES),
        tables=_each(raw.get("tables"), _preview, MAX_TABLES),
        variables=_each(variables, _variable, MAX_VARIABLES)
        if isinstance(variables, list)
        else None,
        notes=_each(raw.get("notes"), lambda n: _str(n, 300), MAX_NOTES),
    )


def read_window(raw: Any) -> TableWindow | str:
    """A checked page of a table, or the error the sandbox reported (or found in it)."""
    if not isinstance(raw, dict):
        return "the sandbox sent no table"
    if "error" in raw:
        return str(raw["error"])[:300]
    try:
        return _window(raw)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        return f"the sandbox sent a malformed table ({exc})"
