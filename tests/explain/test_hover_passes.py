"""The background jedi worker's two passes over a document: every name answered quickly
first (a variable's value left out; not near where the user reads), then the values worked
out, one per definition, and only then the document announced as analysed and kept."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from prosepy.explain.symbols.channel import Channel
from prosepy.explain.symbols.worker import Worker

SOURCE = (
    "def twice(x):\n    return 2 * x\n\n\ndef pick(g):\n    return g\n\n\n"
    "f = pick(twice)\nf(3)\nsize = len('ab')\n"
)
F_LINE = 8  # ``f = pick(twice)``: f's value is callable, which only its value shows


def _sent(out: io.BytesIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def _worker(tmp_path: Path, focus: int = 500) -> tuple[Worker, io.BytesIO, str]:
    """A background worker with the document open, the user reading at line ``focus`` (by
    default far below it: every name is far from where the user reads)."""
    path = tmp_path / "passes.py"
    path.write_text(SOURCE, encoding="utf-8")
    out = io.BytesIO()
    worker = Worker(Channel(out), "background")
    worker.configure({"epoch": 1, "root": str(tmp_path), "workspace_files": 0, "keep": False})
    uri = path.as_uri()
    message = {"op": "open", "uri": uri, "path": str(path), "version": 1, "text": SOURCE}
    worker.open({**message, "focus": focus})
    return worker, out, uri


def _finish(worker: Worker) -> None:
    """Every step the worker has left, sending after each (its loop sends every FLUSH_S)."""
    while worker._has_work():
        worker.step()
        worker.out.flush()


def _records_sent(out: io.BytesIO, key: str) -> list[tuple[int, dict[str, Any]]]:
    """(message number, record) of every record of ``key`` the server was sent."""
    return [
        (i, record)
        for i, message in enumerate(_sent(out))
        for record in [*message.get("defs", []), message.get("record") or {}]
        if record.get("key") == key
    ]


def test_every_name_is_answered_before_any_value_is_worked_out(tmp_path: Path) -> None:
    worker, out, uri = _worker(tmp_path)
    calls: list[tuple[int, int, bool]] = []
    real = worker.analyse

    def analyse(doc: Any, line: int, col: int, end: int, quick: bool = False) -> list[str]:
        calls.append((line, col, quick))
        return real(doc, line, col, end, quick)

    worker.analyse = analyse  # type: ignore[method-assign]
    _finish(worker)
    quick = [call for call in calls if call[2]]
    complete = [call for call in calls if not call[2]]
    assert len(quick) >= 8 and complete, calls
    assert calls == quick + complete, "a value was worked out before every name had an answer"
    # one complete step per definition: ``f`` is read twice but completed once
    assert len({(line, col) for line, col, _ in complete}) == len(complete)
    assert sum(1 for line, _, _ in complete if line in (F_LINE, F_LINE + 1)) == 1

    doc = worker.docs[uri]
    for line in (F_LINE, F_LINE + 1):  # both of f's positions have the complete answer
        entry = doc.index.get(line, 0)
        assert entry is not None
        (record,) = worker.defs.get_all(entry[1]) or []
        assert record["header"] == "statement twice(x)" and not record["provisional"]

    # the server had f's quick answer first, then the complete one, then "analysed"
    sent = _sent(out)
    f_records = _records_sent(out, doc.index.get(F_LINE, 0)[1][0])  # type: ignore[index]
    assert [record["provisional"] for _, record in f_records] == [True, False]
    assert f_records[0][1]["header"] == "f = pick(twice)"
    assert "still being worked out" not in f_records[1][1]["markdown"]
    analysed = [i for i, message in enumerate(sent) if message["op"] == "analysed"]
    assert analysed and analysed[0] > f_records[1][0]


def test_a_hovered_quick_answer_is_completed_first(tmp_path: Path) -> None:
    """A hover on a name whose answer is a quick one asks for its value (``focus`` with a
    column): the next step works it out, before the names left in the first pass."""
    worker, _, uri = _worker(tmp_path)
    worker.step()  # reads the document and lists its names
    doc = worker.docs[uri]
    while doc.pending is not None and doc.pending.lines and doc.index.get(F_LINE, 0) is None:
        worker.step()
    entry = doc.index.get(F_LINE, 0)
    assert entry is not None and (worker.defs.get_all(entry[1]) or [{}])[0]["provisional"]
    assert doc.pending is not None and doc.pending.lines, "the first pass is not over yet"
    worker.handle({"op": "focus", "uri": uri, "line": F_LINE, "col": 0})
    worker.step()
    (record,) = worker.defs.get_all(entry[1]) or []
    assert record["header"] == "statement twice(x)" and not record["provisional"]


def test_names_near_where_the_user_reads_are_complete_in_the_first_pass(tmp_path: Path) -> None:
    """The reader at line 6: ``f`` (lines 8 and 9) is answered completely at once, never
    quickly; the server never gets a quick record for it."""
    worker, out, uri = _worker(tmp_path, focus=6)
    _finish(worker)
    entry = worker.docs[uri].index.get(F_LINE, 0)
    assert entry is not None
    f_records = [record for _, record in _records_sent(out, entry[1][0])]
    assert [record["provisional"] for record in f_records] == [False]
    assert f_records[0]["header"] == "statement twice(x)"
