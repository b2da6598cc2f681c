#!/usr/bin/env python3
"""The background jedi worker's two passes against one complete pass, in one run.

The background worker answers every name of a document quickly first (a variable's value
left out; not near where the user reads, and here no name is) and works the values out
after. The anchor is the single pass it made before: every name answered completely, one
after the other. For each file, each way runs in a fresh worker process of its own
(nothing cached in memory; parso's disk cache is warmed first, as a second session's would
be) and reports, in CPU seconds of that process (robust to a busy machine, unlike wall
time) and in wall seconds: the time until every name had an answer, and until every answer
was complete. Files: ``argparse.py`` and the
pandas script with pandas in the user's environment (``tests/userenv.py``).

    .venv/bin/python scripts/bench_hover_passes.py
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import sysconfig
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prosepy.explain.symbols.worker import Worker

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.userenv import pandas_python  # noqa: E402

FILES = [
    Path(sysconfig.get_paths()["stdlib"]) / "argparse.py",
    ROOT / "tests" / "explain" / "data" / "sales_report.py",
]


def background_worker(path: str, python: str) -> Worker:
    """A background worker in this process for ``path`` in ``python``'s environment, with
    nothing kept from earlier sessions (a first session), its output thrown away."""
    from prosepy.explain.symbols.channel import Channel
    from prosepy.explain.symbols.worker import Worker

    worker = Worker(Channel(io.BytesIO()), "background")
    root = str(Path(path).parent)
    settings = {"python": python, "root": root, "workspace_files": 0, "runtime_docs": False}
    worker.configure({"epoch": 1, "keep": False, **settings})
    return worker


def measure(path: str, python: str, single_pass: bool) -> dict[str, Any]:
    """In this process: a background worker analyses every name of ``path``."""
    worker = background_worker(path, python)
    text = Path(path).read_text(encoding="utf-8")
    if single_pass:  # the anchor: every name complete at once
        real = worker.analyse
        worker.analyse = lambda *args, quick=False: real(*args)  # type: ignore[method-assign]
    uri = Path(path).as_uri()
    cpu, wall = time.process_time(), time.perf_counter()
    # the reader far below the last line: no name is near it, so the first pass answers every
    # name quickly (near the reader they would be complete at once, as in the anchor)
    far = text.count("\n") + 1000
    worker.open({"op": "open", "uri": uri, "path": path, "version": 1, "text": text, "focus": far})
    doc = worker.docs[uri]
    all_answered: tuple[float, float] | None = None
    while worker._has_work():
        worker.step()
        if all_answered is None and doc.pending is not None and not doc.pending.lines:
            all_answered = (time.process_time() - cpu, time.perf_counter() - wall)
        worker.out.flush()
    done = (time.process_time() - cpu, time.perf_counter() - wall)
    records = [
        worker.defs.get_all(keys) or []
        for row in doc.index.lines.values()
        for _, keys in row.values()
    ]
    quick = sum(1 for rs in records for r in rs if r.get("provisional"))
    assert all_answered is not None
    return {"names": len(doc.index), "answered": all_answered, "complete": done, "left": quick}


def run_child(path: Path, python: str, single_pass: bool) -> dict[str, Any]:
    """``measure`` in a fresh process (nothing in memory from the other way)."""
    return in_fresh_process("scripts.bench_hover_passes", path, python, single_pass)


def in_fresh_process(module: str, path: Path, python: str, flag: bool) -> dict[str, Any]:
    """``module.measure(path, python, flag)`` in a fresh Python process, its JSON result."""
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); "
        f"from {module} import measure; "
        "print(json.dumps(measure(sys.argv[2], sys.argv[3], sys.argv[4] == '1')))"
    )
    args = [str(ROOT), str(path), python, "1" if flag else "0"]
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> int:
    python = str(pandas_python())
    print(f"Python {sys.version.split()[0]}; the user's environment {python}\n")
    print(
        "| file | names | way | every name answered: CPU / wall | every answer complete:"
        " CPU / wall |"
    )
    print("|---|---|---|---|---|")
    for path in FILES:
        run_child(path, python, single_pass=False)  # parso's disk cache, the environment
        anchor = run_child(path, python, single_pass=True)
        passes = run_child(path, python, single_pass=False)
        assert anchor["left"] == 0 and passes["left"] == 0, "answers left incomplete"
        for name, result in (("one complete pass (anchor)", anchor), ("two passes", passes)):
            answered, complete = result["answered"], result["complete"]
            print(
                f"| {path.name} | {result['names']} | {name} | {answered[0]:.1f} s / "
                f"{answered[1]:.1f} s | {complete[0]:.1f} s / {complete[1]:.1f} s |"
            )
        ratio = passes["answered"][0] / anchor["answered"][0]
        total = passes["complete"][0] / anchor["complete"][0]
        print(f"| {path.name} | | ratio (CPU) | {ratio:.2f}x | {total:.2f}x |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
