"""The messages between the supervisor and the sandboxed interpreter, as typed dataclasses.

One JSON object per line. The supervisor writes :class:`Init`, :class:`Run` and (between
runs) :class:`TablePage` on the control pipe; the interpreter answers :class:`Hello`,
:class:`Ready`, :class:`Result` and :class:`TableRows` on its result pipe. Everything that
arrives on the result pipe is *untrusted*: the snippet holds that pipe's
file descriptor and can write anything there, so :func:`decode` checks every field's type,
caps every string and list, and returns ``None`` for anything malformed instead of raising.

Every answer carries the ``id`` of the request it answers (a random nonce per request), as the
*first* key of the JSON object, so the supervisor skips lines that do not start with the
expected ``{"id": "<nonce>"`` without parsing them, and a result written ahead of time for a
later request can never match.

Standard library only: the sandboxed interpreter loads this file by path (``child.py``), and
the supervisor imports it as ``prosepy.server.sandbox.runtime.protocol``. Extending a message:
add a field with a default at the end of its dataclass and a check in its ``_from`` function;
an older peer then simply ignores it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

#: Longest line either side accepts; a longer one is dropped unread.
LINE_CAP = 16 * 1024 * 1024
#: Caps applied when decoding (the runtime keeps below them on its own).
TEXT_CAP = 1000
FULL_CAP = 20_000
MESSAGE_CAP = 2000
TRACEBACK_CAP = 20_000
VALUES_CAP = 1000
NAME_CAP = 200


# -- supervisor → sandbox --------------------------------------------------------------------
@dataclass
class Limits:
    """Resource limits applied with ``setrlimit`` (``cpu_hard_s`` bounds the whole session)."""

    cpu_soft_s: int
    cpu_hard_s: int
    as_bytes: int
    fsize_bytes: int
    nofile: int


@dataclass
class Init:
    """Confine yourself: the layers to apply and where the snippet may read and write."""

    id: str
    workdir: str
    limits: Limits
    folder: str | None = None
    network: bool = False
    landlock: bool = True
    seccomp: bool = True
    type: str = "init"


@dataclass
class Run:
    """Run ``code``, which starts at 0-based document line ``first_line``."""

    id: str
    code: str
    first_line: int
    last_line: int
    filename: str
    cpu_s: float
    #: Record the values of assignments in loops (``run.stepValues``).
    steps: bool = True
    type: str = "run"


# -- sandbox → supervisor --------------------------------------------------------------------
@dataclass
class Hello:
    """The interpreter started (not yet confined)."""

    id: str
    pid: int
    python: str
    type: str = "hello"


@dataclass
class Ready:
    """The layers that took, and the problems with those that did not."""

    id: str
    layers: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    landlock_abi: int = 0
    #: OS threads the runtime itself keeps (a run must leave no more than these).
    threads: int = 1
    type: str = "ready"


@dataclass
class Value:
    """A value shown after a document line (0-based)."""

    line: int
    text: str
    full: str = ""


@dataclass
class Failure:
    """The exception a run raised; ``line`` is within the run's lines or None."""

    type: str
    message: str
    line: int | None = None
    traceback: str = ""


@dataclass
class Result:
    """What a run did. ``threads_left``: threads of the run still alive when it ended."""

    id: str
    ok: bool
    values: list[Value] = field(default_factory=list)
    error: Failure | None = None
    exec_ms: float = 0.0
    threads_left: int = 0
    #: What the run shows beyond values (loop histories, figures, table previews, variables):
    #: checked field by field on the supervisor's side (``sandbox/views.py``).
    views: dict[str, Any] = field(default_factory=dict)
    type: str = "result"


@dataclass
class TablePage:
    """Send rows ``offset..offset+limit`` of a table shown on a line (``handle``) or held by a
    variable (``name``), sorted by column ``sort_by`` when it is set. Between runs only."""

    id: str
    handle: str | None = None
    name: str | None = None
    offset: int = 0
    limit: int = 100
    sort_by: int | None = None
    descending: bool = False
    type: str = "table_page"


@dataclass
class TableRows:
    """The answer to :class:`TablePage`: the window, or ``{"error": ...}`` (checked by
    ``sandbox/views.py``)."""

    id: str
    window: dict[str, Any] = field(default_factory=dict)
    type: str = "table_rows"


Message = Init | Run | Hello | Ready | Result | TablePage | TableRows


def encode(message: Message) -> bytes:
    """One line of JSON with ``id`` first (see the module docstring)."""
    body = asdict(message)
    ordered = {"id": body.pop("id"), **body}
    return json.dumps(ordered, ensure_ascii=False, default=str).encode("utf-8") + b"\n"


def prefix(request_id: str) -> bytes:
    """How every answer to ``request_id`` starts on the wire."""
    return b'{"id": ' + json.dumps(request_id).encode() + b","


def decode(line: bytes, kind: type[Any]) -> Any:
    """The message of class ``kind`` in ``line``, or None when it is anything else."""
    if len(line) > LINE_CAP:
        return None
    try:
        raw = json.loads(line)
    except (ValueError, RecursionError):  # deep nesting must not take the reader down
        return None
    if not isinstance(raw, dict) or raw.get("type") != kind.type:
        return None
    try:
        return _READERS[kind](raw)
    except (TypeError, ValueError, KeyError, RecursionError):
        return None


# -- checked readers ---------------------------------------------------------------------------
def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an int, got {type(value).__name__}")
    return value


def _opt_int(value: Any) -> int | None:
    return None if value is None else _int(value)


def _num(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError("expected a number")
    return float(value)


def _str(value: Any, cap: int) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value[:cap]


def _strs(value: Any, cap: int = 100) -> list[str]:
    if not isinstance(value, list):
        raise TypeError("expected a list")
    return [_str(v, MESSAGE_CAP) for v in value[:cap]]


def _limits(raw: Any) -> Limits:
    if not isinstance(raw, dict):
        raise TypeError("limits")
    return Limits(*(_int(raw[k]) for k in Limits.__dataclass_fields__))


def _init(raw: dict[str, Any]) -> Init:
    folder = raw.get("folder")
    return Init(
        id=_str(raw["id"], NAME_CAP),
        workdir=_str(raw["workdir"], 4096),
        limits=_limits(raw["limits"]),
        folder=None if folder is None else _str(folder, 4096),
        network=bool(raw.get("network", False)),
        landlock=bool(raw.get("landlock", True)),
        seccomp=bool(raw.get("seccomp", True)),
    )


def _run(raw: dict[str, Any]) -> Run:
    return Run(
        id=_str(raw["id"], NAME_CAP),
        code=_str(raw["code"], LINE_CAP),
        first_line=_int(raw["first_line"]),
        last_line=_int(raw["last_line"]),
        filename=_str(raw["filename"], 4096),
        cpu_s=_num(raw["cpu_s"]),
        steps=raw.get("steps", True) is True,
    )


def _hello(raw: dict[str, Any]) -> Hello:
    return Hello(_str(raw["id"], NAME_CAP), _int(raw["pid"]), _str(raw["python"], NAME_CAP))


def _ready(raw: dict[str, Any]) -> Ready:
    return Ready(
        id=_str(raw["id"], NAME_CAP),
        layers=_strs(raw.get("layers", []), 20),
        problems=_strs(raw.get("problems", []), 20),
        landlock_abi=_int(raw.get("landlock_abi", 0)),
        threads=_int(raw.get("threads", 1)),
    )


def _value(raw: Any) -> Value | None:
    """One value; a malformed one is dropped rather than failing the whole result."""
    if not isinstance(raw, dict):
        return None
    try:
        return Value(
            _int(raw["line"]), _str(raw["text"], TEXT_CAP), _str(raw.get("full", ""), FULL_CAP)
        )
    except (TypeError, KeyError):
        return None


def _failure(raw: Any) -> Failure | None:
    if not isinstance(raw, dict):
        return None
    line = raw.get("line")
    return Failure(
        type=_str(raw.get("type", "Error"), NAME_CAP),
        message=_str(raw.get("message", ""), MESSAGE_CAP),
        line=line if isinstance(line, int) and not isinstance(line, bool) else None,
        traceback=_str(raw.get("traceback", ""), TRACEBACK_CAP),
    )


def _result(raw: dict[str, Any]) -> Result:
    values = raw.get("values", [])
    if not isinstance(values, list):
        raise TypeError("values")
    return Result(
        id=_str(raw["id"], NAME_CAP),
        ok=raw["ok"] is True,
        values=[v for v in map(_value, values[:VALUES_CAP]) if v is not None],
        error=_failure(raw.get("error")),
        exec_ms=_num(raw.get("exec_ms", 0.0)),
        threads_left=_int(raw.get("threads_left", 0)),
        views=_dict(raw.get("views")),
    )


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _opt_str(value: Any, cap: int) -> str | None:
    return None if value is None else _str(value, cap)


def _table_page(raw: dict[str, Any]) -> TablePage:
    return TablePage(
        id=_str(raw["id"], NAME_CAP),
        handle=_opt_str(raw.get("handle"), NAME_CAP),
        name=_opt_str(raw.get("name"), NAME_CAP),
        offset=max(0, _int(raw.get("offset", 0))),
        limit=max(1, _int(raw.get("limit", 100))),
        sort_by=_opt_int(raw.get("sort_by")),
        descending=raw.get("descending") is True,
    )


def _table_rows(raw: dict[str, Any]) -> TableRows:
    return TableRows(id=_str(raw["id"], NAME_CAP), window=_dict(raw.get("window")))


_READERS: dict[type[Any], Any] = {
    Init: _init,
    Run: _run,
    Hello: _hello,
    Ready: _ready,
    Result: _result,
    TablePage: _table_page,
    TableRows: _table_rows,
}
