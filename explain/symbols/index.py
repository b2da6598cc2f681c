"""Where jedi's answers sit in a document, kept in place while the text is edited.

jedi needs tens of milliseconds per name and seconds for a first look at a library, so
its answers are worked out ahead of time and kept: a ``DocumentIndex`` maps each name's
position to the keys of its definitions (several when the name has several: assigned in
two branches, imported in a ``try`` and its ``except``), a ``DefinitionStore`` maps keys
to what a hover shows. Edits move the entries below them and drop those on the edited
lines, and drop definitions whose text was edited; what is dropped is asked of jedi again.

The server and the jedi worker process both keep these (the server to answer hovers
without a round trip, the worker to know what is left to analyse); both apply the same
edits in the same way. Lines and columns are 0-based; columns count characters.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

#: A name's definition keys, in the order the hover shows them; empty: jedi has nothing.
Keys = tuple[str, ...]
#: A name's entry: (end column, its definition keys).
Entry = tuple[int, Keys]


@dataclass(frozen=True)
class Edit:
    """One text change: lines ``start..end`` (inclusive, old text) became ``lines`` lines."""

    start: int
    end: int
    lines: int

    @property
    def delta(self) -> int:
        return (self.lines - 1) - (self.end - self.start)

    def to_json(self) -> list[int]:
        return [self.start, self.end, self.lines]

    @classmethod
    def from_json(cls, raw: list[int]) -> Edit:
        return cls(int(raw[0]), int(raw[1]), int(raw[2]))


def shift_line(line: int, edits: Iterable[Edit]) -> int | None:
    """Where ``line`` is after ``edits`` (applied in order), or None when it was edited."""
    for edit in edits:
        if line > edit.end:
            line += edit.delta
        elif line >= edit.start:
            return None
    return line


def shift_span(start: int, end: int, edits: Iterable[Edit]) -> tuple[int, int] | None:
    """Where lines ``start..end`` are after ``edits``, or None when an edit touched them."""
    for edit in edits:
        if start > edit.end:
            start, end = start + edit.delta, end + edit.delta
        elif end >= edit.start:
            return None
    return start, end


def shift_record(record: dict[str, Any], edits: list[Edit]) -> dict[str, Any] | None:
    """A definition record moved through ``edits`` of its file; None when they touched it."""
    if record.get("start") is None or not edits:
        return record
    span = shift_span(record["start"], record.get("end", record["start"]), edits)
    if span is None:
        return None
    delta = span[0] - record["start"]
    if delta == 0:
        return record
    line = record.get("line")
    return dict(record, start=span[0], end=span[1], line=None if line is None else line + delta)


@dataclass
class DocumentIndex:
    """Per line, the names jedi has answered: start column -> (end column, definition keys)."""

    lines: dict[int, dict[int, Entry]] = field(default_factory=dict)

    def put(self, line: int, col: int, end: int, keys: Iterable[str]) -> None:
        if isinstance(keys, str):  # a single key would become its characters
            raise TypeError("keys must be a sequence of definition keys")
        self.lines.setdefault(line, {})[col] = (end, tuple(keys))

    def get(self, line: int, col: int) -> Entry | None:
        """The entry of the name starting at ``col`` (or spanning it), if analysed."""
        row = self.lines.get(line)
        if not row:
            return None
        entry = row.get(col)
        if entry is not None:
            return entry
        for start, (end, keys) in row.items():
            if start <= col < end:
                return end, keys
        return None

    def has(self, line: int, col: int) -> bool:
        return col in self.lines.get(line, {})

    def apply(self, edits: Iterable[Edit]) -> None:
        for edit in edits:
            moved: dict[int, dict[int, Entry]] = {}
            for line, row in self.lines.items():
                if line > edit.end:
                    moved[line + edit.delta] = row
                elif line < edit.start:
                    moved[line] = row
            self.lines = moved

    def drop_keys(self, keys: set[str]) -> int:
        """Forget the entries that point at any of ``keys``; how many were dropped."""
        dropped = 0
        for row in self.lines.values():
            for col in [c for c, (_, ks) in row.items() if not keys.isdisjoint(ks)]:
                del row[col]
                dropped += 1
        return dropped

    def keys(self) -> Iterator[str]:
        for row in self.lines.values():
            for _, keys in row.values():
                yield from keys

    def __len__(self) -> int:
        return sum(len(row) for row in self.lines.values())


@dataclass
class DefinitionStore:
    """Definition key -> what a hover shows for it (a ``render.definition`` record).

    Definitions in files that are being edited are tracked by line span, so that an edit
    inside one drops it (its signature or docstring may have changed) and an edit above it
    moves the line a hover shows.
    """

    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: path -> keys of the definitions in that file
    by_path: dict[str, set[str]] = field(default_factory=dict)

    def put(self, record: dict[str, Any]) -> None:
        key = record["key"]
        self.records[key] = record
        if record.get("path"):
            self.by_path.setdefault(record["path"], set()).add(key)

    def get(self, key: str | None) -> dict[str, Any] | None:
        return self.records.get(key) if key is not None else None

    def __contains__(self, key: object) -> bool:
        return key in self.records

    def get_all(self, keys: Iterable[str]) -> list[dict[str, Any]] | None:
        """The records of ``keys`` in their order, or None when one of them is missing."""
        out = []
        for key in keys:
            record = self.records.get(key)
            if record is None:
                return None
            out.append(record)
        return out

    def __len__(self) -> int:
        return len(self.records)

    def apply(self, path: str | None, edits: list[Edit]) -> set[str]:
        """Follow ``edits`` of the file ``path``; the keys dropped because they were edited."""
        dropped: set[str] = set()
        if not path or not edits:
            return dropped
        for key in list(self.by_path.get(path, ())):
            record = self.records.get(key)
            if record is None:
                continue
            moved = shift_record(record, edits)
            if moved is None:
                dropped.add(key)
            elif moved is not record:
                self.records[key] = moved
        for key in dropped:
            self.forget(key)
        return dropped

    def forget(self, key: str) -> None:
        record = self.records.pop(key, None)
        if record is not None and record.get("path"):
            keys = self.by_path.get(record["path"])
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self.by_path[record["path"]]

    def clear(self) -> None:
        self.records.clear()
        self.by_path.clear()
