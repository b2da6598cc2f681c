"""Concurrency through the real server over stdio: nothing waits on the model unless it needs it.

A generation is made to last seconds with the scripted model double (``token_delay_s``);
meanwhile hover, code actions, code lenses and runs must be answered *before* the generation
ends (the assertions are about order, not time). The last test does the same with the real
bundled model (``-m model``).
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.robustness.editor import Doc, Editor, lsp_lines, scripted_model

DIR = Path(tempfile.mkdtemp(prefix="prosepy-concurrency-"))
LINES = "\n".join(f"value_{i} = {i} * 2" for i in range(40))
SLOW_REPLY = f"```python\n{LINES}\n```"  # ~280 tokens: 14 s at 0.05 s a token
MODEL = Path.home() / ".cache/prosepy/models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"


def _editor(name: str, delay: float, resolve: bool = True, **extra: str) -> Editor:
    script = scripted_model(DIR, name, [SLOW_REPLY], delay)
    env = {"PROSEPY_SCRIPTED_MODEL": str(script), "PROSEPY_CACHE": str(DIR / f"cache-{name}")}
    env.update(extra)
    return Editor(env=env, resolve=resolve, options={"generate": {"timeBudgetS": 600}})


@pytest.fixture
def editor():
    ed = _editor("slow", 0.05)
    yield ed
    assert ed.proc.poll() is None, "the server died"
    ed.close()


def generating(editor: Editor) -> bool:
    """The server has reported tokens from a running generation."""
    for params in editor.messages("$/progress"):
        value = (params or {}).get("value") or {}
        if value.get("kind") == "report" and "tokens" in (value.get("message") or ""):
            return True
    return False


def start_generation(editor: Editor, doc: Doc, line: int, wait: float = 60.0) -> int:
    (action,) = editor.generate_actions(doc, line)
    msg_id = editor.request("codeAction/resolve", action)
    editor.wait_for(lambda: generating(editor) or editor.done(msg_id), wait)
    assert not editor.done(msg_id), editor.response(msg_id)
    return msg_id


def cancel(editor: Editor, msg_id: int) -> dict[str, Any]:
    editor.notify("$/cancelRequest", {"id": msg_id})
    return editor.response(msg_id)


def answered_first(editor: Editor, gen_id: int, msg_id: int) -> dict[str, Any]:
    reply = editor.response(msg_id)
    assert not editor.done(gen_id), "this request waited for the generation"
    assert "result" in reply, reply
    return reply


def test_hover_actions_lenses_and_runs_answer_during_a_generation(editor: Editor) -> None:
    doc = editor.open("busy.py", "import os\n\n# nl: make values\ntotal = sum(range(101))\ntotal\n")
    gen = start_generation(editor, doc, 2)
    hover = answered_first(editor, gen, editor.hover(doc, 3, 1))
    assert "total" in hover["result"]["contents"]["value"]
    hover = answered_first(editor, gen, editor.hover(doc, 0, 8))  # jedi on `os`
    actions = answered_first(editor, gen, editor.code_actions(doc, 2))["result"]
    assert any(a["title"] == "Generate code: make values" for a in actions)
    answered_first(
        editor, gen, editor.request("textDocument/codeLens", {"textDocument": {"uri": doc.uri}})
    )
    run = answered_first(editor, gen, editor.command("prosepy.runFile", {"uri": doc.uri}))
    assert {v["line"]: v["full"] for v in run["result"]["lines"]}[4] == "5050"
    again = answered_first(editor, gen, editor.command("prosepy.run", {"uri": doc.uri, "line": 4}))
    assert again["result"]["ok"]
    # the generation itself is still going and can be cancelled
    reply = cancel(editor, gen)
    assert "error" in reply or not reply["result"].get("edit")
    assert editor.alive()


def test_rapid_edits_during_a_generation_lose_nothing(editor: Editor) -> None:
    doc = editor.open("typing.py", "first = 1\n# nl: make values\nlast = 2\n")
    gen = start_generation(editor, doc, 1)
    rng = random.Random(8)
    typed = 0
    for i in range(150):  # a burst of typing all over the document, including CJK and emoji
        lines = lsp_lines(doc.text)
        line = rng.choice([0, len(lines) - 1])  # above and below the request
        offset = sum(len(x) for x in lines[:line]) + rng.randint(0, len(lines[line].rstrip("\n")))
        piece = rng.choice(["a", "中", "😀", " ", "=", str(i % 10)])
        doc.type_at(offset, piece)
        typed += len(piece)
    user_text = doc.text
    assert not editor.done(gen)
    reply = editor.response(gen)
    assert "edit" in reply["result"], editor.messages("window/showMessage")
    assert doc.apply(reply["result"]["edit"]), "the edit was built against an old version"
    assert doc.kept("ou") == user_text  # every typed character is still there, in order
    lines = lsp_lines(doc.text)
    at = lines.index("# nl: make values\n")
    assert lines[at + 1] == "value_0 = 0 * 2\n" and lines[at + 40] == "value_39 = 39 * 2\n"
    assert len(doc.kept("u")) == typed


def test_two_generations_for_two_comments_at_once() -> None:
    # the command path (no resolve support): the server applies both with workspace/applyEdit
    ed = _editor("two", 0.01, resolve=False)
    try:
        doc = ed.open("two.py", "# nl: make values\nmiddle = 1\n# nl: make more values\n")
        first = ed.generate_actions(doc, 0)[0]["command"]
        second = ed.generate_actions(doc, 2)[0]["command"]
        a = ed.request("workspace/executeCommand", first)
        b = ed.request("workspace/executeCommand", second)
        assert ed.response(a)["result"] == {"applied": True}
        assert ed.response(b)["result"] == {"applied": True}
        lines = lsp_lines(doc.text)
        assert lines[0] == "# nl: make values\n" and lines[1] == "value_0 = 0 * 2\n"
        second_at = lines.index("# nl: make more values\n")
        assert lines[second_at + 1] == "value_0 = 0 * 2\n"
        assert lines[second_at - 1] == "middle = 1\n"
        assert doc.kept("ou") == "# nl: make values\nmiddle = 1\n# nl: make more values\n"
        assert ed.alive()
    finally:
        ed.close()


def test_a_run_and_a_generation_at_once(editor: Editor) -> None:
    doc = editor.open(
        "both.py",
        "# nl: make values\n# %%\nimport time\ntime.sleep(0.3)\nanswer = 41 + 1\nanswer\n",
    )
    gen = start_generation(editor, doc, 0)
    run = editor.command("prosepy.runCell", {"uri": doc.uri, "line": 3})
    result = answered_first(editor, gen, run)["result"]
    assert {v["line"]: v["full"] for v in result["lines"]}[5] == "42"
    reply = editor.response(gen)
    assert doc.apply(reply["result"]["edit"])
    assert lsp_lines(doc.text)[1] == "value_0 = 0 * 2\n"


@pytest.mark.model
@pytest.mark.skipif(not MODEL.is_file(), reason="run `prosepy model install` first")
def test_real_model_generating_does_not_block_hover_or_runs() -> None:
    ed = Editor(
        env={"PROSEPY_CACHE": str(MODEL.parent.parent)},  # where the installed model is
        options={"generate": {"maxTokens": 96, "timeBudgetS": 600}, "model": {"nThreads": 1}},
    )
    try:
        doc = ed.open("real.py", "# nl: print the squares of 1 to 20, one per line\nx = 6 * 7\nx\n")
        gen = start_generation(ed, doc, 0, wait=600)  # the real model has produced tokens
        hover = answered_first(ed, gen, ed.hover(doc, 1, 0))
        assert "x" in hover["result"]["contents"]["value"]
        run = answered_first(ed, gen, ed.command("prosepy.runFile", {"uri": doc.uri}))
        assert {v["line"]: v["full"] for v in run["result"]["lines"]}[2] == "42"
        answered_first(ed, gen, ed.code_actions(doc, 0))
        reply = ed.response(gen, timeout=600)
        assert "result" in reply
        if reply["result"].get("edit"):
            assert doc.apply(reply["result"]["edit"])
            assert (
                doc.kept("ou") == "# nl: print the squares of 1 to 20, one per line\nx = 6 * 7\nx\n"
            )
        assert ed.alive()
    finally:
        ed.close()
