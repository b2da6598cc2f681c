""" "Fix this error" with a model double and the real sandbox: a fix is returned only when
the file then runs without an error, and it says what changed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from prosepy.server.config import GenerateSettings, RunSettings
from prosepy.server.generation.fix import Fix, RunFailure, describe_change, find_fix
from prosepy.server.generation.pipeline import Generator
from prosepy.server.generation.trials import SandboxTrials
from tests.generation.test_pipeline import Replies


@pytest.fixture(scope="module")
def trials() -> Iterator[SandboxTrials]:
    runner = SandboxTrials(RunSettings(), timeout_s=5.0)
    yield runner
    runner.close()


def fixer(model: Replies, candidates: int = 2) -> Generator:
    return Generator(
        model, GenerateSettings(review=False, candidates=candidates), lambda: "d", grammar=None
    )


ZERO = (
    "def average(values):\n"
    "    total = sum(values)\n"
    "    return total / len(values)\n"
    "\n"
    "print(average([]))\n"
)


def test_a_zero_division_guard_is_offered_after_it_ran(trials: SandboxTrials) -> None:
    reply = (
        "```python\ndef average(values):\n    total = sum(values)\n"
        "    return total / len(values) if values else 0.0\n```"
    )
    model = Replies(reply)
    failure = RunFailure("ZeroDivisionError", "division by zero", 2, "", 4)
    fix = find_fix(fixer(model), trials, ZERO, failure, "/tmp/avg.py")
    assert isinstance(fix, Fix), fix
    assert (fix.start, fix.end) == (0, 3)
    assert fix.lines[2] == "    return total / len(values) if values else 0.0"
    assert fix.description == (
        "line 3: `return total / len(values)` → `return total / len(values) if values else 0.0`"
    )
    prompt = model.requests[0].messages[-1].content
    assert "ZeroDivisionError" in prompt and "In plain words:" in prompt
    assert "values = []" in prompt  # the values at the failing line, from a fresh run


def test_a_name_error_at_module_level(trials: SandboxTrials) -> None:
    text = "items = [3, 1, 2]\nprint(sorted(item))\n"
    model = Replies("```python\nprint(sorted(items))\n```")
    failure = RunFailure("NameError", "name 'item' is not defined", 1, "", 1)
    fix = find_fix(fixer(model), trials, text, failure, "/tmp/names.py")
    assert isinstance(fix, Fix), fix
    assert fix.lines == ["print(sorted(items))"]
    assert "`print(sorted(item))` → `print(sorted(items))`" in fix.description


def test_no_fix_that_runs_is_said_so(trials: SandboxTrials) -> None:
    still_wrong = "```python\ndef average(values):\n    return sum(values) / len(values) * 1\n```"
    model = Replies(still_wrong, still_wrong)
    failure = RunFailure("ZeroDivisionError", "division by zero", 2, "", 4)
    fix = find_fix(fixer(model), trials, ZERO, failure, "/tmp/avg.py")
    assert isinstance(fix, str)
    assert fix.startswith("could not find a fix that runs")
    assert "ZeroDivisionError" in fix
    assert len(model.requests) == 2


def test_an_error_that_does_not_happen_again_gets_no_fix(trials: SandboxTrials) -> None:
    model = Replies("```python\nprint(1)\n```")
    failure = RunFailure("NameError", "name 'x' is not defined", 0, "", 0)
    fix = find_fix(fixer(model), trials, "print(1)\n", failure, "/tmp/fine.py")
    assert isinstance(fix, str) and "does not happen" in fix
    assert model.requests == []


def test_describe_change() -> None:
    assert describe_change(["a", "b"], ["a", "c"], 10) == "line 12: `b` → `c`"
    assert describe_change(["a"], ["if x:", "    a"], 0) == "adds `if x:` at line 1"
    assert (
        describe_change(["a", "b"], ["c", "d", "e"], 0)
        == "rewrites from line 1 (3 lines in place of 2)"
    )
    guard = ["try:", "    1 / 0", "except ZeroDivisionError:", "    print('no')"]
    assert describe_change(["1 / 0"], guard, 3) == "adds 3 lines from line 4"
    assert describe_change(["a", "b", "c"], ["a"], 0) == "removes 2 lines from line 2"
