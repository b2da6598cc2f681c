#!/usr/bin/env python3
"""Hover of prosepy vs. jedi-language-server over stdio: latency, and whether prosepy's
hover carries what jedi-language-server shows, at the same positions in one run.

Files: the standard library's ``argparse.py`` and ``collections/__init__.py``, and a
pandas script (``tests/explain/data/sales_report.py``) whose pandas lives only in a
separate "user" virtualenv (created once, reused: ``tests/userenv.py``) that both servers
are pointed at (prosepy ``run.python``, jedi-language-server ``workspace.environmentPath``).

Modes, each with fresh servers; prosepy starts with nothing kept from earlier sessions (an
empty ``PROSEPY_CACHE``): a first session. With ``--kept`` every mode runs prosepy once more
with the answers an earlier session kept (it opened the files and waited until every name
was analysed): the next day. With ``--workspace`` every mode runs prosepy once more in a
first session that opens the files only once prosepy has analysed the workspace's files
ahead (``explain.workspaceFiles``; the project folder's one file is the pandas script): a
file opened after the editor has been open a while.
- back to back: open a file, wait the editor's hover delay (``--open-delay-ms``, VS Code's
  default 300 ms), then hover every position as fast as answers come;
- paced: the same, ``--pause-ms`` (300) between hovers, like a person reading;
- first hover: for every position, open the file, wait the hover delay, hover once, close.

"jls content" positions are those where jedi-language-server's hover has a signature or
docs of a definition (its pydoc grammar help on keywords and operators, such as ``def`` or
``.``, is counted apart: prosepy explains the statement instead); prosepy "carries" it
when the first 100 characters (whitespace folded) of that signature block and of that
docstring are both in prosepy's hover. The goal: carried at
>= 95% of them in every mode, p50 <= 10 ms, p99 <= 50 ms, ahead of jedi-language-server
on every percentile. The machine's load average is printed before and after.

    .venv/bin/python scripts/bench_hover.py [--positions 100] [--modes back,paced,first]
        [--kept] [--workspace]
"""

from __future__ import annotations

import argparse
import ast
import os
import queue
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.baseline import export_tree, server_env  # noqa: E402
from tests.rawlsp import frame, read_message  # noqa: E402  (the one LSP framing)
from tests.userenv import importable_here, pandas_python  # noqa: E402

STDLIB = Path(sysconfig.get_paths()["stdlib"])
PROJECT = ROOT / "tests" / "explain" / "data"
FILES = [
    STDLIB / "argparse.py",
    STDLIB / "collections" / "__init__.py",
    PROJECT / "sales_report.py",
]
GOAL = {"carried": 0.95, "p50": 0.010, "p99": 0.050}
MODES = {"back": "back to back", "paced": "paced", "first": "first hover after opening"}
PERCENTILES = ("p50", "p90", "p99", "max")
#: BENCH_SHOW_MISSES=1: print both servers' hovers where prosepy's misses jls content.
SHOW_MISSES = bool(os.environ.get("BENCH_SHOW_MISSES"))
#: BENCH_SHOW_SLOW=N: print prosepy's N slowest hovers per mode (where, how long, what).
SHOW_SLOW = int(os.environ.get("BENCH_SHOW_SLOW") or 0)


class StdioServer:
    """A language server subprocess spoken to with framed JSON-RPC."""

    def __init__(self, command: list[str], env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None if os.environ.get("BENCH_STDERR") else subprocess.DEVNULL,
            env={**os.environ, **(env or {})},  # server_env's PYTHONPATH picks an older tree
        )
        self.responses: queue.Queue[dict[str, Any]] = queue.Queue()
        #: documents prosepy said it has analysed every name of (prosepy/symbolsReady)
        self.analysed: set[str] = set()
        self.next_id = 0
        self.versions: dict[str, int] = {}
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.proc.stdout
        assert stream is not None
        while (message := read_message(stream)) is not None:
            if "method" in message and "id" in message:  # a request to the client: answer it
                self._send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            elif "id" in message:
                self.responses.put(message)
            elif message.get("method") == "prosepy/symbolsReady":
                self.analysed.add(message["params"]["uri"])

    def _send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(frame(message))
        self.proc.stdin.flush()

    def request(self, method: str, params: Any, timeout: float = 300) -> Any:
        self.next_id += 1
        self._send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        deadline = time.monotonic() + timeout
        while True:
            try:
                message = self.responses.get(timeout=1)
            except queue.Empty:
                if self.proc.poll() is not None:
                    exited = self.proc.returncode
                    raise RuntimeError(f"{method}: the server exited ({exited})") from None
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{method}: no answer in {timeout} s") from None
                continue
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
                "processId": os.getpid(),
                "rootUri": PROJECT.as_uri(),
                "locale": "en",
                "capabilities": {  # as VS Code sends them (jls reads the completion one)
                    "textDocument": {
                        "hover": {"contentFormat": ["markdown", "plaintext"]},
                        "completion": {
                            "completionItem": {"documentationFormat": ["markdown", "plaintext"]}
                        },
                    }
                },
                "initializationOptions": options,
            },
        )
        self.notify("initialized", {})

    def open(self, path: Path, text: str) -> None:
        uri = path.as_uri()
        self.versions[uri] = self.versions.get(uri, 0) + 1
        item = {"uri": uri, "languageId": "python", "version": self.versions[uri], "text": text}
        self.notify("textDocument/didOpen", {"textDocument": item})

    def close(self, path: Path) -> None:
        self.notify("textDocument/didClose", {"textDocument": {"uri": path.as_uri()}})

    def hover(self, path: Path, line: int, column: int) -> tuple[float, str]:
        start = time.perf_counter()
        result = self.request(
            "textDocument/hover",
            {
                "textDocument": {"uri": path.as_uri()},
                "position": {"line": line, "character": column},
            },
        )
        elapsed = time.perf_counter() - start
        contents = (result or {}).get("contents")
        text = contents.get("value", "") if isinstance(contents, dict) else str(contents or "")
        return elapsed, text

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
    lines = source.splitlines()
    for _, stmt in stmts[::step][:count]:
        calls = [n for n in ast.walk(stmt) if isinstance(n, ast.Call) and n.lineno == stmt.lineno]
        names = [n for n in ast.walk(stmt) if isinstance(n, ast.Name) and n.lineno == stmt.lineno]
        line = lines[stmt.lineno - 1]
        if calls:
            func = calls[0].func
            end = func.end_col_offset or 0
            column = end - len(func.attr) if isinstance(func, ast.Attribute) else func.col_offset
        elif names:
            column = names[0].col_offset
        else:
            column = len(line) - len(line.lstrip())
        # ast columns are UTF-8 bytes; LSP positions here are the same for ASCII lines.
        chosen.append((stmt.lineno - 1, len(line.encode()[:column].decode(errors="ignore"))))
    return chosen


@dataclass
class Run:
    """One server's hovers in one mode: per file, (seconds, text) per position."""

    results: dict[Path, list[tuple[float, str]]] = field(default_factory=dict)
    #: per file, seconds it was open: from its opening (in "first": every opening) to the
    #: last hover's answer, the time its reader gave the server's jedi workers
    open_for: dict[Path, float] = field(default_factory=dict)
    #: seconds from the server's start to the first file's opening, when the run waited
    waited: float | None = None


def run_mode(
    command: list[str],
    options: Any,
    plan: list[tuple[Path, str, list[tuple[int, int]]]],
    mode: str,
    open_delay: float,
    pause: float,
    env: dict[str, str] | None = None,
    workspace_kept: Path | None = None,
) -> Run:
    """``workspace_kept``: open the files only once prosepy has kept answers there (it has
    analysed the workspace's files: the pandas script)."""
    run = Run()
    server = StdioServer(command, env)
    started = time.perf_counter()
    server.start(options)
    try:
        while workspace_kept is not None and not list(workspace_kept.glob("hover/*/*.json")):
            if time.perf_counter() - started > 600:
                raise TimeoutError("prosepy did not analyse the workspace in 10 minutes")
            time.sleep(0.1)
        if workspace_kept is not None:
            run.waited = time.perf_counter() - started
        for path, text, spots in plan:
            out = run.results.setdefault(path, [])
            if mode == "first":
                for line, column in spots:
                    opened = time.perf_counter()
                    server.open(path, text)
                    time.sleep(open_delay)
                    out.append(server.hover(path, line, column))
                    run.open_for[path] = run.open_for.get(path, 0.0) + time.perf_counter() - opened
                    server.close(path)
                continue
            opened = time.perf_counter()
            server.open(path, text)
            time.sleep(open_delay)
            for line, column in spots:
                if mode == "paced":
                    time.sleep(pause)
                out.append(server.hover(path, line, column))
            run.open_for[path] = time.perf_counter() - opened
            server.close(path)
    finally:
        server.stop()
    return run


def prepare_kept(command: list[str], options: Any, plan: list[Any], cache: Path) -> float:
    """An earlier session: open every file and wait until prosepy has analysed all their
    names (it keeps the answers in ``cache``); seconds it took."""
    started = time.perf_counter()
    server = StdioServer(command, {"PROSEPY_CACHE": str(cache)})
    server.start(options)
    try:
        for path, text, _ in plan:
            server.open(path, text)
        while not all(path.as_uri() in server.analysed for path, _, _ in plan):
            if time.perf_counter() - started > 1800:
                raise TimeoutError("prosepy did not analyse the files in 30 minutes")
            time.sleep(0.5)
        for path, _, _ in plan:
            server.close(path)
    finally:
        server.stop()
    return time.perf_counter() - started


_FENCE = re.compile(r"```python\n(.*?)\n```", re.S)


def jls_parts(text: str) -> tuple[str, str]:
    """jedi-language-server's hover: (signature block, docstring), either may be empty."""
    match = _FENCE.match(text.strip())
    signature = match.group(1) if match else ""
    rest = text.strip()[match.end() :] if match else text
    rest = rest.split("**Full name:**")[0].strip()
    if rest.startswith("---"):
        rest = rest[3:].strip()
    if rest.startswith("```python"):  # a variable's description, not a docstring
        rest = ""
    return signature, rest


def label(path: Path) -> str:
    return str(path.relative_to(STDLIB)) if path.is_relative_to(STDLIB) else path.name


def fold(text: str) -> str:
    return " ".join(text.split())


def is_keyword_help(jls_text: str) -> bool:
    """jedi-language-server's help on a keyword or operator (``def``, ``.``): the grammar
    from pydoc's topics. prosepy explains the statement instead and leaves it out."""
    return jls_parts(jls_text)[0].startswith("keyword ")


def has_content(jls_text: str) -> bool:
    signature, doc = jls_parts(jls_text)
    return bool(signature or doc) and not is_keyword_help(jls_text)


def carries(prosepy_text: str, jls_text: str) -> bool:
    signature, doc = jls_parts(jls_text)
    folded = fold(prosepy_text)
    return all(fold(part)[:100] in folded for part in (signature, doc) if part)


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def stats(times: list[float]) -> dict[str, float]:
    return {
        "p50": quantile(times, 0.5),
        "p90": quantile(times, 0.9),
        "p99": quantile(times, 0.99),
        "max": max(times) if times else float("nan"),
    }


def fmt(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def coverage_row(mode: str, name: str, cells: list[str], widths: list[int]) -> str:
    padded = [cell.rjust(width) for cell, width in zip(cells, widths, strict=True)]
    return f"| {mode:<44} | {name:<24} | " + " | ".join(padded) + " |"


def table_head(title: str, heads: list[str], widths: list[int]) -> None:
    print(title)
    print(coverage_row("mode", "file", heads, widths))
    print("|" + "|".join("-" * (w + 2) for w in [44, 24, *widths]) + "|")


def with_content(jls: Run, path: Path) -> list[int]:
    """The positions in ``path`` where jedi-language-server's hover has a signature or docs."""
    return [i for i, (_, text) in enumerate(jls.results[path]) if has_content(text)]


def carried_at(prosepy: Run, jls: Run, path: Path, ref: list[int]) -> int:
    """How many of the positions ``ref`` in ``path`` prosepy's hover carries jls content at."""
    ours, theirs = prosepy.results[path], jls.results[path]
    return sum(1 for i in ref if carries(ours[i][1], theirs[i][1]))


def report(runs: list[tuple[str, Run, Run]], plan: list[Any]) -> bool:
    """Tables for ``runs``: (label, prosepy's run, jedi-language-server's in the same mode)."""
    ok = True
    widths = [11, 16, 7, 13, 11, 16]
    table_head(
        "\nCoverage: positions where jedi-language-server shows a definition's signature or docs,"
        "\nand how many of them prosepy's hover carries (and how many say the docs are loading,"
        "\nor that a variable's value is still being worked out: a quick answer)\n",
        [
            "jls content",
            "prosepy carries",
            "loading",
            "value pending",
            "explanation",
            "jls keyword help",
        ],
        widths,
    )
    for mode, prosepy, jls in runs:
        total_ref = total_carried = 0
        for path, _, spots in plan:
            ours = prosepy.results[path]
            theirs = jls.results[path]
            ref = with_content(jls, path)
            carried = carried_at(prosepy, jls, path, ref)
            loading = sum(1 for _, t in ours if "are loading" in t)
            pending = sum(1 for _, t in ours if "is still being worked out" in t)
            explained = sum(1 for _, t in ours if t and not t.startswith("```"))
            keywords = sum(1 for _, t in theirs if is_keyword_help(t))
            total_ref += len(ref)
            total_carried += carried
            share = carried / len(ref) if ref else 1.0
            cells = [
                f"{len(ref)}",
                f"{carried} ({share:.1%})",
                f"{loading}",
                f"{pending}",
                f"{explained}/{len(spots)}",
                f"{keywords}",
            ]
            print(coverage_row(mode, label(path), cells, widths))
        share = total_carried / total_ref if total_ref else 1.0
        verdict = "ok" if share >= GOAL["carried"] else "MISSED"
        ok = ok and share >= GOAL["carried"]
        cells = [f"{total_ref}", f"{total_carried} ({share:.1%})", "", "", verdict, ""]
        print(coverage_row(mode, "all files", cells, widths))
    if SHOW_MISSES:
        for mode, prosepy, jls in runs:
            for path, _, spots in plan:
                ours = prosepy.results[path]
                theirs = jls.results[path]
                for i, (line, column) in enumerate(spots):
                    if has_content(theirs[i][1]) and not carries(ours[i][1], theirs[i][1]):
                        print(f"\n--- {mode} {label(path)}:{line + 1}:{column}")
                        print("jls:    ", repr(theirs[i][1][:300]))
                        print("prosepy:", repr(ours[i][1].split("---", 1)[-1][:300]))
    for mode, prosepy, _ in runs if SHOW_SLOW else []:
        print(f"\n{mode}: the {SHOW_SLOW} slowest hovers")
        hovers = [
            (seconds, label(path), spots[i], text)
            for path, _, spots in plan
            for i, (seconds, text) in enumerate(prosepy.results[path])
        ]
        for seconds, name, (line, column), text in sorted(hovers, reverse=True)[:SHOW_SLOW]:
            jedi_part = text.split("\n\n---\n\n", 1)[-1][:90]
            print(f"  {fmt(seconds):>9} {name}:{line + 1}:{column} {jedi_part!r}")
    work_table(runs, plan)
    print("\nLatency per hover (all files), prosepy / jedi-language-server in the same mode\n")
    print(
        f"| {'mode':<44} | "
        + " | ".join(f"{p:>25}" for p in PERCENTILES)
        + " | goal (p50, p99)    |"
    )
    print(f"|{'-' * 46}|" + "|".join("-" * 27 for _ in PERCENTILES) + f"|{'-' * 20}|")
    for mode, prosepy, jls in runs:
        our_times = stats([t for r in prosepy.results.values() for t, _ in r])
        their_times = stats([t for r in jls.results.values() for t, _ in r])
        cells = []
        for p in PERCENTILES:
            ratio = our_times[p] / their_times[p]
            cells.append(f"{fmt(our_times[p])} / {fmt(their_times[p])} = {ratio:.2f}x".rjust(25))
        ahead = all(our_times[p] < their_times[p] for p in PERCENTILES)
        goal = our_times["p50"] <= GOAL["p50"] and our_times["p99"] <= GOAL["p99"]
        ok = ok and goal and ahead
        verdict = ("ok" if goal else "MISSED") + ("" if ahead else ", behind jls")
        print(f"| {mode:<44} | " + " | ".join(cells) + f" | {verdict:<18} |")
    return ok


def within(costs: list[float], seconds: float) -> int:
    """How many of the positions costing ``costs`` fit in ``seconds``: the cheapest first,
    which fits the most."""
    count, spent = 0, 0.0
    for cost in sorted(costs):
        spent += cost
        if spent > seconds:
            break
        count += 1
    return count


def work_table(runs: list[tuple[str, Run, Run]], plan: list[Any]) -> None:
    """For a first session: the jedi work its positions take and the time the reader gave.

    jedi-language-server answers each hover by running jedi then, in one process: its time
    at a position is what jedi needs there. prosepy's two workers have the time the file was
    open (to the last hover's answer) on 2 cores. If jedi's cost at each position in
    prosepy's workers were what it was in jedi-language-server's, at most the cheapest
    positions that fit in twice that time could be answered before their hover, in any
    order of work (shared answers, such as a name's other uses, can only do better)."""
    rows = [(mode, ours, theirs) for mode, ours, theirs in runs if mode.endswith("first session")]
    if not rows:
        return
    widths = [11, 8, 9, 23, 16]
    table_head(
        "\nTime in a first session: jedi's work for the positions with jls content (jedi-"
        "\nlanguage-server's time there) against the time each file was open in prosepy's run\n",
        ["jedi's work", "open", "2 workers", "could be ready, at most", "carried"],
        widths,
    )
    for mode, ours, theirs in rows:
        totals: list[float] = [0.0] * 5
        for path, _, _ in plan:
            ref = with_content(theirs, path)
            work = sum(theirs.results[path][i][0] for i in ref)
            open_for = ours.open_for.get(path, 0.0)
            fits = within([theirs.results[path][i][0] for i in ref], 2 * open_for)
            carried = carried_at(ours, theirs, path, ref)
            share = fits / len(ref) if ref else 1.0
            cells = [
                fmt(work),
                fmt(open_for),
                fmt(2 * open_for),
                f"{fits} of {len(ref)} ({share:.0%})",
            ]
            print(coverage_row(mode, label(path), [*cells, f"{carried}"], widths))
            for k, value in enumerate((work, open_for, fits, len(ref), carried)):
                totals[k] += value
        work, open_for, all_fit, count, all_carried = totals
        share = all_fit / count if count else 1.0
        cells = [
            fmt(work),
            fmt(open_for),
            fmt(2 * open_for),
            f"{all_fit:.0f} of {count:.0f} ({share:.0%})",
        ]
        print(coverage_row(mode, "all files", [*cells, f"{all_carried:.0f}"], widths))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--positions", type=int, default=100, help="hovers per file")
    parser.add_argument(
        "--modes", default="back,paced,first", help="comma-separated: " + ",".join(MODES)
    )
    parser.add_argument("--budget-ms", type=int, default=None, help="explain.jediBudgetMs")
    parser.add_argument("--pause-ms", type=int, default=300, help="pause between paced hovers")
    parser.add_argument("--open-delay-ms", type=int, default=300, help="hover delay after opening")
    parser.add_argument(
        "--kept",
        action="store_true",
        help="also run prosepy with the answers an earlier session kept (the next day)",
    )
    parser.add_argument(
        "--workspace",
        action="store_true",
        help="also run prosepy in a first session that opens the files once it has analysed"
        " the workspace (whose one file is the pandas script): the editor open a while",
    )
    parser.add_argument(
        "--baseline", default=None, help="also run this commit's server (before/after)"
    )
    args = parser.parse_args()
    modes = [m for m in args.modes.split(",") if m]
    if any(m not in MODES for m in modes):
        parser.error(f"--modes takes {', '.join(MODES)}")
    jls = shutil.which("jedi-language-server", path=str(Path(sys.executable).parent))
    if jls is None:
        print("jedi-language-server is not installed: pip install -e '.[dev]'", file=sys.stderr)
        return 2
    user_python = pandas_python()
    if importable_here("pandas"):
        print("note: pandas is importable in prosepy's own environment too", file=sys.stderr)
    plan = []
    for path in FILES:
        text = path.read_text(encoding="utf-8")
        plan.append((path, text, positions(text, args.positions)))
    options: dict[str, Any] = {"run": {"python": str(user_python)}}
    if args.budget_ms:
        options["explain"] = {"jediBudgetMs": args.budget_ms}
    jls_options = {"workspace": {"environmentPath": str(user_python)}}
    print(
        f"{sum(len(p[2]) for p in plan)} hover positions in {', '.join(p.name for p in FILES)} "
        f"(Python {sys.version.split()[0]}; pandas from {user_python})"
    )
    print(f"before: {load()}")
    command = [sys.executable, "-m", "prosepy.server"]
    delay, pause = args.open_delay_ms / 1000, args.pause_ms / 1000
    scratch = Path(tempfile.mkdtemp(prefix="prosepy-bench-hover-"))
    kept = scratch / "kept"
    if args.kept:
        took = prepare_kept(command, options, plan, kept)
        print(f"earlier session (analyses all names, keeps the answers): {took:.0f} s, {load()}")
    tree = export_tree(args.baseline) if args.baseline else None
    runs: list[tuple[str, Run, Run]] = []
    for mode in modes:
        started = time.perf_counter()
        fresh = scratch / f"fresh-{mode}"  # nothing kept: a first session
        first = run_mode(command, options, plan, mode, delay, pause, {"PROSEPY_CACHE": str(fresh)})
        theirs = run_mode([jls], jls_options, plan, mode, delay, pause)
        runs.append((f"{MODES[mode]}, first session", first, theirs))
        if tree is not None:  # the older commit's server, in this environment
            before_env = server_env(tree, PROSEPY_CACHE=str(scratch / f"before-{mode}"))
            before = run_mode(command, options, plan, mode, delay, pause, before_env)
            runs.append((f"{MODES[mode]}, before ({args.baseline})", before, theirs))
        if args.workspace:
            quiet = scratch / f"workspace-{mode}"
            env = {"PROSEPY_CACHE": str(quiet)}
            ahead = run_mode(command, options, plan, mode, delay, pause, env, quiet)
            label = f"{MODES[mode]}, first session, opened {ahead.waited:.0f} s after the start"
            runs.append((label, ahead, theirs))
        if args.kept:
            again = scratch / f"kept-{mode}"
            shutil.copytree(kept, again)
            later = run_mode(
                command, options, plan, mode, delay, pause, {"PROSEPY_CACHE": str(again)}
            )
            runs.append((f"{MODES[mode]}, answers kept from before", later, theirs))
        print(f"{MODES[mode]}: {time.perf_counter() - started:.0f} s, {load()}")
    shutil.rmtree(scratch, ignore_errors=True)
    ok = report(runs, plan)
    print(f"\nafter: {load()}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
