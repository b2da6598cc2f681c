"""The workspace's Python files, analysed before they are opened.

jedi's first look at a library costs seconds in a fresh process (pandas: half a second for
``DataFrame`` alone, reading and inferring the library's modules), and jedi keeps that work
per inference state. A file opened after the editor has started would have its first hovers
wait for it. So when the background worker has had nothing else to do for a moment (every
open document's names analysed), it reads the workspace's most recently changed Python
files as if they were open, analyses every name top to bottom and keeps the answers on
disk; a document that opens takes them (both workers read them from disk, see
``session``) and its Script reuses the inference state (``scripts``). The requests worker
does not: one of its steps would hold up a hover for as long as jedi's first look at a
library takes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from prosepy.explain.symbols.documents import Doc

#: Files looked at by default (``explain.workspaceFiles``): the most recently changed.
DEFAULT_FILES = 4
#: Larger files are left for when they open.
MAX_FILE_BYTES = 300_000
#: Directory entries looked at while listing, and how deep: a huge tree is not walked.
MAX_ENTRIES = 5000
MAX_DEPTH = 4
#: Folders that hold no code of the user's own.
SKIPPED = {"__pycache__", "node_modules", "site-packages", "dist-packages", "build", "dist"}
#: Seconds the background worker has had nothing else to do before it starts.
QUIET_S = 2.0
#: The key prospective documents have in a worker's Scripts (never an editor's URI).
PREFIX = "prosepy-workspace:"


def python_files(root: str, limit: int) -> list[str]:
    """Up to ``limit`` Python files under ``root``, most recently changed first: not in
    hidden folders, virtual environments or installed packages, none over MAX_FILE_BYTES."""
    found: list[tuple[float, str]] = []
    seen = 0
    folders = [(Path(root), 0)]
    while folders and seen < MAX_ENTRIES:
        folder, depth = folders.pop(0)
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        if depth > 0 and any(e.name == "pyvenv.cfg" for e in entries):
            continue  # a virtual environment
        for entry in entries:
            seen += 1
            name = entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if depth < MAX_DEPTH and not name.startswith(".") and name not in SKIPPED:
                        folders.append((Path(entry.path), depth + 1))
                elif name.endswith(".py") and entry.is_file(follow_symlinks=False):
                    info = entry.stat()
                    if info.st_size <= MAX_FILE_BYTES:
                        found.append((info.st_mtime, entry.path))
            except OSError:
                continue
    found.sort(key=lambda item: (-item[0], item[1]))
    return [path for _, path in found[:limit]]


@dataclass
class Prospects:
    """The workspace files a worker analyses ahead: listed on the first step, then one at
    a time (``doc``); the ones done are kept for their document's opening."""

    root: str | None = None
    limit: int = DEFAULT_FILES
    files: list[str] | None = None
    doc: Doc | None = None
    #: path -> the document as analysed (its text and answers)
    done: dict[str, Doc] = field(default_factory=dict)

    def __bool__(self) -> bool:
        """Whether there is work left."""
        if not self.root or self.limit <= 0:
            return False
        return self.files is None or bool(self.files) or self.doc is not None

    def list(self) -> None:
        self.files = python_files(self.root, self.limit) if self.root else []

    def start(self, path: str, text: str) -> Doc:
        self.doc = Doc(PREFIX + path, path, None, text)
        return self.doc

    def finish(self) -> Doc | None:
        """The current file is done (or given up): kept for its opening."""
        doc, self.doc = self.doc, None
        if doc is not None and doc.path is not None and len(doc.index):
            self.done[doc.path] = doc
        return doc

    def take(self, path: str | None, text: str) -> Doc | None:
        """What was analysed ahead for the file at ``path``, if its text is ``text``."""
        if path is None:
            return None
        if self.doc is not None and self.doc.path == path:
            self.finish()  # the document is open now: its own work takes over
        doc = self.done.pop(path, None)
        return doc if doc is not None and doc.text == text else None


def read(path: str) -> str | None:
    """The file's text, or None if it cannot be read as UTF-8 Python source."""
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except (OSError, UnicodeDecodeError):
        return None
