"""The pipeline with a model double: repair round, cache, budgets, cancellation."""

from __future__ import annotations

from prosepy.server.config import GenerateSettings
from prosepy.server.generation.pipeline import Generator, generate_text
from prosepy.server.models.base import (
    CancelToken,
    GenerationRequest,
    GenerationResult,
    ModelError,
    TokenCallback,
)


class Replies:
    """Returns canned replies in order and records the requests."""

    def __init__(self, *replies: str, finish: str = "stop") -> None:
        self.replies = list(replies)
        self.finish = finish
        self.requests: list[GenerationRequest] = []

    def __call__(
        self, request: GenerationRequest, cancel: CancelToken | None, on_token: TokenCallback | None
    ) -> GenerationResult:
        self.requests.append(request)
        text = self.replies.pop(0)
        if cancel is not None and cancel.cancelled:
            return GenerationResult("", 0, "cancelled", None, 0.0, "double")
        if on_token is not None:
            on_token(text)
        return GenerationResult(text, 1, self.finish, 0.0, 0.0, "double")  # type: ignore[arg-type]


def gen(model: Replies, **settings: object) -> Generator:
    return Generator(model, GenerateSettings(**settings), lambda: "double", grammar=None)  # type: ignore[arg-type]


HEADLINE = "# nl: 计算 1 到 100 的和\n"


def test_headline_inserts_code() -> None:
    model = Replies("```python\ntotal = sum(range(1, 101))\nprint(total)\n```")
    outcome, placement = generate_text(gen(model), HEADLINE, 0)
    assert outcome.ok and placement is not None
    assert placement.new_text == HEADLINE + "total = sum(range(1, 101))\nprint(total)\n"
    assert model.requests[0].temperature == 0.0
    assert "计算 1 到 100 的和" in model.requests[0].messages[-1].content


def test_one_repair_round_with_the_error() -> None:
    model = Replies("```python\nprint((1)\n```", "```python\nprint(1)\n```")
    outcome, placement = generate_text(gen(model), HEADLINE, 0)
    assert outcome.ok and outcome.repaired and placement is not None
    repair = model.requests[1].messages
    assert repair[-2].role == "assistant" and "print((1)" in repair[-2].content
    assert "does not parse" in repair[-1].content


def test_still_broken_after_repair_inserts_nothing() -> None:
    model = Replies("```python\nprint((1)\n```", "```python\nx = [\n```")
    outcome, placement = generate_text(gen(model), HEADLINE, 0)
    assert not outcome.ok and placement is None
    assert "does not parse" in outcome.message and "nothing inserted" in outcome.message


def test_cache_makes_a_repeat_instant_and_keys_on_settings() -> None:
    model = Replies("```python\nprint(1)\n```", "```python\nprint(2)\n```")
    g = gen(model)
    first, _ = generate_text(g, HEADLINE, 0)
    again, _ = generate_text(g, HEADLINE, 0)
    assert again.cached and again.draft == first.draft and len(model.requests) == 1
    g.settings = GenerateSettings(max_tokens=100)
    other, _ = generate_text(g, HEADLINE, 0)
    assert not other.cached and len(model.requests) == 2


def test_timeout_cancel_and_model_errors_give_messages() -> None:
    outcome, _ = generate_text(gen(Replies("```python\nprint(", finish="timeout")), HEADLINE, 0)
    assert not outcome.ok and "time budget" in outcome.message
    cancel = CancelToken()
    cancel.cancel("cancelled by the user")
    outcome, _ = generate_text(gen(Replies("x")), HEADLINE, 0, cancel=cancel)
    assert not outcome.ok and "cancelled by the user" in outcome.message

    def broken(*_args: object) -> GenerationResult:
        raise ModelError("model file missing", "run `prosepy model install`")

    g = Generator(broken, GenerateSettings(), grammar=None)
    outcome, _ = generate_text(g, HEADLINE, 0)
    assert "model file missing" in outcome.message and "prosepy model install" in outcome.message


def test_answer_without_new_code_is_refused_after_asking_again() -> None:
    model = Replies("```python\n# nl: 计算 1 到 100 的和\n```", "")
    outcome, _ = generate_text(gen(model), HEADLINE, 0)
    assert not outcome.ok and "no new code" in outcome.message
    assert "only repeats" in model.requests[1].messages[-1].content


def test_no_request_on_line() -> None:
    outcome, placement = generate_text(gen(Replies()), "x = 1\n", 0)
    assert not outcome.ok and placement is None and "no `# nl:` request" in outcome.message
