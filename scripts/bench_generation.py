#!/usr/bin/env python3
"""Generation speed of each installed llama.cpp runtime, in-process vs. through the model process.

    .venv/bin/python scripts/bench_generation.py [--threads 1 2] [--reps 2] [--max-tokens 64]

For every installed runtime (xllamacpp, the default; llama-cpp-python, the opt-in local build)
and thread count, one child process loads the bundled Qwen2.5-Coder-0.5B twice: "in-process"
calls the runtime's backend directly in that process (the anchor), "process" goes through
``ProcessBackend``, i.e. the supervised model process the language server uses (JSON lines
over a pipe, token by token). Every prompt runs on both back to back, alternating which goes
first, so the load of a shared machine drifts over both alike; ratios are medians over those
pairs. Goals: the boundary costs under 5% of tokens/s and under 20 ms of time to first token;
the default runtime within 15% of the fastest build on this machine.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PROMPTS = [
    "Write a Python function that returns the n-th Fibonacci number iteratively.",
    "计算 1 到 100 的和",
    "Read data.csv with the csv module and print the average of the column price.",
]
SYSTEM = "You are a coding assistant. Answer with one short Python code block."
N_CTX = 2048
RUNTIMES = {"xllamacpp": "xllamacpp", "llama-cpp-python": "llama_cpp"}


def _child(runtime: str, threads: int, reps: int, max_tokens: int) -> dict:
    from prosepy.server.config import ModelSettings
    from prosepy.server.models.base import ChatMessage, GenerationRequest
    from prosepy.server.models.loader import load_backend
    from prosepy.server.models.process import ProcessBackend

    settings = ModelSettings(n_threads=threads, n_ctx=N_CTX, runtime=runtime)  # type: ignore[arg-type]
    sides = {"in-process": load_backend(settings), "process": ProcessBackend(settings)}
    pairs = []
    for rep in range(reps):
        for i, prompt in enumerate(PROMPTS):
            order = ["in-process", "process"] if (rep + i) % 2 == 0 else ["process", "in-process"]
            runs = {}
            for side in order:
                request = GenerationRequest(
                    [ChatMessage("system", SYSTEM), ChatMessage("user", prompt)],
                    max_tokens=max_tokens,
                )
                result = sides[side].generate(replace(request))
                runs[side] = {"ttft": result.first_token_s, "total": result.total_s,
                              "tokens": result.tokens}  # fmt: skip
            pairs.append(runs)
    for backend in sides.values():
        backend.close()
    return {"pairs": pairs}


def _decode_rate(run: dict) -> float:
    """Tokens after the first, per second after the first: the steady generation speed."""
    span = run["total"] - (run["ttft"] or 0)
    return (run["tokens"] - 1) / span if span > 0 and run["tokens"] > 1 else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--child", nargs=2, metavar=("RUNTIME", "THREADS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        report = _child(args.child[0], int(args.child[1]), args.reps, args.max_tokens)
        print(json.dumps(report))
        return 0

    from prosepy.server.models import bundled, cpu

    path = bundled.bundled_path()
    how = bundled.verify(path, bundled.BUNDLED[bundled.DEFAULT_ID])
    installed = [r for r, module in RUNTIMES.items() if importlib.util.find_spec(module)]
    print(
        f"model {path.name} (sha256 ok via {how}); {len(PROMPTS)} prompts x {args.reps} reps, "
        f"max_tokens {args.max_tokens}, greedy\ncpu {cpu.cpu_name()}; runtimes installed: "
        f"{', '.join(installed)}; load average {os.getloadavg()[0]:.2f} at start"
    )
    rows = []
    for threads in args.threads:
        for runtime in installed:
            proc = subprocess.run(
                [sys.executable, __file__, "--max-tokens", str(args.max_tokens),
                 "--reps", str(args.reps), "--child", runtime, str(threads)],
                capture_output=True, text=True, cwd=ROOT,
            )  # fmt: skip
            if proc.returncode != 0:
                print(f"{runtime} with {threads} threads failed (exit {proc.returncode}): "
                      f"{proc.stderr.strip().splitlines()[-1:]}")  # fmt: skip
                continue
            pairs = json.loads(proc.stdout.strip().splitlines()[-1])["pairs"]
            stats = {}
            for side in ("in-process", "process"):
                runs = [p[side] for p in pairs]
                stats[side] = (
                    statistics.median(_decode_rate(r) for r in runs),
                    statistics.median(r["ttft"] for r in runs),
                    sum(r["tokens"] for r in runs),
                )
            rate_ratio = statistics.median(
                _decode_rate(p["process"]) / _decode_rate(p["in-process"]) for p in pairs
            )
            ttft_delta = statistics.median(
                p["process"]["ttft"] - p["in-process"]["ttft"] for p in pairs
            )
            rows.append((threads, runtime, stats, rate_ratio, ttft_delta, os.getloadavg()[0]))

    header = (
        f"{'threads':>7} {'runtime':>16} {'in-proc tok/s':>13} {'process tok/s':>13} "
        f"{'boundary tok/s ratio':>20} {'in-proc TTFT s':>14} {'process TTFT s':>14} "
        f"{'boundary TTFT +ms':>17} {'vs fastest':>10} {'load avg':>8}"
    )
    print()
    print(header)
    print("-" * len(header))
    for threads, runtime, stats, rate_ratio, ttft_delta, load in rows:
        fastest = max(s["in-process"][0] for t, _, s, *_ in rows if t == threads)
        inner, outer = stats["in-process"], stats["process"]
        print(
            f"{threads:>7} {runtime:>16} {inner[0]:>13.1f} {outer[0]:>13.1f} "
            f"{rate_ratio:>20.3f} {inner[1]:>14.3f} {outer[1]:>14.3f} "
            f"{ttft_delta * 1000:>17.1f} {inner[0] / fastest:>10.3f} {load:>8.2f}"
        )
    print(
        "\nanchors: a runtime called in-process (boundary ratio = process / in-process, median "
        "over back-to-back prompt pairs);\nthe fastest installed runtime at the same thread "
        "count ('vs fastest' = in-process tok/s / fastest's).\ngoals: boundary tok/s ratio "
        ">= 0.95, boundary TTFT < +20 ms, default runtime vs fastest >= 0.85. "
        f"load average now {os.getloadavg()[0]:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
