"""Docstrings that only exist at run time, read by importing the library in the user's Python.

pandas builds ``read_csv.__doc__`` while it is imported (a decorator fills in a template),
so its source holds no docstring for jedi to read. For definitions in the environment's
installed libraries (never the user's own files) whose source has no docstring, a helper
process of the user's interpreter imports the module and reads ``inspect.getdoc``. jedi
itself imports the environment's compiled modules the same way; this goes as far as pure
Python libraries, and can be turned off (``explain.runtimeDocs``).
"""

from __future__ import annotations

import json
import logging
import os
import queue
import select
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

#: Runs in the user's interpreter (any Python 3 jedi supports): one JSON question per line in,
#: one answer per line out. Whatever the imported library prints goes to stderr.
HELPER = r"""
import importlib, inspect, json, os, sys
reply = os.fdopen(os.dup(1), "w")
os.dup2(2, 1)
sys.stdout = sys.stderr
try:
    here = os.getcwd()
except OSError:  # its empty folder is gone already (it only had to be empty at the start)
    here = ""
sys.path[:] = [p for p in sys.path if p not in ("", ".", here)]
for line in sys.stdin:
    doc = None
    try:
        ask = json.loads(line)
        obj = importlib.import_module(ask["module"])
        for part in ask["attrs"]:
            obj = getattr(obj, part)
        doc = inspect.getdoc(obj) or ""
    except BaseException:
        doc = None
    reply.write(json.dumps({"doc": doc}) + "\n")
    reply.flush()
"""
#: The first import of a large library (pandas: ~1 s) must finish within this.
ANSWER_TIMEOUT_S = 30.0


def library_dirs(sys_path: list[str], excluded: list[str]) -> list[Path]:
    """The environment's library folders: its sys.path without the user's project."""
    out = []
    for entry in sys_path:
        if not entry or not os.path.isabs(entry):
            continue
        path = Path(entry)
        if any(_inside(path, Path(other)) or _inside(Path(other), path) for other in excluded):
            continue
        out.append(path)
    return out


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except (ValueError, OSError):
        return False


def wanted(record: dict[str, Any], libraries: list[Path]) -> tuple[str, list[str]] | None:
    """(module, attribute path) to import for ``record``'s docstring, or None when its
    source docstring is enough or it is not in an installed library."""
    if record.get("has_doc") or record.get("kind") not in ("function", "class", "module"):
        return None
    path, module, full = record.get("path"), record.get("module"), record.get("full_name")
    if not path or not module or not full or not (full == module or full.startswith(module + ".")):
        return None
    if not any(_inside(Path(path), folder) for folder in libraries):
        return None
    attrs = full[len(module) + 1 :].split(".") if full != module else []
    return module, attrs


class RuntimeDocs:
    """One helper process of the user's interpreter, asked from a thread of its own;
    answers are handed to ``deliver(key, doc)`` (doc "" when the import found none)."""

    def __init__(self, python: str, deliver: Callable[[str, str], None]) -> None:
        self.python = python
        self.deliver = deliver
        self.questions: queue.Queue[tuple[str, str, list[str]] | None] = queue.Queue()
        self.asked: set[str] = set()
        self.failed_modules: set[str] = set()
        self.proc: subprocess.Popen[bytes] | None = None
        self.thread = threading.Thread(target=self._serve, name="runtime-docs", daemon=True)
        self.thread.start()

    def ask(self, key: str, module: str, attrs: list[str]) -> bool:
        """Queue the question; False when it was asked before or its module fails."""
        if key in self.asked or module in self.failed_modules:
            return False
        self.asked.add(key)
        self.questions.put((key, module, attrs))
        return True

    def close(self) -> None:
        self.questions.put(None)
        self._stop()

    def _start(self) -> subprocess.Popen[bytes]:
        if self.proc is None or self.proc.poll() is not None:
            # an empty folder to start in: a `json.py` in the folder the interpreter starts in
            # would shadow the standard library's before the helper drops it from sys.path.
            # It is removed at once (the process keeps running in it), so a worker killed at
            # shutdown leaves nothing behind.
            empty = tempfile.mkdtemp(prefix="prosepy-docs-")
            try:
                self.proc = subprocess.Popen(
                    [self.python, "-c", HELPER],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                    cwd=empty,
                )
            finally:
                shutil.rmtree(empty, ignore_errors=True)  # (Windows: a folder in use stays)
        return self.proc

    def _stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()

    def _serve(self) -> None:
        while (question := self.questions.get()) is not None:
            key, module, attrs = question
            try:
                doc = self._answer(module, attrs)
            except Exception:
                logger.debug("runtime docstring of %s failed", module, exc_info=True)
                doc = None
            if doc is None:
                self.failed_modules.add(module)
            self.deliver(key, doc or "")  # "" when there is none: it is no longer awaited

    def _answer(self, module: str, attrs: list[str]) -> str | None:
        proc = self._start()
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(json.dumps({"module": module, "attrs": attrs}).encode() + b"\n")
        proc.stdin.flush()
        ready, _, _ = select.select([proc.stdout], [], [], ANSWER_TIMEOUT_S)
        if not ready:
            self._stop()  # an import that hangs: give up on this module
            return None
        line = proc.stdout.readline()
        if not line:
            self._stop()
            return None
        answer = json.loads(line).get("doc")
        return answer if isinstance(answer, str) else None
