#!/usr/bin/env python3
"""Hover latency of prosepy vs. jedi-language-server, over stdio, at the same positions.

Both servers start fresh, open the same standard-library files and answer the same hovers
in the same order, one at a time (as an editor sends them). Printed: p50/p90/max per
server, ratios, the anchor measured earlier for jedi-language-server on argparse.py
(p50 19 ms, p90 1.9 s, max 5.8 s) and the goal for prosepy (p50 < 10 ms, p90 < 50 ms,
explanation always present).

    .venv/bin/python scripts/bench_hover.py [--positions 120] [--budget-ms N]
"""

from __future__ import annotations

import argparse
import ast
import os
import queue
import shutil
import statistics
import subprocess
import sys
import sysconfig
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.rawlsp import frame, read_message  # noqa: E402  (the one LSP framing)

STDLIB = Path(sysconfig.get_paths()["stdlib"])
FILES = [("argparse.py", 1.0), ("collections/__init__.py", 0.5)]
ANCHOR_JLS = {"p50": 0.019, "p90": 1.9, "max": 5.8}
GOAL = {"p50": 0.010, "p90": 0.050}


class StdioServer:
    """A language server subprocess spoken to with framed JSON-RPC."""

    def __init__(self, command: list[str]) -> None:
        self.proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=ROOT,
        )
        self.responses: queue.Queue[dict[str, Any]] = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.proc.stdout
        assert stream is not None
        while (message := read_message(stream)) is not None:
            if "method" in message and "id" in message:  # a request to the client: answer it
                self._send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            elif "id" in message:
                self.responses.put(message)

    def _send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(frame(message))
        self.proc.stdin.flush()

    def request(self, method: str, params: Any, timeout: float = 120) -> Any:
        self.next_id += 1
        self._send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        while True:
            message = self.responses.get(timeout=timeout)
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result")

    def notify(self, method: str, params: Any) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def start(self, options: Any) -> None:
        self.request(
            "initialize",
            {
                "processId": None,
                "rootUri": STDLIB.as_uri(),
                "locale": "en",
                "capabilities": {
                    "textDocument": {"hover": {"contentFormat": ["markdown", "plaintext"]}}
                },
                "initializationOptions": options,
            },
        )
        self.notify("initialized", {})

    def stop(self) -> None:
        try:
            self.request("shutdown", None, timeout=10)
            self.notify("exit", None)
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()


def positions(source: str, count: int) -> list[tuple[int, int]]:
    """Evenly spread statements; the cursor on a called name, else the first name, else the line."""
    tree = ast.parse(source)
    stmts = sorted(
        {(s.lineno, s) for s in ast.walk(tree) if isinstance(s, ast.stmt)}, key=lambda pair: pair[0]
    )
    step = max(1, len(stmts) // count)
    chosen = []
    for _, stmt in stmts[::step][:count]:
        calls = [n for n in ast.walk(stmt) if isinstance(n, ast.Call) and n.lineno == stmt.lineno]
        names = [n for n in ast.walk(stmt) if isinstance(n, ast.Name) and n.lineno == stmt.lineno]
        line = source.splitlines()[stmt.lineno - 1]
        if calls:
            func = calls[0].func
            column = (
                (func.end_col_offset or 0) - len(func.attr)
                if isinstance(func, ast.Attribute)
                else func.col_offset
            )
        elif names:
            column = names[0].col_offset
        else:
            column = len(line) - len(line.lstrip())
        # ast columns are UTF-8 bytes; LSP positions here are the same for ASCII lines.
        chosen.append((stmt.lineno - 1, len(line.encode()[:column].decode(errors="ignore"))))
    return chosen


def measure(
    command: list[str],
    options: Any,
    plan: list[tuple[Path, str, list[tuple[int, int]]]],
    pause: float = 0.0,
) -> tuple[list[float], list[str]]:
    server = StdioServer(command)
    server.start(options)
    times, texts = [], []
    try:
        for path, text, _spots in plan:
            server.notify(
                "textDocument/didOpen",
                {
                    "textDocument": {
                        "uri": path.as_uri(),
                        "languageId": "python",
                        "version": 1,
                        "text": text,
                    }
                },
            )
        for path, _, spots in plan:
            for line, column in spots:
                time.sleep(pause)
                start = time.perf_counter()
                result = server.request(
                    "textDocument/hover",
                    {
                        "textDocument": {"uri": path.as_uri()},
                        "position": {"line": line, "character": column},
                    },
                )
                times.append(time.perf_counter() - start)
                contents = (result or {}).get("contents")
                texts.append(
                    contents.get("value", "") if isinstance(contents, dict) else str(contents or "")
                )
    finally:
        server.stop()
    return times, texts


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def fmt(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--positions", type=int, default=120, help="hovers in argparse.py")
    parser.add_argument(
        "--budget-ms",
        type=int,
        default=None,
        help="prosepy's explain.jediBudgetMs (default: the setting's default)",
    )
    parser.add_argument(
        "--pause-ms", type=int, default=300, help="pause before each hover in the paced run"
    )
    args = parser.parse_args()
    plan = []
    for name, share in FILES:
        path = STDLIB / name
        text = path.read_text(encoding="utf-8")
        plan.append((path, text, positions(text, int(args.positions * share))))
    total = sum(len(p[2]) for p in plan)
    options = {"explain": {"jediBudgetMs": args.budget_ms}} if args.budget_ms else None
    prosepy = [sys.executable, "-m", "prosepy.server"]
    jls = shutil.which("jedi-language-server", path=str(Path(sys.executable).parent))
    if jls is None:
        print("jedi-language-server is not installed: pip install -e '.[dev]'", file=sys.stderr)
        return 2
    pause = args.pause_ms / 1000
    print(
        f"{total} hovers over {', '.join(n for n, _ in FILES)} (standard library of Python "
        f"{sys.version.split()[0]}), one at a time, fresh servers; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    runs = {
        "prosepy": measure(prosepy, options, plan),
        "prosepy paced": measure(prosepy, options, plan, pause),
        "jls": measure([jls], None, plan),
    }
    stats = {
        name: {"p50": statistics.median(ts), "p90": quantile(ts, 0.9), "max": max(ts)}
        for name, (ts, _) in runs.items()
    }
    print()
    print(
        f"| {'metric':<6} | {'prosepy':>9} | {f'prosepy, {args.pause_ms} ms apart':>24} "
        f"| {'jedi-language-server':>20} | {'prosepy / jls':>13} | {'anchor (jls, earlier)':>21} "
        f"| {'prosepy goal':>16} |"
    )
    print(f"|{'-' * 8}|{'-' * 11}|{'-' * 26}|{'-' * 22}|{'-' * 15}|{'-' * 23}|{'-' * 18}|")
    for metric in ("p50", "p90", "max"):
        p, paced, j = (stats[n][metric] for n in ("prosepy", "prosepy paced", "jls"))
        goal = ""
        if metric in GOAL:
            goal = f"< {fmt(GOAL[metric])} " + ("ok" if p < GOAL[metric] else "MISSED")
        print(
            f"| {metric:<6} | {fmt(p):>9} | {fmt(paced):>24} | {fmt(j):>20} | {p / j:>12.2f}x "
            f"| {fmt(ANCHOR_JLS[metric]):>21} | {goal:>16} |"
        )
    print()
    ok = True
    for name in ("prosepy", "prosepy paced"):
        texts = runs[name][1]
        explained = sum(1 for t in texts if t and not t.startswith("```"))
        signed = sum(1 for t in texts if "```python" in t)
        ok = ok and explained == total
        print(
            f"{name}: explanation in {explained}/{total} hovers; jedi's signature or docs "
            f"(answered within the budget) in {signed}/{total}"
        )
    print(
        "Back to back, jedi is still busy with an earlier hover and prosepy answers without it; "
        "paced like a person, it waits for jedi up to the budget."
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
