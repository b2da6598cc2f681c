"""The larger model asked when checked code still fails: model doubles, the real sandbox.

The first model is a double whose every candidate fails the docstring's example; the
fallback model is another double. What is inserted, what the verdict claims and which model
was asked are checked against what each double was made to answer.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from prosepy.server.config import RunSettings
from prosepy.server.generation.pipeline import Generator
from prosepy.server.generation.trials import SandboxTrials
from prosepy.server.models.base import (
    CancelToken,
    GenerationRequest,
    GenerationResult,
    ModelError,
    TokenCallback,
)
from tests.generation.test_checking import block, checked
from tests.generation.test_pipeline import Replies

DOUBLED = (
    "def double(x):\n"
    '    """Twice x.\n'
    "\n"
    "    >>> double(4)\n"
    "    8\n"
    '    """\n'
    "    # nl: return twice x\n"
)
WRONG = block("def double(x):\n    return x + 2")
ALSO_WRONG = block("def double(x):\n    return x ** 2 + 1")
RIGHT = block("def double(x):\n    return x * 2")


@pytest.fixture(scope="module")
def trials() -> Iterator[SandboxTrials]:
    runner = SandboxTrials(RunSettings(), timeout_s=5.0)
    yield runner
    runner.close()


def with_fallback(
    first: Replies, second: object, trials: SandboxTrials, **settings: object
) -> Generator:
    generator = checked(first, trials, **settings)
    generator.fallback = checked(second, trials, **settings)  # type: ignore[arg-type]
    return generator


def test_the_larger_model_writes_the_code_when_the_first_fails_its_examples(
    trials: SandboxTrials,
) -> None:
    first = Replies(WRONG, WRONG, WRONG, WRONG)  # the first answer, the repair, samples
    second = Replies(RIGHT)
    phases: list[str] = []
    generator = with_fallback(first, second, trials, candidates=2)
    generated = generator.run(DOUBLED, 6, "/tmp/double.py", on_phase=phases.append)
    assert generated.ok, generated.message
    answer = generated.answer
    assert answer.draft is not None and answer.draft.code == "return x * 2"
    assert answer.verdict is not None
    assert answer.verdict.summary == "passed 1 of 1 example, written by the larger model"
    assert answer.check_story().endswith("the first model's code passed 0 of 1 example")
    assert len(second.requests) == 1  # passed at once: no repair, no samples
    assert "asking the larger model" in phases
    assert "larger model: running" in phases
    # the same request again: the larger model's answer, asking neither model
    asked = len(first.requests)
    again = generator.run(DOUBLED, 6, "/tmp/double.py").answer
    assert again.cached and again.draft is not None and again.draft.code == "return x * 2"
    assert again.verdict is not None and again.verdict.summary == answer.verdict.summary
    assert (len(first.requests), len(second.requests)) == (asked, 1)


def test_the_first_models_answer_stays_when_the_larger_does_no_better(
    trials: SandboxTrials,
) -> None:
    first = Replies(WRONG, WRONG, WRONG, WRONG)
    second = Replies(ALSO_WRONG, ALSO_WRONG, ALSO_WRONG, ALSO_WRONG)
    generated = with_fallback(first, second, trials, candidates=2).run(DOUBLED, 6, "/tmp/d.py")
    answer = generated.answer
    assert answer.draft is not None and answer.draft.code == "return x + 2"
    assert answer.verdict is not None and answer.verdict.summary == "passed 0 of 1 example"
    assert answer.fallback_note == "the larger model did no better: passed 0 of 1 example"
    assert second.requests  # it was asked


def test_a_passing_answer_never_asks_the_larger_model(trials: SandboxTrials) -> None:
    second = Replies()  # any call would fail: pop from an empty list
    generated = with_fallback(Replies(RIGHT), second, trials).run(DOUBLED, 6, "/tmp/d.py")
    assert generated.answer.verdict is not None
    assert generated.answer.verdict.summary == "passed 1 of 1 example"
    assert generated.answer.fallback_note == ""
    assert second.requests == []


def test_code_that_cannot_be_checked_is_not_sent_on(trials: SandboxTrials) -> None:
    text = "# nl: print the first line of notes.txt\n"
    reads = block("with open('notes.txt') as f:\n    print(f.readline())")
    second = Replies()
    generated = with_fallback(Replies(reads), second, trials).run(text, 0, "/tmp/notes.py")
    verdict = generated.answer.verdict
    assert verdict is not None and verdict.kind == "unchecked", verdict
    assert second.requests == []


def test_a_missing_larger_model_keeps_the_answer_and_says_why(trials: SandboxTrials) -> None:
    def missing(
        request: GenerationRequest, cancel: CancelToken | None, on_token: TokenCallback | None
    ) -> GenerationResult:
        raise ModelError(
            "qwen2.5-coder-1.5b is not installed", "run `prosepy model install qwen2.5-coder-1.5b`"
        )

    first = Replies(WRONG, WRONG, WRONG, WRONG)
    generated = with_fallback(first, missing, trials, candidates=2).run(DOUBLED, 6, "/tmp/d.py")
    answer = generated.answer
    assert generated.ok and answer.draft is not None and answer.draft.code == "return x + 2"
    assert answer.fallback_note.startswith("the larger model was not available:")
    assert "not installed" in answer.fallback_note


def test_a_cancelled_request_does_not_ask_the_larger_model(trials: SandboxTrials) -> None:
    cancel = CancelToken()
    cancel.cancel("the user pressed Cancel")
    second = Replies()
    generated = with_fallback(Replies(WRONG), second, trials).run(
        DOUBLED, 6, "/tmp/d.py", cancel=cancel
    )
    assert not generated.ok
    assert second.requests == []


def test_stopping_the_larger_model_keeps_the_first_answer(trials: SandboxTrials) -> None:
    cancel = CancelToken()

    def stopped(
        request: GenerationRequest, token: CancelToken | None, on_token: TokenCallback | None
    ) -> GenerationResult:
        cancel.cancel("the user pressed Cancel")  # while the larger model writes
        return GenerationResult("", 0, "cancelled", None, 0.0, "larger")

    first = Replies(WRONG, WRONG, WRONG, WRONG)
    generated = with_fallback(first, stopped, trials, candidates=2).run(
        DOUBLED, 6, "/tmp/d.py", cancel=cancel
    )
    answer = generated.answer
    assert answer.draft is not None and answer.draft.code == "return x + 2"
    assert answer.fallback_note.startswith("the larger model was stopped: generation cancelled")
