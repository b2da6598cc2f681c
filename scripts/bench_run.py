#!/usr/bin/env python3
"""Round trip of a run, request to result: prosepy's sandbox vs. a fresh ``python -c`` and a
warm Jupyter kernel (the anchor: the goal is prosepy below it).

    .venv/bin/python scripts/bench_run.py [--repeat 30] [--baseline COMMIT] [--python PY]

prosepy is measured through the real server over stdio (``workspace/executeCommand``
``prosepy.run``, JSON-RPC framing included), with all sandbox layers on; in session mode (the
default), in session mode without recording the values of loops' assignments
(``run.stepValues`` off: what that recording costs in a 1,000,000-iteration loop), and in
fresh mode (a new sandboxed interpreter per run, from the warm pool). The jobs: ``print(1)``,
a 100 ms CPU job, the 1,000,000-iteration loop, and a matplotlib plot (PNG returned).
``--baseline COMMIT`` also runs that commit's server (its ``server/`` and ``explain/``,
exported with ``git archive``), interleaved with this one, for a before/after in one run.
Snippets run with ``--python`` (default: the snippet Python that ``scripts/setup test``
makes, which has matplotlib and ipykernel; the Jupyter kernel runs on it too), else with this
interpreter and without the plot job. Needs ``ipykernel`` and ``jupyter_client``.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.baseline import export_tree, server_env  # noqa: E402
from tests.rawlsp import frame, read_message  # noqa: E402  (the one LSP framing)

PY = sys.executable
LOOP = "total = 0\nfor i in range(1_000_000):\n    total += i"
PLOT = (
    "import matplotlib.pyplot as plt\nfig, ax = plt.subplots(figsize=(4, 3))\n"
    "ax.plot([i * i for i in range(100)])\nplt.show()"
)


def calibrate_cpu_job(target_s: float = 0.1) -> str:
    """A pure-Python loop that takes ~``target_s`` on this machine, as one line of code."""
    n = 200_000
    while True:
        start = time.perf_counter()
        sum(i * i for i in range(n))
        took = time.perf_counter() - start
        if took > 0.02:
            break
        n *= 2
    n = int(n * target_s / took)
    best = min(_timed(n) for _ in range(3))
    n = int(n * target_s / best)
    return f"total = sum(i * i for i in range({n}))"


def _timed(n: int) -> float:
    start = time.perf_counter()
    sum(i * i for i in range(n))
    return time.perf_counter() - start


class Server:
    """The real prosepy server over stdio, with a tiny synchronous JSON-RPC client."""

    def __init__(self, tree: Path | None = None) -> None:
        env = server_env(tree)
        self.proc = subprocess.Popen(
            [PY, "-m", "prosepy.server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=ROOT,
            env=env,
        )
        self.inbox: queue.Queue[dict[str, Any]] = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while (message := read_message(out)) is not None:
            self.inbox.put(message)

    def send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(frame(message))
        self.proc.stdin.flush()

    def request(self, method: str, params: Any) -> Any:
        self.next_id += 1
        my_id = self.next_id
        self.send({"jsonrpc": "2.0", "id": my_id, "method": method, "params": params})
        while True:
            message = self.inbox.get(timeout=120)
            if message.get("id") == my_id and "method" not in message:
                if "error" in message:
                    raise RuntimeError(message["error"])
                return message.get("result")
            if "method" in message and "id" in message:  # a server request: answer null
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})

    def notify(self, method: str, params: Any) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def close(self) -> None:
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()


class Prosepy:
    """One server and one open document whose lines are the jobs."""

    def __init__(
        self,
        codes: dict[str, str],
        mode: str,
        tree: Path | None = None,
        python: str = PY,
        step_values: bool = True,
    ) -> None:
        self.mode = mode
        folder = Path(tempfile.mkdtemp(prefix="prosepy-bench-"))
        doc = folder / "bench.py"
        text = "".join(code + "\n" for code in codes.values())
        doc.write_text(text)
        self.server = Server(tree)
        run = {"mode": mode, "python": python, "timeoutS": 60}
        if not step_values:
            run["stepValues"] = False
        self.server.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": folder.as_uri(),
                "capabilities": {},
                "initializationOptions": {"run": run},
            },
        )
        self.server.notify("initialized", {})
        self.uri = doc.as_uri()
        self.server.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": self.uri, "languageId": "python", "version": 1, "text": text}},
        )
        self.lines: dict[str, tuple[int, int]] = {}
        first = 0
        for name, code in codes.items():
            self.lines[name] = (first, first + code.count("\n"))
            first += code.count("\n") + 1
        for name in codes:
            for _ in range(3):  # warm-up: probe, session start, warm pool
                result = self._run(name)
                time.sleep(0.2)
            assert result["ok"] and result["strength"] == "strong", result

    def _run(self, name: str) -> Any:
        first, last = self.lines[name]
        span = {"start": {"line": first, "character": 0}, "end": {"line": last + 1, "character": 0}}
        args = {"uri": self.uri, "range": span}
        return self.server.request(
            "workspace/executeCommand", {"command": "prosepy.run", "arguments": [args]}
        )

    def once(self, name: str) -> float:
        start = time.perf_counter()
        self._run(name)
        return (time.perf_counter() - start) * 1000

    def close(self) -> None:
        self.server.close()


class PythonC:
    def __init__(self, codes: dict[str, str], python: str = PY) -> None:
        self.codes = codes
        self.python = python

    def once(self, name: str) -> float:
        start = time.perf_counter()
        env = dict(os.environ, MPLBACKEND="Agg")
        subprocess.run(
            [self.python, "-c", self.codes[name]], check=True, stdout=subprocess.DEVNULL, env=env
        )
        return (time.perf_counter() - start) * 1000

    def close(self) -> None:
        pass


def _quiet(message: Any) -> None:
    """Outputs (a plot's PNG included) are made by the kernel and dropped here."""


class Jupyter:
    """A warm kernel on the snippets' Python; plots come back inline as PNG, as in a notebook."""

    def __init__(self, codes: dict[str, str], python: str = PY) -> None:
        from jupyter_client.manager import start_new_kernel

        self.codes = codes
        # a kernel spec for that Python, found through JUPYTER_PATH
        specs = Path(tempfile.mkdtemp(prefix="prosepy-bench-kernels-"))
        (specs / "kernels" / "snippets").mkdir(parents=True)
        argv = [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        spec = {"argv": argv, "display_name": "snippets", "language": "python"}
        (specs / "kernels" / "snippets" / "kernel.json").write_text(json.dumps(spec))
        os.environ["JUPYTER_PATH"] = str(specs)
        self.km, self.kc = start_new_kernel(kernel_name="snippets")
        if "plot" in codes:
            self.kc.execute_interactive("%matplotlib inline", timeout=60, output_hook=_quiet)
        for name in codes:
            for _ in range(3):
                self.once(name)

    def once(self, name: str) -> float:
        start = time.perf_counter()
        reply = self.kc.execute_interactive(self.codes[name], timeout=60, output_hook=_quiet)
        took = (time.perf_counter() - start) * 1000
        assert reply["content"]["status"] == "ok"
        return took

    def close(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


def snippet_python() -> str:
    """The Python that ``scripts/setup test`` makes for snippets (tests/views), else ours."""
    from tests.views.snippet_python import location

    found = location()
    return str(found) if has(str(found), "ipykernel") else PY


def has(python: str, module: str) -> bool:
    done = subprocess.run([python, "-c", f"import {module}"], capture_output=True)
    return done.returncode == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--baseline", help="also run this commit's server (before/after)")
    parser.add_argument("--python", help="the snippets' Python (with matplotlib and ipykernel)")
    args = parser.parse_args()
    try:
        import ipykernel  # noqa: F401
        import jupyter_client  # noqa: F401
    except ImportError:
        print("needs ipykernel and jupyter_client: .venv/bin/pip install -e '.[dev]'")
        return 2
    python = args.python or snippet_python()
    codes = {"print(1)": "print(1)", "100 ms CPU job": calibrate_cpu_job(), "1M-step loop": LOOP}
    if has(python, "matplotlib"):
        codes["plot"] = PLOT
    load_before = os.getloadavg()
    runners: dict[str, Prosepy | PythonC | Jupyter] = {}
    if args.baseline:
        tree = export_tree(args.baseline)
        runners["session before"] = Prosepy(codes, "session", tree, python)
    runners["prosepy session"] = Prosepy(codes, "session", python=python)
    runners["session, no step values"] = Prosepy(codes, "session", python=python, step_values=False)
    if args.baseline:
        runners["fresh before"] = Prosepy(codes, "fresh", tree, python)
    runners["prosepy fresh"] = Prosepy(codes, "fresh", python=python)
    runners["python -c"] = PythonC(codes, python)
    runners["Jupyter warm kernel"] = Jupyter(codes, python)
    columns: dict[str, dict[str, list[float]]] = {r: {n: [] for n in codes} for r in runners}
    try:
        # Interleaved, so that load from other processes on this shared machine hits all alike.
        for _ in range(args.repeat):
            for runner_name, runner in runners.items():
                for name in codes:
                    columns[runner_name][name].append(runner.once(name))
                    time.sleep(0.3)  # a user's pause between runs (lets the warm pool refill)
    finally:
        for runner in runners.values():
            runner.close()
    anchor = "Jupyter warm kernel"
    print(
        f"round trip, request to result: median ms over {args.repeat} runs (p90 in brackets);"
        f" ratio = column / {anchor}"
    )
    print(
        f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; snippets: {python}; "
        f"CPU job: {codes['100 ms CPU job']}; 1M-step loop: {LOOP!r}"
    )
    load = ", ".join(f"{a:.2f}/{b:.2f}" for a, b in zip(load_before, os.getloadavg(), strict=True))
    print(f"load average 1/5/15 min, before/after: {load}")
    if args.baseline:
        print(f'"before": commit {args.baseline}; the other prosepy columns: this tree')
    header = f"| {'job':<16} | " + " | ".join(f"{c:>26}" for c in columns) + " |"
    print(header)
    print("|" + "-" * 18 + "|" + "|".join("-" * 28 for _ in columns) + "|")
    for name in codes:
        base = statistics.median(columns[anchor][name])
        cells = []
        for column in columns.values():
            samples = sorted(column[name])
            med = statistics.median(samples)
            p90 = samples[int(0.9 * (len(samples) - 1))]
            cells.append(f"{med:8.2f} ({p90:7.2f}) x{med / base:5.2f}")
        print(f"| {name:<16} | " + " | ".join(f"{c:>26}" for c in cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
