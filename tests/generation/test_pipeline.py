"""The pipeline with a model double: repair round, cache, budgets, cancellation, and
``Generator.run`` placing and reviewing the code where ``locate`` says."""

from __future__ import annotations

from prosepy.server.config import GenerateSettings
from prosepy.server.generation.pipeline import Generator, Target
from prosepy.server.generation.requests import NlRequest, find_anchor
from prosepy.server.lines import line_texts
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
    settings.setdefault("review", False)
    return Generator(model, GenerateSettings(**settings), lambda: "double", grammar=None)  # type: ignore[arg-type]


HEADLINE = "# nl: 计算 1 到 100 的和\n"


def test_headline_inserts_code() -> None:
    model = Replies("```python\ntotal = sum(range(1, 101))\nprint(total)\n```")
    generated = gen(model).run(HEADLINE, 0)
    placement = generated.placement
    assert generated.ok and placement is not None
    assert placement.new_text == HEADLINE + "total = sum(range(1, 101))\nprint(total)\n"
    assert model.requests[0].temperature == 0.0
    assert "计算 1 到 100 的和" in model.requests[0].messages[-1].content


def test_one_repair_round_with_the_error() -> None:
    model = Replies("```python\nprint((1)\n```", "```python\nprint(1)\n```")
    generated = gen(model).run(HEADLINE, 0)
    assert generated.ok and generated.answer.repaired and generated.placement is not None
    repair = model.requests[1].messages
    assert repair[-2].role == "assistant" and "print((1)" in repair[-2].content
    assert "does not parse" in repair[-1].content


def test_still_broken_after_repair_inserts_nothing() -> None:
    model = Replies("```python\nprint((1)\n```", "```python\nx = [\n```")
    generated = gen(model).run(HEADLINE, 0)
    assert not generated.ok and generated.placement is None
    assert "does not parse" in generated.message and "nothing inserted" in generated.message


def test_cache_makes_a_repeat_instant_and_keys_on_settings() -> None:
    model = Replies("```python\nprint(1)\n```", "```python\nprint(2)\n```")
    g = gen(model)
    first = g.run(HEADLINE, 0).answer
    again = g.run(HEADLINE, 0).answer
    assert again.cached and again.draft == first.draft and len(model.requests) == 1
    g.settings = GenerateSettings(max_tokens=100)
    other = g.run(HEADLINE, 0).answer
    assert not other.cached and len(model.requests) == 2


def test_timeout_cancel_and_model_errors_give_messages() -> None:
    generated = gen(Replies("```python\nprint(", finish="timeout")).run(HEADLINE, 0)
    assert not generated.ok and "time budget" in generated.message
    cancel = CancelToken()
    cancel.cancel("cancelled by the user")
    generated = gen(Replies("x")).run(HEADLINE, 0, cancel=cancel)
    assert not generated.ok and "cancelled by the user" in generated.message

    def broken(*_args: object) -> GenerationResult:
        raise ModelError("model file missing", "run `prosepy model install`")

    g = Generator(broken, GenerateSettings(), grammar=None)
    message = g.run(HEADLINE, 0).message
    assert "model file missing" in message and "prosepy model install" in message


def test_answer_without_new_code_is_refused_after_asking_again() -> None:
    model = Replies("```python\n# nl: 计算 1 到 100 的和\n```", "")
    generated = gen(model).run(HEADLINE, 0)
    assert not generated.ok and "no new code" in generated.message
    assert "only repeats" in model.requests[1].messages[-1].content


def test_a_function_stub_repeated_is_asked_again_as_a_completion() -> None:
    # The 0.5B model, asked under the editor prompt (an undocumented function), sometimes
    # only repeats the function as it stands; the second ask is the bare completion prompt with the
    # function so far and the request, which it answers with a body.
    text = "import math\n\ndef area(r):\n    r = abs(r)\n    # nl: compute the area\n"
    stub = "```python\ndef area(r):\n    r = abs(r)\n```"
    model = Replies(stub, "```python\ndef area(r):\n    return math.pi * r * r\n```")
    generated = gen(model).run(text, 4)
    assert generated.ok and generated.placement is not None
    assert "    return math.pi * r * r" in generated.placement.new_text
    second = model.requests[1].messages
    assert [m.role for m in second] == ["user"]
    assert second[0].content.startswith("Complete the following Python function:")
    assert "import math" in second[0].content
    assert "    r = abs(r)\n    # nl: compute the area" not in second[0].content
    assert "    r = abs(r)\n    # compute the area" in second[0].content


def test_a_documented_function_asked_as_a_completion_is_not_asked_the_same_again() -> None:
    text = 'def area(r):\n    """Area of a circle."""\n    # nl: compute the area\n'
    stub = '```python\ndef area(r):\n    """Area of a circle."""\n```'
    model = Replies(stub, stub)
    generated = gen(model).run(text, 2)
    assert not generated.ok and "no new code" in generated.message
    first, second = (r.messages for r in model.requests)
    assert first[0].content.startswith("Complete the following Python function:")
    assert second[: len(first)] == first and "only repeats" in second[-1].content


def test_no_request_on_line() -> None:
    generated = gen(Replies()).run("x = 1\n", 0)
    assert not generated.ok and generated.job is None and generated.placement is None
    assert "no `# nl:` request on line 1" in generated.message


def test_run_places_where_locate_says_after_the_model_answered() -> None:
    # The user typed two lines above the request while the model was writing.
    model = Replies("```python\nanswer = 6 * 7\n```")
    before = "x = 1\n# nl: multiply six by seven\ny = 2\n"
    now = "import os\nimport sys\n" + before
    seen: list[NlRequest] = []

    def locate(request: NlRequest) -> Target | str:
        seen.append(request)
        moved = find_anchor(line_texts(now), request, hint=request.start_line)
        assert moved is not None
        return Target(now, moved, version=7)

    generated = gen(model).run(before, 1, locate=locate)
    assert generated.ok and generated.target is not None and generated.placement is not None
    assert seen[0].start_line == 1 and generated.target.version == 7
    assert generated.placement.new_text == now.replace("seven\n", "seven\nanswer = 6 * 7\n")


def test_run_inserts_nothing_when_locate_finds_no_place() -> None:
    model = Replies("```python\nanswer = 6 * 7\n```")
    gone = "the request comment is gone"
    generated = gen(model).run(HEADLINE, 0, locate=lambda _request: gone)
    assert not generated.ok and generated.message == gone and generated.placement is None
    assert generated.answer.draft is not None  # the model's work is kept (and cached)


def test_run_replaces_earlier_generated_lines() -> None:
    model = Replies("```python\ntotal = sum(range(1, 101))\n```")
    old = HEADLINE + "total = 0\nfor i in range(1, 101):\n    total += i\n"
    request = NlRequest(0, 0, "", "计算 1 到 100 的和", ("# nl: 计算 1 到 100 的和",))
    generated = gen(model).run(HEADLINE, request, locate=lambda r: Target(old, r, replace=(1, 4)))
    assert generated.placement is not None
    assert generated.placement.new_text == HEADLINE + "total = sum(range(1, 101))\n"


def test_run_reviews_the_placed_code() -> None:
    model = Replies("```python\nimport os\nos.system('ls')\n```")
    generated = gen(model, review=True).run(HEADLINE, 0)
    assert generated.ok and any(f.code.startswith("S") for f in generated.findings)
    quiet = gen(Replies("```python\nimport os\nos.system('ls')\n```")).run(HEADLINE, 0)
    assert quiet.ok and quiet.findings == []


def test_form_feed_and_line_separators_do_not_shift_the_code() -> None:
    # str.splitlines breaks at \f and \u2028; editors and Python do not
    text = 'a = 1\n\x0c\nsep = "x\u2028y"\n# nl: multiply six by seven\nb = 2\n'
    generated = gen(Replies("```python\nanswer = 6 * 7\n```")).run(text, 3)
    assert generated.placement is not None
    assert generated.placement.new_text == text.replace("seven\n", "seven\nanswer = 6 * 7\n")
