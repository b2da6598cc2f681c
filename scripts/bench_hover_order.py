#!/usr/bin/env python3
"""The order of the background jedi worker's first pass: groups and names taking turns
against names nearest the reader only, in one run.

A name bound once and read many times (and a builtin) has one answer for all its
positions, so the worker takes such a group before a single name when the group's
positions, weighed by their distance from the reader, are worth more
(``documents.take_next``). The anchor is the order before: every name nearest the reader
first. For each file, each way runs in a fresh worker process of its own, the reader at the
first line that reads a name (a file just opened), and reports after 1, 2, 4 and 8 CPU
seconds of that process (robust to a busy machine, unlike wall time): how many of
``bench_hover``'s 100 positions have an answer (spread over the file: where a reader who
moves on hovers next), and how many of the names in the 40 lines from the reader down (what
the reader hovers first; the order must not starve them). Files: ``argparse.py``,
``collections/__init__.py`` and the pandas script with pandas in the user's environment.

    .venv/bin/python scripts/bench_hover_order.py
"""

from __future__ import annotations

import ast
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from scripts.bench_hover import FILES, positions  # noqa: E402
from scripts.bench_hover_passes import background_worker, in_fresh_process  # noqa: E402
from tests.userenv import pandas_python  # noqa: E402

#: CPU seconds after which the answers are counted.
MARKS = (1.0, 2.0, 4.0, 8.0)
#: Lines below the reader counted as "near" (``documents.NEAR_BELOW``).
NEAR = 40


def measure(path: str, python: str, groups: bool) -> dict[str, Any]:
    """In this process: a background worker's first pass over ``path`` until the last mark."""
    from prosepy.explain.symbols import documents

    if not groups:  # the anchor: no group goes before a nearer name
        documents.shared_names = lambda doc, known: documents.Shared()
    worker = background_worker(path, python)
    text = Path(path).read_text(encoding="utf-8")
    spread = positions(text, 100)
    uri = Path(path).as_uri()
    # the reader where the code starts: the first line that reads a name
    top = min(n.lineno for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Name)) - 1
    message = {"op": "open", "uri": uri, "path": path, "version": 1, "text": text}
    worker.open({**message, "focus": top})
    doc = worker.docs[uri]

    def near(rows: dict[int, Any]) -> int:
        """How many names ``rows`` (line -> its names) holds in the lines near the reader."""
        return sum(len(row) for line, row in rows.items() if top <= line < top + NEAR)

    cpu = time.process_time()
    counts: list[dict[str, int]] = []
    while len(counts) < len(MARKS) and worker._has_work():
        worker.step()
        worker.out.flush()
        if doc.pending is None:
            continue
        while len(counts) < len(MARKS) and time.process_time() - cpu >= MARKS[len(counts)]:
            answered = sum(1 for line, col in spread if doc.index.get(line, col))
            counts.append({"spread": answered, "near": near(doc.index.lines)})
    while len(counts) < len(MARKS):  # (every name answered before the last mark)
        counts.append(counts[-1] if counts else {"spread": 0, "near": 0})
    left = doc.pending.by_line if doc.pending is not None else {}
    near_names = near(doc.index.lines) + near(left)
    return {"counts": counts, "near_names": near_names}


def run_child(path: Path, python: str, groups: bool) -> dict[str, Any]:
    """``measure`` in a fresh process (nothing in memory from the other way)."""
    return in_fresh_process("scripts.bench_hover_order", path, python, groups)


def main() -> int:
    python = str(pandas_python())
    print(f"Python {sys.version.split()[0]}; the user's environment {python}\n")
    marks = " | ".join(f"{mark:.0f} s" for mark in MARKS)
    print("Of 100 spread positions, answered after this much CPU; near names at each mark\n")
    print(f"| file | way | {marks} | near names answered |")
    print("|---|---|" + "---|" * len(MARKS) + "---|")
    for path in FILES:
        run_child(path, python, groups=True)  # parso's disk cache, the environment
        anchor = run_child(path, python, groups=False)
        turns = run_child(path, python, groups=True)
        for name, result in (("nearest first (anchor)", anchor), ("groups take turns", turns)):
            spread = " | ".join(str(c["spread"]) for c in result["counts"])
            near = " / ".join(str(c["near"]) for c in result["counts"])
            print(f"| {path.name} | {name} | {spread} | {near} of {result['near_names']} |")
        ratios = " | ".join(
            f"{t['spread'] / a['spread']:.2f}x" if a["spread"] else "-"
            for t, a in zip(turns["counts"], anchor["counts"], strict=True)
        )
        print(f"| {path.name} | ratio | {ratios} | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
