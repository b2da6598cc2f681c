#!/usr/bin/env python3
"""Generation speed: prosepy's model runtime vs. llama-cpp-python called directly.

    .venv/bin/python scripts/bench_generation.py [--threads 1 2] [--reps 2] [--max-tokens 64]

Both sides stream the same chat prompts greedily from the bundled Qwen2.5-Coder-0.5B:
"direct" calls ``Llama.create_chat_completion(stream=True)`` itself; "prosepy" goes through
``ModelManager.generate`` (checksum check, GGUF header check, status reports, token
callbacks, cancellation and budget checks). Each (side, threads, repetition) runs in its own
child process, alternating sides, so every figure has its own load and its own peak RSS and
neither side warms the other's cache. Prints decode tokens/s, time to first token, and the
ratio prosepy/direct (goal: overhead under 5%, i.e. tok/s ratio >= 0.95).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
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


def _child(side: str, threads: int, max_tokens: int) -> dict:
    """Load the model one way, run every prompt once, report timings and peak RSS."""
    from server.config import ModelSettings
    from server.models import bundled

    path = bundled.bundled_path()
    runs = []
    start = time.monotonic()
    if side == "direct":
        from llama_cpp import Llama

        llm = Llama(
            model_path=str(path),
            n_ctx=N_CTX,
            n_threads=threads,
            n_threads_batch=threads,
            verbose=False,
        )
        load_s = time.monotonic() - start
        for prompt in PROMPTS:
            messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": prompt}]
            t0 = time.monotonic()
            first = None
            tokens = 0
            for chunk in llm.create_chat_completion(
                messages=messages, stream=True, max_tokens=max_tokens, temperature=0.0
            ):
                piece = chunk["choices"][0]["delta"].get("content")
                if piece is not None:
                    if first is None:
                        first = time.monotonic() - t0
                    tokens += 1
            runs.append({"ttft": first, "total": time.monotonic() - t0, "tokens": tokens})
        llm.close()
    else:
        from server.models.base import ChatMessage, GenerationRequest
        from server.models.manager import ModelManager

        manager = ModelManager(ModelSettings(n_threads=threads, n_ctx=N_CTX))
        manager.get()
        load_s = time.monotonic() - start
        for prompt in PROMPTS:
            request = GenerationRequest(
                [ChatMessage("system", SYSTEM), ChatMessage("user", prompt)],
                max_tokens=max_tokens,
                temperature=0.0,
            )
            pieces: list[str] = []
            result = manager.generate(request, on_token=pieces.append)
            runs.append(
                {"ttft": result.first_token_s, "total": result.total_s, "tokens": result.tokens}
            )
        manager.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"side": side, "threads": threads, "load_s": load_s, "runs": runs, "peak_mb": peak_mb}


def _decode_rate(run: dict) -> float:
    """Tokens after the first, per second after the first: the steady generation speed."""
    span = run["total"] - (run["ttft"] or 0)
    return (run["tokens"] - 1) / span if span > 0 and run["tokens"] > 1 else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--child", nargs=2, metavar=("SIDE", "THREADS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child[0], int(args.child[1]), args.max_tokens)))
        return 0

    from server.models import bundled

    path = bundled.bundled_path()
    how = bundled.verify(path, bundled.BUNDLED[bundled.DEFAULT_ID])
    print(
        f"model {path.name} (sha256 ok via {how}); {len(PROMPTS)} prompts x {args.reps} reps, "
        f"max_tokens {args.max_tokens}, greedy; load average {os.getloadavg()[0]:.2f}"
    )
    results: dict[tuple[str, int], list[dict]] = {}
    for threads in args.threads:
        for rep in range(args.reps):
            order = ["direct", "prosepy"] if rep % 2 == 0 else ["prosepy", "direct"]
            for side in order:
                proc = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--max-tokens",
                        str(args.max_tokens),
                        "--child",
                        side,
                        str(threads),
                    ],
                    capture_output=True,
                    text=True,
                    cwd=ROOT,
                )
                if proc.returncode != 0:
                    print(proc.stderr, file=sys.stderr)
                    return 1
                results.setdefault((side, threads), []).append(
                    json.loads(proc.stdout.strip().splitlines()[-1])
                )

    header = (
        f"{'threads':>7} {'side':>8} {'load s':>7} {'tok/s':>7} {'TTFT s':>7} "
        f"{'tokens':>6} {'peak RSS MB':>11} {'tok/s ratio':>11} {'TTFT ratio':>10}"
    )
    print()
    print(header)
    print("-" * len(header))
    for threads in args.threads:
        summary = {}
        for side in ("direct", "prosepy"):
            children = results[(side, threads)]
            runs = [r for c in children for r in c["runs"]]
            summary[side] = {
                "load": statistics.median(c["load_s"] for c in children),
                "rate": statistics.median(_decode_rate(r) for r in runs),
                "ttft": statistics.median(r["ttft"] for r in runs),
                "tokens": sum(r["tokens"] for r in runs),
                "peak": max(c["peak_mb"] for c in children),
            }
        anchor = summary["direct"]
        for side in ("direct", "prosepy"):
            s = summary[side]
            rate_ratio = s["rate"] / anchor["rate"] if anchor["rate"] else float("nan")
            ttft_ratio = s["ttft"] / anchor["ttft"] if anchor["ttft"] else float("nan")
            print(
                f"{threads:>7} {side:>8} {s['load']:>7.2f} {s['rate']:>7.1f} {s['ttft']:>7.3f} "
                f"{s['tokens']:>6} {s['peak']:>11.0f} {rate_ratio:>11.3f} {ttft_ratio:>10.3f}"
            )
    print(
        "\nratios are prosepy / direct (anchor = llama-cpp-python called directly); "
        "tok/s ratio >= 0.95 and TTFT ratio <= 1.05 meet the 5% overhead goal"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
