"""The workspace's files analysed before they open, with the real jedi and without
processes: which files are chosen, what each worker does with them, and how a document
that opens takes the answers (sent to the server before any jedi step)."""

from __future__ import annotations

import io
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from prosepy.explain.symbols import persist, workspace
from prosepy.explain.symbols.channel import Channel
from prosepy.explain.symbols.worker import Worker

SOURCE = "import json\n\n\ndef parse(raw):\n    return json.loads(raw)\n"


def _write(path: Path, text: str, mtime: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.utime(path, (mtime, mtime))
    return path


def test_the_most_recently_changed_files_of_the_users_own_code(tmp_path: Path) -> None:
    newest = _write(tmp_path / "app" / "report.py", SOURCE, 3000)
    older = _write(tmp_path / "main.py", SOURCE, 2000)
    _write(tmp_path / "oldest.py", SOURCE, 1000)
    _write(tmp_path / ".venv" / "lib" / "site.py", SOURCE, 9000)  # hidden
    _write(tmp_path / "env" / "pyvenv.cfg", "home = /usr\n", 9000)
    _write(tmp_path / "env" / "lib" / "module.py", SOURCE, 9000)  # a virtual environment
    _write(tmp_path / "node_modules" / "tool.py", SOURCE, 9000)
    _write(tmp_path / "huge.py", "x = 1\n" * 60_000, 9000)  # over MAX_FILE_BYTES
    _write(tmp_path / "notes.txt", "text", 9000)
    assert workspace.python_files(str(tmp_path), 2) == [str(newest), str(older)]
    assert len(workspace.python_files(str(tmp_path), 10)) == 3
    assert workspace.python_files(str(tmp_path / "missing"), 4) == []


def _worker(role: str, root: Path, files: int = 4, keep: bool = True) -> tuple[Worker, io.BytesIO]:
    """A worker for the project at ``root``; ``keep``: answers are kept on disk."""
    out = io.BytesIO()
    worker = Worker(Channel(out), role)
    worker.configure({"epoch": 1, "root": str(root), "workspace_files": files, "keep": keep})
    return worker, out


def _run(worker: Worker, limit: int = 500) -> None:
    """Steps until the worker has nothing left to do, as its loop takes them (without
    waiting for the quiet moment the workspace's files wait for)."""
    worker.last_busy = -workspace.QUIET_S
    for _ in range(limit):
        if worker._has_work():
            worker.step()
        elif worker._prospecting():
            worker._prospect()
        else:
            return
    raise AssertionError("the worker did not finish")


def _sent(out: io.BytesIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_a_file_opened_after_its_analysis_gets_its_answers_at_once(tmp_path: Path) -> None:
    """(From memory: nothing is kept on disk here.)"""
    path = _write(tmp_path / "parser.py", SOURCE, 1000)
    worker, out = _worker("background", tmp_path, keep=False)
    _run(worker)
    answers = [m for m in _sent(out) if m["op"] in ("answers", "definition", "analysed")]
    assert not answers, "nothing is sent for a file that is not open"
    assert str(path) in worker.prospects.done
    worker.open(
        {"op": "open", "uri": path.as_uri(), "path": str(path), "version": 1, "text": SOURCE}
    )
    worker.out.flush()
    doc = worker.docs[path.as_uri()]
    entry = doc.index.get(4, 16)
    assert entry is not None and entry[1][0].endswith(":loads:function")
    record = worker.defs.get(entry[1][0])
    assert record is not None and "loads(s" in record["markdown"]
    worker.step()  # lists the names: none is left to analyse
    assert doc.pending is not None and not doc.pending.lines


def test_a_changed_text_is_not_answered_from_the_analysis(tmp_path: Path) -> None:
    path = _write(tmp_path / "parser.py", SOURCE, 1000)
    worker, _ = _worker("background", tmp_path, keep=False)
    _run(worker)
    assert str(path) in worker.prospects.done
    edited = "# unsaved\n" + SOURCE
    worker.open(
        {"op": "open", "uri": path.as_uri(), "path": str(path), "version": 1, "text": edited}
    )
    assert not len(worker.docs[path.as_uri()].index)
    assert not worker.prospects.done


def test_the_background_worker_keeps_the_answers_for_the_next_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROSEPY_CACHE", str(tmp_path / "cache"))
    path = _write(tmp_path / "project" / "parser.py", SOURCE, 1000)
    background, _ = _worker("background", tmp_path / "project")
    _run(background)
    # the next session: the server reads them when the file opens (as here), and the
    # requests worker knows them: no jedi step there
    loaded = persist.load(persist.folder("", True), str(path), SOURCE)
    assert loaded is not None and [4, 16, 21] in [e[:3] for e in loaded[0]]
    requests, _ = _worker("requests", tmp_path / "project")
    requests.open(
        {"op": "open", "uri": path.as_uri(), "path": str(path), "version": 1, "text": SOURCE}
    )
    assert requests._known(requests.docs[path.as_uri()], 4, 16)


def test_an_open_document_comes_first_and_zero_turns_it_off(tmp_path: Path) -> None:
    _write(tmp_path / "parser.py", SOURCE, 1000)
    opened = tmp_path / "open.py"
    worker, _ = _worker("background", tmp_path)
    uri = opened.as_uri()
    worker.open({"op": "open", "uri": uri, "path": str(opened), "version": 1, "text": SOURCE})
    worker.last_busy = -workspace.QUIET_S
    while worker._has_work():
        assert not worker._prospecting(), "the workspace waits for the open document"
        worker.step()
    assert worker.docs[uri].announced and worker._prospecting()
    worker.last_busy = time.monotonic()
    assert not worker._prospecting(), "... and for a quiet moment"
    off, _ = _worker("background", tmp_path, files=0)
    _run(off)
    assert off.prospects.files is None and not off.prospects.done
