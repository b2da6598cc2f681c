"""Execution-checked generation with a model double and the real sandbox: runs, repairs,
samples, picks, and says honestly what was checked."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from prosepy.server.config import GenerateSettings, ModelSettings, RunSettings
from prosepy.server.generation.checking import Candidate, pick
from prosepy.server.generation.pipeline import Generator
from prosepy.server.generation.trials import SandboxTrials, Trial, TrialReport
from prosepy.server.generation.verdict import Verdict
from prosepy.server.models.manager import ModelManager
from tests.generation.test_pipeline import Replies


@pytest.fixture(scope="module")
def trials() -> Iterator[SandboxTrials]:
    runner = SandboxTrials(RunSettings(), timeout_s=5.0)
    yield runner
    runner.close()


def block(code: str) -> str:
    return f"```python\n{code}\n```"


def checked(model: Replies, trials: SandboxTrials, **settings: object) -> Generator:
    settings.setdefault("review", False)
    return Generator(
        model,
        GenerateSettings(**settings),  # type: ignore[arg-type]
        lambda: "double",
        grammar=None,
        trials=trials,
    )


def test_an_answer_that_raises_is_repaired_with_the_traceback(trials: SandboxTrials) -> None:
    text = "prices = {'apple': 3, 'pear': 5}\n# nl: print the total of the prices\n"
    model = Replies(block("print(sum(prices))"), block("print(sum(prices.values()))"))
    phases: list[str] = []
    generated = checked(model, trials).run(text, 1, "/tmp/shop.py", on_phase=phases.append)
    assert generated.ok, generated.message
    assert generated.answer.draft is not None
    assert generated.answer.draft.code == "print(sum(prices.values()))"
    verdict = generated.answer.verdict
    assert verdict is not None and verdict.summary == "ran without error"
    assert verdict.report is not None and verdict.report.stdout == "8\n"
    repair = model.requests[1].messages[-1].content
    assert "TypeError" in repair and "sum(prices)" in repair
    assert "In plain words:" in repair
    assert phases[:3] == ["generating", "running", "repairing (candidate 2 of 4)"]


def test_a_doctest_in_the_docstring_is_a_check(trials: SandboxTrials) -> None:
    text = (
        "def mean(xs):\n"
        '    """Average of xs.\n'
        "\n"
        "    >>> mean([1, 2, 3])\n"
        "    2.0\n"
        "    >>> mean([5])\n"
        "    5.0\n"
        '    """\n'
        "    # nl: return the average\n"
    )
    wrong = block("def mean(xs):\n    return sum(xs) // len(xs)")
    right = block("def mean(xs):\n    return sum(xs) / len(xs)")
    model = Replies(wrong, right)
    generated = checked(model, trials).run(text, 8, "/tmp/mean.py")
    assert generated.answer.draft is not None
    assert generated.answer.draft.code == "return sum(xs) / len(xs)"
    assert generated.answer.verdict is not None
    assert generated.answer.verdict.summary == "passed 2 of 2 examples"
    feedback = model.requests[1].messages[-1].content
    assert "`mean([1, 2, 3])`: got 2" in feedback


def test_samples_until_one_passes_the_request_example(trials: SandboxTrials) -> None:
    text = "def double(n):\n    # nl: return n doubled\n    # e.g. double(4) == 8\n"
    model = Replies(
        block("return n + 2"),  # first: wrong
        block("return n + 2"),  # the repair: same mistake
        block("return n ** 2"),  # sample 1: wrong too
        block("return n * 2"),  # sample 2: right
    )
    generated = checked(model, trials, candidates=5).run(text, 1, "/tmp/double.py")
    assert generated.answer.draft is not None
    assert generated.answer.draft.code == "return n * 2"
    assert generated.answer.verdict is not None
    assert generated.answer.verdict.summary == "passed 1 of 1 example"
    temperatures = [r.temperature for r in model.requests]
    assert temperatures == [0.0, 0.0, 0.7, 0.7]


def test_asked_to_print_but_printed_nothing_is_repaired(trials: SandboxTrials) -> None:
    text = "import math\n# nl: print the hypotenuse of a right triangle with sides 3 and 4\n"
    model = Replies(
        block("def hypotenuse(a, b):\n    return math.hypot(a, b)\n\nhypotenuse(3, 4)"),
        block("print(math.hypot(3, 4))"),
    )
    generated = checked(model, trials).run(text, 1, "/tmp/triangle.py")
    assert generated.answer.draft is not None
    assert generated.answer.draft.code == "print(math.hypot(3, 4))"
    verdict = generated.answer.verdict
    assert verdict is not None and verdict.summary == "ran without error"
    assert "printed nothing" in model.requests[1].messages[-1].content


def test_a_function_that_prints_is_met_by_defining_it(trials: SandboxTrials) -> None:
    text = "# nl: a function that prints a greeting for a name\n"
    model = Replies(block("def greet(name):\n    print(f'Hello, {name}!')"))
    generated = checked(model, trials).run(text, 0, "/tmp/greet.py")
    verdict = generated.answer.verdict
    assert verdict is not None
    assert verdict.kind != "failed", verdict.summary
    assert len(model.requests) == 1


def test_a_function_nothing_calls_is_not_claimed_as_checked(trials: SandboxTrials) -> None:
    text = "def greet(name):\n    # nl: return a greeting for name\n"
    model = Replies(block("return f'Hello, {name}!'"))
    generated = checked(model, trials).run(text, 1, "/tmp/greet.py")
    verdict = generated.answer.verdict
    assert verdict is not None and verdict.kind == "unchecked"
    assert verdict.summary.startswith("not checked: nothing calls it")
    assert len(model.requests) == 1


def test_a_named_file_that_is_not_there_is_not_checked(trials: SandboxTrials) -> None:
    text = "# nl: print the first line of report.txt\n"
    model = Replies(block("with open('report.txt') as f:\n    print(f.readline())"))
    generated = checked(model, trials).run(text, 0, "/tmp/nothere/report.py")
    verdict = generated.answer.verdict
    assert verdict is not None
    assert verdict.summary == "not checked: it reads report.txt, which is not there"
    assert len(model.requests) == 1  # no repair for what the sandbox cannot see


def test_an_invented_file_is_repaired_to_use_the_variable(trials: SandboxTrials) -> None:
    text = "csv_text = 'a,b\\n1,2\\n3,4\\n'\n# nl: print how many data rows csv_text has\n"
    model = Replies(
        block("import csv\nwith open('data.csv') as f:\n    print(len(list(csv.reader(f))) - 1)"),
        block("print(len(csv_text.strip().splitlines()) - 1)"),
    )
    generated = checked(model, trials).run(text, 1, "/tmp/rows.py")
    assert generated.answer.draft is not None
    assert generated.answer.draft.code == "print(len(csv_text.strip().splitlines()) - 1)"
    assert "use the variables" in model.requests[1].messages[-1].content


def test_checking_leaves_a_session_alone_and_sees_only_the_file(trials: SandboxTrials) -> None:
    # `secret` exists only in a session the user ran before; the trial must not see it.
    text = "# nl: print secret\n"
    model = Replies(block("print(secret)"), block("print('no secret')"))
    generated = checked(model, trials).run(text, 0, "/tmp/secret.py")
    assert generated.answer.draft is not None
    assert generated.answer.draft.code == "print('no secret')"


def test_the_method_is_taken_from_a_whole_class_reply(trials: SandboxTrials) -> None:
    text = (
        "class Stack:\n"
        "    def __init__(self):\n"
        "        self.items = []\n"
        "\n"
        "    def pop(self):\n"
        "        # nl: remove and return the last item\n"
    )
    reply = block(
        "class Stack:\n"
        "    def __init__(self):\n"
        "        self.items = []\n"
        "\n"
        "    def pop(self):\n"
        "        return self.items.pop()\n"
    )
    generated = checked(Replies(reply), trials).run(text, 5, "/tmp/stack.py")
    assert generated.placement is not None
    assert generated.placement.code_lines == ["        return self.items.pop()"]


def _candidate(kind: str, passed: int, stdout: str) -> Candidate:
    report = TrialReport(stdout=stdout, ran=True)
    verdict = Verdict(kind, kind, report, 2, passed)  # type: ignore[arg-type]
    from prosepy.server.generation.clean import Draft

    return Candidate(Draft(stdout), "", Trial("", 0, 0, "x"), verdict, "sample")


def test_pick_prefers_passing_then_agreement_then_earliest() -> None:
    a, b, c = _candidate("failed", 1, "1"), _candidate("passed", 2, "2"), _candidate("ran", 0, "3")
    assert pick([a, b, c]) is b
    d, e, f = _candidate("ran", 0, "x"), _candidate("ran", 0, "y"), _candidate("ran", 0, "y")
    assert pick([d, e, f]) is e
    assert pick([d]) is d


def test_no_new_code_at_first_then_a_sample_is_taken(trials: SandboxTrials) -> None:
    text = "def triple(n):\n    # nl: return n times three\n    # e.g. triple(2) == 6\n"
    model = Replies(
        block("def triple(n):"),  # only the signature: no new code
        block("def triple(n):"),  # the "nothing new" repair round: the same
        block("return n * 3"),  # a sample
    )
    generated = checked(model, trials).run(text, 1, "/tmp/triple.py")
    assert generated.ok, generated.message
    assert generated.answer.draft is not None
    assert generated.answer.draft.code == "return n * 3"
    assert generated.answer.checked is not None
    assert generated.answer.checked.story() == (
        "passed 1 of 1 example: the first answer had no usable code"
    )


class _OpenAIDouble(BaseHTTPRequestHandler):
    """An OpenAI-compatible endpoint: raising code first, the fix once told of the error."""

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        body = json.dumps({"data": [{"id": "coder"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        told = "raised an error" in request["messages"][-1]["content"]
        code = "print(sum(prices.values()))" if told else "print(sum(prices))"
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for piece in ["```python\n", code, "\n```"]:
            chunk = {"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        done = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        self.wfile.write(f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n".encode())


def test_checking_works_through_an_openai_compatible_server(trials: SandboxTrials) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OpenAIDouble)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    manager = ModelManager(ModelSettings(backend="openai", base_url=url, name="coder"))
    try:
        generator = Generator(
            manager.generate, GenerateSettings(review=False), lambda: "coder", trials=trials
        )
        text = "prices = {'apple': 3, 'pear': 5}\n# nl: print the total of the prices\n"
        generated = generator.run(text, 1, "/tmp/openai.py")
    finally:
        manager.close()
        server.shutdown()
    assert generated.answer.draft is not None
    assert generated.answer.draft.code == "print(sum(prices.values()))"
    assert generated.answer.checked is not None
    assert generated.answer.checked.story() == (
        "ran without error: took the repair of 2; the first raised TypeError: unsupported "
        "operand type(s) for +: 'int' and 'str'"
    )
