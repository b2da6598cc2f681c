#!/usr/bin/env python3
"""The jedi workers without jedi's search for a list's contents, against jedi's default.

jedi infers what a list holds from every ``append``, ``extend`` and ``insert`` on it
(``jedi.settings.dynamic_array_additions``, on by default, and so in jedi-language-server:
the anchor). The workers turn it off (``worker.configure_jedi``). For each file, each way
runs the background worker over every name of the document in a fresh process (nothing in
memory from the other way; parso's disk cache warmed first) and reports the CPU and wall
seconds until every answer was complete, and at how many names the two ways' answers
differ (which definitions, or what the hover's first line says). Files: ``argparse.py``,
``collections/__init__.py`` and the pandas script with pandas in the user's environment.

    .venv/bin/python scripts/bench_hover_lists.py
"""

from __future__ import annotations

import sys
import sysconfig
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from scripts.bench_hover_passes import background_worker, in_fresh_process  # noqa: E402
from tests.userenv import pandas_python  # noqa: E402

STDLIB = Path(sysconfig.get_paths()["stdlib"])
FILES = [
    STDLIB / "argparse.py",
    STDLIB / "collections" / "__init__.py",
    ROOT / "tests" / "explain" / "data" / "sales_report.py",
]


def measure(path: str, python: str, lists: bool) -> dict[str, Any]:
    """In this process: the background worker analyses every name of ``path``, with
    jedi's list contents (``lists``) or as the workers run."""
    import jedi.settings

    from prosepy.explain.symbols.worker import configure_jedi

    configure_jedi()
    if lists:  # the anchor
        jedi.settings.dynamic_array_additions = True
    worker = background_worker(path, python)
    text = Path(path).read_text(encoding="utf-8")
    uri = Path(path).as_uri()
    cpu, wall = time.process_time(), time.perf_counter()
    worker.open({"op": "open", "uri": uri, "path": path, "version": 1, "text": text, "focus": 0})
    doc = worker.docs[uri]
    while worker._has_work():
        worker.step()
        worker.out.flush()
    done = (time.process_time() - cpu, time.perf_counter() - wall)
    answers = {}
    for line, row in doc.index.lines.items():
        for col, (_, keys) in row.items():
            records = worker.defs.get_all(keys) or []
            answers[f"{line}:{col}"] = [[r["key"], r.get("header", "")] for r in records]
    return {"complete": done, "answers": answers}


def main() -> int:
    python = str(pandas_python())
    print(f"Python {sys.version.split()[0]}; the user's environment {python}\n")
    print("| file | names | way | every answer complete: CPU / wall | answers that differ |")
    print("|---|---|---|---|---|")
    for path in FILES:
        in_fresh_process("scripts.bench_hover_lists", path, python, False)  # disk caches
        anchor = in_fresh_process("scripts.bench_hover_lists", path, python, True)
        ours = in_fresh_process("scripts.bench_hover_lists", path, python, False)
        names = len(anchor["answers"])
        differ = [p for p, a in anchor["answers"].items() if ours["answers"].get(p) != a]
        lost = [p for p in differ if anchor["answers"][p] and not ours["answers"].get(p)]
        ways = (("list contents (jedi's default)", anchor), ("without (the workers)", ours))
        for way, result in ways:
            cpu, wall = result["complete"]
            print(f"| {path.name} | {names} | {way} | {cpu:.1f} s / {wall:.1f} s | |")
        ratio = ours["complete"][0] / anchor["complete"][0]
        print(
            f"| {path.name} | | ratio (CPU) | {ratio:.2f}x | {len(differ)}"
            f" ({len(lost)} with no answer now) |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
