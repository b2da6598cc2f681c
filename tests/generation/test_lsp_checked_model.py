"""Checked generation and "fix this error" with the real bundled model, the real sandbox and
the real server over stdio.

Slow (a real 0.5B model on a shared CPU): marked ``model``. Greedy first answers; the
repair test uses a request this model was seen to get wrong at first (it uses a name that is
not defined), so repairing is exercised for real.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.conftest import SERVER_COMMAND, initialize_params, server_env
from tests.generation.lsp_util import Doc, actions, until
from tests.generation.test_lsp_checked import _diagnostics, _fix_actions

MODEL = Path.home() / ".cache/prosepy/models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
pytestmark = [
    pytest.mark.model,
    pytest.mark.skipif(not MODEL.is_file(), reason="run `prosepy model install` first"),
]
OPTIONS = {
    "generate": {"maxTokens": 384, "timeBudgetS": 900, "checkTimeoutS": 10},
    "model": {"nThreads": 1},
}


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env())
)
async def real(lsp_client: LanguageClient):
    lsp_client.ends = []  # type: ignore[attr-defined]
    for method in ("prosepy/modelStatus", "prosepy/runResult", "prosepy/inlineResults"):
        lsp_client.feature(method)(lambda *args: None)

    @lsp_client.feature(types.WORKSPACE_INLAY_HINT_REFRESH)
    def refresh(*args: Any) -> None:
        return None

    await lsp_client.initialize_session(initialize_params(OPTIONS))
    yield
    await lsp_client.shutdown_session()


def run(source: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", source], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def ends(client: LanguageClient) -> list[str]:
    return [
        getattr(value, "message", "") or ""
        for values in client.progress_reports.values()
        for value in values
        if getattr(value, "kind", "") == "end"
    ]


def marks(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    return [d for d in client.diagnostics.get(uri, []) if d.source == "prosepy check"]


async def generate(client: LanguageClient, doc: Doc, line: int) -> None:
    (action,) = await actions(client, doc, line)
    resolved = await client.code_action_resolve_async(action)
    assert resolved.edit is not None, [m.message for m in client.messages]
    assert doc.apply(resolved.edit)
    await until(lambda: marks(client, doc.uri), timeout=30)


async def test_first_answer_raises_and_is_repaired(real: LanguageClient) -> None:
    # The greedy answer uses a `height` nobody defined (seen: NameError every time); the repair
    # round and the samples that follow must end with code that runs.
    text = "width = 4\n# nl: print the area of a rectangle with this width and height\n"
    doc = Doc(real, "area.py", text)
    await generate(real, doc, 1)
    (mark,) = marks(real, doc.uri)
    assert mark.message == "generated code ✓ ran without error"
    end = next(e for e in ends(real) if "tokens in" in e)
    assert "the first raised NameError" in end, end
    # runs without the error (run() asserts the exit status); whether a sampled repair also
    # prints the area is the model's choice, which no example here checks
    run(doc.text)


async def test_a_doctest_becomes_a_check(real: LanguageClient) -> None:
    text = (
        "def celsius_to_f(c):\n"
        '    """Convert Celsius to Fahrenheit.\n'
        "\n"
        "    >>> celsius_to_f(100)\n"
        "    212.0\n"
        '    """\n'
        "    # nl: convert c degrees Celsius to Fahrenheit\n"
    )
    doc = Doc(real, "fahrenheit.py", text)
    await generate(real, doc, 6)
    (mark,) = marks(real, doc.uri)
    assert mark.message == "generated code ✓ passed 1 of 1 example"
    assert mark.severity == types.DiagnosticSeverity.Hint
    assert run(doc.text + "print(celsius_to_f(0))\n").split() == ["32.0"]


async def test_a_request_in_a_method_gets_a_method_body(real: LanguageClient) -> None:
    text = (
        "class Stack:\n"
        "    def __init__(self):\n"
        "        self.items = []\n"
        "\n"
        "    def push(self, item):\n"
        "        self.items.append(item)\n"
        "\n"
        "    def pop(self):\n"
        "        # nl: remove and return the last item\n"
        "\n"
        "\n"
        "s = Stack()\ns.push(1)\ns.push(2)\nprint(s.pop(), s.items)\n"
    )
    doc = Doc(real, "stack.py", text)
    (action,) = await actions(real, doc, 8)
    resolved = await real.code_action_resolve_async(action)
    assert resolved.edit is not None, [m.message for m in real.messages]
    assert doc.apply(resolved.edit)
    lines = doc.lines()
    body = lines[
        lines.index("        # nl: remove and return the last item") + 1 : lines.index(
            "s = Stack()"
        )
    ]
    code = [line for line in body if line.strip()]
    assert code and all(line.startswith("        ") for line in code), body
    assert not any(line.lstrip().startswith("class ") for line in code), body
    assert run(doc.text).split() == ["2", "[1]"]


async def test_checking_leaves_the_session_alone(real: LanguageClient) -> None:
    doc = Doc(real, "session.py", "x = 41\n")
    await real.workspace_execute_command_async(
        types.ExecuteCommandParams("prosepy.run", [{"uri": doc.uri, "line": 0}])
    )
    doc.change((0, 0), (0, 6), "# nl: set x to 5 and print x")
    await generate(real, doc, 0)
    line = len(doc.lines())
    doc.change((line, 0), (line, 0), "x\n")
    value = await real.workspace_execute_command_async(
        types.ExecuteCommandParams("prosepy.run", [{"uri": doc.uri, "line": line}])
    )
    assert value is not None
    assert value["lines"][0]["text"] == "→ 41"  # the generated `x = 5` ran elsewhere


async def fix_actions(client: LanguageClient, doc: Doc, line: int) -> list[types.CodeAction]:
    await client.workspace_execute_command_async(
        types.ExecuteCommandParams("prosepy.runFile", [{"uri": doc.uri}])
    )
    await until(lambda: _diagnostics(client, doc.uri, "prosepy run"))
    return await _fix_actions(client, doc, line)


@pytest.mark.parametrize(
    ("name", "text", "line", "output"),
    [
        ("names", "items = [3, 1, 2]\nprint(sorted(item))\n", 1, ["[1,", "2,", "3]"]),
        (
            "ratio",
            "def average(values):\n    return sum(values) / len(values)\n\nprint(average([]))\n",
            1,
            None,
        ),
    ],
)
async def test_fix_this_error(
    real: LanguageClient, name: str, text: str, line: int, output: list[str] | None
) -> None:
    doc = Doc(real, f"{name}.py", text)
    (action,) = await fix_actions(real, doc, line)
    fixed = await real.code_action_resolve_async(action)
    assert fixed.edit is not None, [m.message for m in real.messages]
    assert fixed.title.startswith("Fix ")  # says what changed
    assert doc.apply(fixed.edit)
    out = run(doc.text)  # runs without the error now
    if output is not None:
        assert out.split() == output


async def test_no_edit_when_no_fix_can_be_checked(real: LanguageClient) -> None:
    # `total` exists only in the session (the line defining it is gone): a fresh run does not
    # raise the same way, so no fix can be proven, and none is offered.
    doc = Doc(real, "session-fix.py", "total = 10\n")
    await real.workspace_execute_command_async(
        types.ExecuteCommandParams("prosepy.runFile", [{"uri": doc.uri}])
    )
    doc.change((0, 0), (0, 10), "print(total / 0)")
    (action,) = await fix_actions(real, doc, 0)
    fixed = await real.code_action_resolve_async(action)
    assert fixed.edit is None
    await until(lambda: any("prosepy:" in m.message for m in real.messages))
    assert any("no fix" in m.message or "could not find" in m.message for m in real.messages)


LARGER = MODEL.with_name("qwen2.5-coder-1.5b-instruct-q4_k_m.gguf")
VOWEL = '''
def get_closest_vowel(word):
    """You are given a word. Your task is to find the closest vowel that stands between
    two consonants from the right side of the word (case sensitive).

    Vowels in the beginning and ending doesn't count. Return empty string if you didn't
    find any vowel met the above condition.

    You may assume that the given string contains English letter only.

    Example:
    get_closest_vowel("yogurt") ==> "u"
    get_closest_vowel("FULL") ==> "U"
    get_closest_vowel("quick") ==> ""
    get_closest_vowel("ab") ==> ""
    """
    # nl: implement this function as its docstring describes
'''


@pytest.mark.skipif(not LARGER.is_file(), reason="`prosepy model install` installs the 1.5B model")
async def test_the_larger_model_writes_what_the_small_one_could_not(real: LanguageClient) -> None:
    # HumanEval/118: this 0.5B model's first answer, its repair and its samples all miss
    # examples (seen in every HumanEval run); the 1.5B model's first answer passes all four.
    doc = Doc(real, "vowel.py", VOWEL)
    await generate(real, doc, VOWEL.count("\n") - 1)
    (mark,) = marks(real, doc.uri)
    assert mark.message == "generated code ✓ passed 4 of 4 examples, written by the larger model"
    end = next(e for e in ends(real) if "tokens in" in e)
    assert "the first model's code passed" in end, end
    calls = "print(repr(get_closest_vowel('yogurt')), repr(get_closest_vowel('ab')))\n"
    assert run(doc.text + calls).split() == ["'u'", "''"]
