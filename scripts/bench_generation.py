#!/usr/bin/env python3
"""Generation speed: prosepy's model runtime vs. llama-cpp-python called directly.

    .venv/bin/python scripts/bench_generation.py [--threads 1 2] [--reps 3] [--max-tokens 64]

Both sides stream the same chat prompts greedily from the bundled Qwen2.5-Coder-0.5B:
"direct" calls ``Llama.create_chat_completion(stream=True)`` itself; "prosepy" goes through
``ModelManager.generate`` (status reports, token callbacks, cancellation and time-budget
checks, stop handling). Speed: one child process per thread count holds both instances and
runs every prompt on both back to back (alternating which goes first), so the load of a
shared machine drifts over both alike; the ratio is the median over those pairs. Memory:
each side alone in a fresh child (load + one prompt) gives its load time and peak RSS.
Prints decode tokens/s, time to first token, and prosepy/direct ratios (goal: overhead
under 5%: tok/s ratio >= 0.95, TTFT ratio <= 1.05).
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


def _load(side: str, threads: int):
    """A generate(prompt) -> run dict for one side, after loading its model."""
    from prosepy.server.config import ModelSettings
    from prosepy.server.models import bundled
    from prosepy.server.models.base import ChatMessage, GenerationRequest
    from prosepy.server.models.manager import ModelManager

    if side == "direct":
        from llama_cpp import Llama

        llm = Llama(
            model_path=str(bundled.bundled_path()),
            n_ctx=N_CTX,
            n_threads=threads,
            n_threads_batch=threads,
            verbose=False,
        )

        def direct(prompt: str, max_tokens: int) -> dict:
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
            return {"ttft": first, "total": time.monotonic() - t0, "tokens": tokens}

        return direct

    manager = ModelManager(ModelSettings(n_threads=threads, n_ctx=N_CTX))
    manager.get()

    def prosepy(prompt: str, max_tokens: int) -> dict:
        request = GenerationRequest(
            [ChatMessage("system", SYSTEM), ChatMessage("user", prompt)],
            max_tokens=max_tokens,
            temperature=0.0,
        )
        pieces: list[str] = []
        result = manager.generate(request, on_token=pieces.append)
        return {"ttft": result.first_token_s, "total": result.total_s, "tokens": result.tokens}

    return prosepy


def _child_memory(side: str, threads: int, max_tokens: int) -> dict:
    """One side alone in a fresh process: load time and peak RSS (load + one prompt)."""
    start = time.monotonic()
    generate = _load(side, threads)
    load_s = time.monotonic() - start
    generate(PROMPTS[0], max_tokens)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"load_s": load_s, "peak_mb": peak_mb}


def _child_speed(threads: int, reps: int, max_tokens: int) -> dict:
    """Both sides in one process, alternating prompt by prompt, so that the load of a shared
    machine drifts over both alike; each side keeps its own instance (and prompt cache)."""
    sides = {side: _load(side, threads) for side in ("direct", "prosepy")}
    pairs = []
    for rep in range(reps):
        for i, prompt in enumerate(PROMPTS):
            order = ["direct", "prosepy"] if (rep + i) % 2 == 0 else ["prosepy", "direct"]
            runs = {side: sides[side](prompt, max_tokens) for side in order}
            pairs.append(runs)
    return {"pairs": pairs}


def _bookkeeping_us_per_token() -> float:
    """prosepy's own per-token cost (manager, collector, stop filter, callbacks), measured
    with a zero-delay scripted backend: immune to the machine's load, unlike the ratios."""
    import tempfile

    from prosepy.server.config import ModelSettings
    from prosepy.server.models.base import ChatMessage, GenerationRequest
    from prosepy.server.models.manager import ModelManager
    from prosepy.server.models.scripted import ScriptedBackend

    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "script.json"
        script.write_text(json.dumps({"replies": ["tok " * 20000]}))
        backend = ScriptedBackend(script)
        manager = ModelManager(ModelSettings(), load=lambda _: backend)
        request = GenerationRequest([ChatMessage("user", "x")], max_tokens=20000, stop=["```"])
        pieces: list[str] = []
        start = time.perf_counter()
        result = manager.generate(request, on_token=pieces.append)
        return (time.perf_counter() - start) / result.tokens * 1e6


def _decode_rate(run: dict) -> float:
    """Tokens after the first, per second after the first: the steady generation speed."""
    span = run["total"] - (run["ttft"] or 0)
    return (run["tokens"] - 1) / span if span > 0 and run["tokens"] > 1 else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "THREADS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, threads = args.child[0], int(args.child[1])
        if kind == "speed":
            report = _child_speed(threads, args.reps, args.max_tokens)
        else:
            report = _child_memory(kind, threads, args.max_tokens)
        print(json.dumps(report))
        return 0

    from prosepy.server.models import bundled

    path = bundled.bundled_path()
    how = bundled.verify(path, bundled.BUNDLED[bundled.DEFAULT_ID])
    print(
        f"model {path.name} (sha256 ok via {how}); {len(PROMPTS)} prompts x {args.reps} reps, "
        f"max_tokens {args.max_tokens}, greedy; load average {os.getloadavg()[0]:.2f}"
    )

    def child(kind: str, threads: int) -> dict:
        proc = subprocess.run(
            [sys.executable, __file__, "--max-tokens", str(args.max_tokens),
             "--reps", str(args.reps), "--child", kind, str(threads)],
            capture_output=True, text=True, cwd=ROOT,
        )  # fmt: skip
        if proc.returncode != 0:
            raise SystemExit(proc.stderr)
        return json.loads(proc.stdout.strip().splitlines()[-1])

    header = (
        f"{'threads':>7} {'side':>8} {'load s':>6} {'tok/s':>6} {'TTFT s':>6} {'tokens':>6} "
        f"{'peak RSS MB':>11} {'tok/s ratio':>11} {'TTFT ratio':>10} {'pair ratio range':>16}"
    )
    lines = [header, "-" * len(header)]
    anchor_rate_1 = 0.0
    for threads in args.threads:
        memory = {side: child(side, threads) for side in ("direct", "prosepy")}
        pairs = child("speed", threads)["pairs"]
        anchor_rate = statistics.median(_decode_rate(p["direct"]) for p in pairs)
        anchor_ttft = statistics.median(p["direct"]["ttft"] for p in pairs)
        rate_ratios = [_decode_rate(p["prosepy"]) / _decode_rate(p["direct"]) for p in pairs]
        ttft_ratios = [p["prosepy"]["ttft"] / p["direct"]["ttft"] for p in pairs]
        for side in ("direct", "prosepy"):
            runs = [p[side] for p in pairs]
            rate = statistics.median(_decode_rate(r) for r in runs)
            ttft = statistics.median(r["ttft"] for r in runs)
            tokens = sum(r["tokens"] for r in runs)
            if side == "direct":
                ratio_text = f"{1:>11.3f} {1:>10.3f} {'':>16}"
            else:
                spread = f"{min(rate_ratios):.2f}-{max(rate_ratios):.2f}"
                ratio_text = (
                    f"{statistics.median(rate_ratios):>11.3f} "
                    f"{statistics.median(ttft_ratios):>10.3f} {spread:>16}"
                )
            lines.append(
                f"{threads:>7} {side:>8} {memory[side]['load_s']:>6.2f} {rate:>6.1f} "
                f"{ttft:>6.3f} {tokens:>6} {memory[side]['peak_mb']:>11.0f} {ratio_text}"
            )
        assert anchor_rate > 0 and anchor_ttft > 0
        anchor_rate_1 = anchor_rate_1 or anchor_rate
    print()
    print("\n".join(lines))
    per_token = _bookkeeping_us_per_token()
    print(
        f"\nprosepy bookkeeping per token (scripted backend, no model): {per_token:.1f} us "
        f"= {per_token / 1e6 * anchor_rate_1 * 100:.3f}% of a direct token "
        f"at {anchor_rate_1:.1f} tok/s"
    )
    print(
        "\nratios: prosepy / direct (anchor: llama-cpp-python called directly), the median over "
        "prompt pairs run back to back;\ngoal: tok/s ratio >= 0.95 and TTFT ratio <= 1.05 "
        f"(under 5% overhead). load average now {os.getloadavg()[0]:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
