"""Latency under load and the long soak, through the real server over stdio.

    .venv/bin/python scripts/bench_load.py [--samples 150] [--runs 1000] [--generations 100]
                                           [--scripted]

1. Hover and code-action latency (p50/p99) on a 400-line file, idle and with a generation in
   flight (the real bundled model generating with ``n_threads=1``; ``--scripted`` uses the
   model double instead). The anchor is the idle server: the table prints in-flight / idle.
2. The soak: ``--runs`` runs (documents opened and closed in turn, session mode) and
   ``--generations`` generations in one server process. Prints server RSS, file descriptors,
   threads, sandbox processes and temp entries every 10% of the way, then what was left
   after shutdown. The anchor is the state after a warm-up: the table prints growth.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.robustness.editor import Doc, Editor  # noqa: E402

MODEL = Path.home() / ".cache/prosepy/models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
LONG_REQUEST = (
    "# nl: write a class Inventory with methods add, remove, count, total_value, "
    "most_expensive, cheapest, restock, to_json and from_json, each with a docstring"
)
SHORT_REQUEST = "# nl: print the sum of the squares of 1 to 10"


def sample_file() -> str:
    parts = ["import json\nimport os\nfrom pathlib import Path\n\n"]
    for i in range(40):
        parts.append(
            f"def step_{i}(rows, factor={i}):\n"
            f"    total = sum(r * factor for r in rows)\n"
            f"    path = Path(os.getcwd()) / 'out_{i}.json'\n"
            f"    text = json.dumps({{'total': total}})\n"
            f"    return len(text) + len(str(path))\n\n"
        )
    parts.append(f"\n{LONG_REQUEST}\n\n{SHORT_REQUEST}\n")
    return "".join(parts)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def generating(ed: Editor, since: int) -> bool:
    for message in ed.notifications[since:]:
        value = (message.get("params") or {}).get("value") or {}
        if message["method"] == "$/progress" and value.get("kind") == "report":
            if "tokens" in (value.get("message") or ""):
                return True
    return False


class Load:
    """Hover/code-action sampling on one document."""

    def __init__(self, ed: Editor, doc: Doc) -> None:
        self.ed, self.doc = ed, doc
        self.lines = doc.text.split("\n")
        self.positions = [
            (n, len(line) - len(line.lstrip()) + 1)
            for n, line in enumerate(self.lines)
            if line.strip() and not line.lstrip().startswith("#")
        ]
        self.i = 0

    def hover(self) -> float:
        line, col = self.positions[self.i % len(self.positions)]
        self.i += 7
        start = time.perf_counter()
        reply = self.ed.response(self.ed.hover(self.doc, line, col))
        assert "result" in reply, reply
        return (time.perf_counter() - start) * 1000

    def action(self) -> float:
        line = self.lines.index(SHORT_REQUEST) - (self.i % 3)
        self.i += 1
        start = time.perf_counter()
        reply = self.ed.response(self.ed.code_actions(self.doc, line))
        assert "result" in reply, reply
        return (time.perf_counter() - start) * 1000


def start_generation(ed: Editor, doc: Doc, line: int) -> int:
    actions = ed.generate_actions(doc, line)
    since = len(ed.notifications)
    msg_id = ed.request("codeAction/resolve", actions[0])
    ed.poll(lambda: generating(ed, since) or ed.done(msg_id), timeout=900)
    return msg_id


def latency(args: argparse.Namespace, env: dict[str, str]) -> dict[str, dict[str, list[float]]]:
    options = {"generate": {"maxTokens": 1024, "timeBudgetS": 600}, "model": {"nThreads": 1}}
    ed = Editor(env=env, options=options)
    try:
        doc = ed.open("load.py", sample_file())
        load = Load(ed, doc)
        line_long = load.lines.index(LONG_REQUEST)
        for _ in range(20):  # warm-up: jedi imports, parse caches
            load.hover()
            load.action()
        out: dict[str, dict[str, list[float]]] = {"idle": {"hover": [], "codeAction": []}}
        out["generating"] = {"hover": [], "codeAction": []}
        # in flight first: the first generation also loads the model, so "idle" is warm too
        gen = start_generation(ed, doc, line_long)
        generations = 1
        while len(out["generating"]["hover"]) < args.samples:
            h, a = load.hover(), load.action()
            if ed.done(gen):  # finished meanwhile: these samples may not overlap it
                ed.response(gen)
                # a new line just above the request: a new prompt, not a cache hit
                at = doc.text.index(LONG_REQUEST)
                doc.type_at(at, f"seed_{generations} = {generations}\n")
                gen = start_generation(ed, doc, doc.text[:at].count("\n") + 1)
                generations += 1
                continue
            out["generating"]["hover"].append(h)
            out["generating"]["codeAction"].append(a)
        ed.notify("$/cancelRequest", {"id": gen})
        ed.response(gen, timeout=600)
        for _ in range(args.samples):
            out["idle"]["hover"].append(load.hover())
            out["idle"]["codeAction"].append(load.action())
        print(f"(in-flight samples spanned {generations} generation(s))")
    finally:
        ed.close()
    return out


def soak(args: argparse.Namespace, env: dict[str, str]) -> list[dict[str, Any]]:
    tmp = Path(tempfile.mkdtemp(prefix="prosepy-soak-"))
    options = {"generate": {"maxTokens": 32, "timeBudgetS": 600}, "model": {"nThreads": 1}}
    ed = Editor(env={**env, "TMPDIR": str(tmp)}, options=options)
    server = psutil.Process(ed.proc.pid)
    seen: set[int] = set()

    def kids() -> list[psutil.Process]:
        found = []
        for p in server.children(recursive=True):
            try:
                if p.status() != psutil.STATUS_ZOMBIE:
                    found.append(p)
            except psutil.NoSuchProcess:
                pass
        seen.update(p.pid for p in found)
        return found

    def snapshot(label: str, runs: int, gens: int) -> dict[str, Any]:
        return {
            "at": label,
            "runs": runs,
            "generations": gens,
            "rss_mib": server.memory_info().rss / 2**20,
            "fds": server.num_fds(),
            "threads": server.num_threads(),
            "sandbox_procs": len(kids()),
            "tmp_entries": len(list(tmp.iterdir())),
        }

    rows: list[dict[str, Any]] = []
    gen_every = max(1, args.runs // max(1, args.generations))
    gens = 0
    warm_at = max(0, min(49, args.runs // 5 - 1))
    try:
        rows.append(snapshot("start", 0, 0))
        g = ed.open("gen-warm.py", f"{SHORT_REQUEST}\n")  # loads the model before "warm"
        ed.call("codeAction/resolve", ed.generate_actions(g, 0)[0], timeout=600)
        g.close()
        doc = None
        for i in range(args.runs):
            if i % 10 == 0:
                if doc is not None:
                    doc.close()
                doc = ed.open(f"soak{i // 10}.py", "total = 0\n")
            assert doc is not None
            doc.type_at(len(doc.text), f"total = globals().get('total', 0) + {i}\ntotal\n")
            last = doc.text.count("\n")
            span = {
                "start": {"line": last - 2, "character": 0},
                "end": {"line": last, "character": 0},
            }
            result = ed.call(
                "workspace/executeCommand",
                {"command": "prosepy.run", "arguments": [{"uri": doc.uri, "range": span}]},
            )
            assert result["ok"], result
            if i % gen_every == gen_every - 1 and gens < args.generations:
                g = ed.open(f"gen{gens}.py", f"x = {gens}\n{SHORT_REQUEST}\n")
                ed.call("codeAction/resolve", ed.generate_actions(g, 1)[0], timeout=600)
                g.close()
                gens += 1
            if i == warm_at:
                rows.append(snapshot(f"warm ({i + 1} runs)", i + 1, gens))
            if (i + 1) % max(1, args.runs // 10) == 0:
                rows.append(snapshot(f"{i + 1} runs", i + 1, gens))
        if doc is not None:
            doc.close()
        time.sleep(2)
        rows.append(snapshot("all closed", args.runs, gens))
        assert ed.alive()
    finally:
        ed.close()
    _, alive = psutil.wait_procs([psutil.Process(p) for p in seen if psutil.pid_exists(p)], 30)
    left = [p.pid for p in alive if p.status() != psutil.STATUS_ZOMBIE]
    rows.append(
        {"at": "after exit", "processes_left": left, "tmp_left": [x.name for x in tmp.iterdir()]}
    )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=150)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--generations", type=int, default=100)
    parser.add_argument("--scripted", action="store_true", help="the model double, not Qwen")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-soak", action="store_true")
    args = parser.parse_args()
    cache = Path(tempfile.mkdtemp(prefix="prosepy-bench-load-"))
    env = {"PROSEPY_CACHE": str(cache / "cache")}
    if args.scripted or not MODEL.is_file():
        script = cache / "scripted.json"
        reply = "```python\n" + "\n".join(f"v{i} = {i}" for i in range(300)) + "\n```"
        script.write_text(json.dumps({"replies": [reply], "token_delay_s": 0.05}))
        env["PROSEPY_SCRIPTED_MODEL"] = str(script)
        print("model: scripted double (0.05 s a token)")
    else:
        env["PROSEPY_CACHE"] = str(Path.home() / ".cache/prosepy")  # the installed model
        print(f"model: {MODEL.name}, n_threads=1")
    ok = True
    if not args.skip_soak:
        rows = soak(args, env)
        warm = next(r for r in rows if r["at"].startswith("warm"))
        print(
            f"\n{'soak':<16}{'runs':>6}{'gens':>6}{'RSS MiB':>9}{'vs warm':>9}"
            f"{'fds':>6}{'threads':>8}{'sandbox':>8}{'tmp':>5}"
        )
        for r in rows[:-1]:
            print(
                f"{r['at']:<16}{r['runs']:>6}{r['generations']:>6}{r['rss_mib']:>9.1f}"
                f"{r['rss_mib'] / warm['rss_mib']:>8.2f}x{r['fds']:>6}{r['threads']:>8}"
                f"{r['sandbox_procs']:>8}{r['tmp_entries']:>5}"
            )
        end = rows[-1]
        print(f"after exit: processes left {end['processes_left']}, temp left {end['tmp_left']}")
        ok = not end["processes_left"] and not end["tmp_left"]
    if not args.skip_latency:
        out = latency(args, env)
        print(f"\n{'latency (ms)':<22}{'p50':>8}{'p99':>8}{'p50 ratio':>11}{'p99 ratio':>11}")
        for kind in ("hover", "codeAction"):
            base = out["idle"][kind]
            for state in ("idle", "generating"):
                xs = out[state][kind]
                p50, p99 = statistics.median(xs), percentile(xs, 0.99)
                r50 = p50 / statistics.median(base)
                r99 = p99 / percentile(base, 0.99)
                print(f"{kind + ' ' + state:<22}{p50:>8.1f}{p99:>8.1f}{r50:>10.2f}x{r99:>10.2f}x")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
