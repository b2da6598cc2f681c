"""jedi's answers for a file, kept on disk from one session to the next.

A file opened again (today, or after the editor restarted) gets its answers at once
instead of after jedi has worked through it again: seconds for a large module, more for a
pandas script. What changed since is found line by line (the text the answers were worked
out on is kept as line hashes) and only those lines are analysed again; definitions in
files that changed on disk since (an upgraded library, an edited module) are dropped.

One folder per Python environment, jedi and prosepy version
(``$PROSEPY_CACHE/hover/<key>/``), one JSON file per source file, the oldest removed past
MAX_BYTES.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from prosepy.explain.symbols.index import DefinitionStore, DocumentIndex, Edit, shift_record

#: 2: methods reached through an instance have keys of their own; 3: a name's entry holds
#: the keys of all its definitions
FORMAT = 3
#: The answers of all files together stay under this.
MAX_BYTES = 200 * 1024 * 1024


def _hash(text: str, size: int = 16) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:size]


def folder(python: str, runtime_docs: bool) -> Path:
    """Where the answers for ``python``'s environment are kept."""
    base = Path(os.environ.get("PROSEPY_CACHE") or Path.home() / ".cache" / "prosepy")
    versions = []
    for package in ("jedi", "prosepy", "docstring-to-markdown"):
        try:
            versions.append(metadata.version(package))
        except metadata.PackageNotFoundError:
            versions.append("?")
    key = f"{FORMAT}|{python or sys.executable}|{sys.version}|{versions}|{runtime_docs}"
    return base / "hover" / _hash(key)


def _file(directory: Path, path: str) -> Path:
    return directory / f"{_hash(path, 24)}.json"


def _stamp(path: str) -> list[int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return [int(info.st_mtime_ns), info.st_size]


def line_edits(old: list[str], new: list[str]) -> list[Edit]:
    """The edits (bottom first, each in the coordinates the previous ones leave) that turn
    the lines hashed ``old`` into those hashed ``new``."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    edits = []
    for tag, i1, i2, j1, j2 in reversed(matcher.get_opcodes()):
        if tag != "equal":
            edits.append(Edit(start=i1, end=i2 - 1, lines=j2 - j1))
    return edits


def save(
    directory: Path, path: str, text: str, index: DocumentIndex, defs: DefinitionStore
) -> None:
    """Keep ``path``'s answers (only complete ones: no quick or still-loading records)."""
    records: dict[str, dict[str, Any]] = {}
    entries = []
    for line, row in index.lines.items():
        for col, (end, keys) in row.items():
            kept = defs.get_all(keys)
            if kept is None or any(r.get("provisional") or r.get("doc_pending") for r in kept):
                continue
            records.update((r["key"], r) for r in kept)
            entries.append([line, col, end, list(keys)])
    files = {r["path"] for r in records.values() if r.get("path") and r["path"] != path}
    data = {
        "format": FORMAT,
        "path": path,
        "lines": [_hash(line, 12) for line in text.split("\n")],
        "entries": entries,
        "definitions": records,
        "stamps": {file: _stamp(file) for file in sorted(files)},
    }
    directory.mkdir(parents=True, exist_ok=True)
    target = _file(directory, path)
    temporary = target.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
    os.replace(temporary, target)
    _prune(directory.parent)


def load(
    directory: Path, path: str, text: str
) -> tuple[list[list[Any]], list[dict[str, Any]]] | None:
    """``path``'s kept answers moved onto ``text``: (entries, definition records)."""
    try:
        data = json.loads(_file(directory, path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("format") != FORMAT or data.get("path") != path:
        return None
    changed = {f for f, stamp in data["stamps"].items() if _stamp(f) != stamp}
    records = {
        key: record
        for key, record in data["definitions"].items()
        if record.get("path") not in changed
    }
    edits = line_edits(data["lines"], [_hash(line, 12) for line in text.split("\n")])
    index = DocumentIndex()
    for line, col, end, keys in data["entries"]:
        if not keys and changed:
            continue  # "jedi has nothing here" may have changed with those files
        if all(key in records for key in keys):
            index.put(line, col, end, keys)
    if edits:
        index.apply(edits)
        for key, record in list(records.items()):
            if record.get("path") == path:
                moved = shift_record(record, edits)
                if moved is None:
                    del records[key]
                else:
                    records[key] = moved
    entries = [
        [line, col, end, list(keys)]
        for line, row in index.lines.items()
        for col, (end, keys) in row.items()
        if all(key in records for key in keys)
    ]
    return entries, list(records.values())


def _prune(root: Path) -> None:
    """Remove the least recently written answers while all of them exceed MAX_BYTES."""
    try:
        files = sorted(root.glob("*/*.json"), key=lambda f: f.stat().st_mtime)
        total = sum(f.stat().st_size for f in files)
    except OSError:
        return
    while files and total > MAX_BYTES:
        oldest = files.pop(0)
        try:
            total -= oldest.stat().st_size
            oldest.unlink()
        except OSError:
            pass
