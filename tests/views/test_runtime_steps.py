"""Values at every step: the loop probes and their exact counts, in-process."""

from __future__ import annotations

import ast
import gc
from typing import Any

from tests.views.runtime import load

steps = load("steps")


def run(source: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    namespace: dict[str, Any] = {"__builtins__": __builtins__}
    recorder = steps.StepRecorder(namespace)
    tree = recorder.add_probes(ast.parse(source))
    ast.fix_missing_locations(tree)
    recorder.start()
    exec(compile(tree, "<run>", "exec"), namespace)
    return recorder.finish(), namespace


def test_first_and_last_values_and_exact_count():
    (history,), _ = run("total = 0\nfor i in range(1, 101):\n    total += i\n")
    assert history["line"] == 2 and history["count"] == 100
    assert history["first"][:4] == ["1", "3", "6", "10"] and len(history["first"]) == steps.FIRST
    assert history["last"] == ["4656", "4753", "4851", "4950", "5050"]


def test_counts_stay_exact_past_many_rings():
    for n in (1, 19, 20, 21, 24, 25, 26, 57, 1000, 123_457):
        (history,), _ = run(f"for i in range({n}):\n    x = i\n")
        assert history["count"] == n, n
        expect_last = [str(v) for v in range(max(steps.FIRST, n - steps.LAST), n)]
        assert history["last"] == expect_last, n


def test_conditional_nested_and_function_loops():
    source = (
        "def evens(n):\n"
        "    out = []\n"
        "    for i in range(n):\n"
        "        if i % 2 == 0:\n"
        "            last = i\n"
        "    return last\n"
        "a, b = 0, 1\n"
        "while b < 100:\n"
        "    a, b = b, a + b\n"
        "evens(50)\n"
    )
    histories, _ = run(source)
    by_line = {h["line"]: h for h in histories}
    assert by_line[4]["count"] == 25 and by_line[4]["last"][-1] == "48"
    assert by_line[8]["names"] == ["a", "b"] and by_line[8]["first"][0] == "(1, 1)"


def test_large_values_keep_only_a_few_alive():
    class Big:
        alive = 0

        def __init__(self) -> None:
            Big.alive += 1

        def __del__(self) -> None:
            Big.alive -= 1

    namespace: dict[str, Any] = {"__builtins__": __builtins__, "Big": Big}
    recorder = steps.StepRecorder(namespace)
    tree = recorder.add_probes(ast.parse("for i in range(200):\n    b = Big()\n"))
    ast.fix_missing_locations(tree)
    recorder.start()
    exec(compile(tree, "<run>", "exec"), namespace)
    gc.collect()
    assert Big.alive <= 6, "the ring keeps at most five values beyond the snippet's own"
    (history,) = recorder.finish()
    assert history["count"] == 200
    del namespace["b"]
    gc.collect()
    assert Big.alive == 0, "after the run no value is held"


def test_probes_are_no_ops_between_runs():
    histories, namespace = run("for i in range(3):\n    y = i\n")
    probe = next(k for k in namespace if k.startswith(steps.PREFIX))
    assert namespace[probe] is id
