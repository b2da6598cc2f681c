"""Documents from the wild, through the real server over stdio: huge files, very long lines,
CRLF and mixed line endings, tabs, lone surrogates, non-UTF-8 files, UTF-16 positions with
emoji and CJK before the cursor, syntax errors everywhere, and ``# nl:`` inside strings.

The model is the scripted double (fast); the sandbox and jedi are real.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.robustness.editor import Doc, Editor, lsp_lines, scripted_model, utf16_len

DIR = Path(tempfile.mkdtemp(prefix="prosepy-wild-"))
REPLY = "```python\nanswer = 6 * 7\nprint(answer)\n```"


@pytest.fixture(scope="module")
def editor():
    script = scripted_model(DIR, "wild", [REPLY], 0.0)
    ed = Editor(
        env={"PROSEPY_SCRIPTED_MODEL": str(script), "PROSEPY_CACHE": str(DIR / "cache")},
        options={"run": {"mode": "fresh"}},
    )
    yield ed
    assert ed.proc.poll() is None, "the server died"
    ed.close()


def result(editor: Editor, msg_id: int) -> Any:
    reply = editor.response(msg_id)
    assert "result" in reply, reply
    return reply["result"]


def hover_text(editor: Editor, doc: Doc, line: int, character: int) -> str:
    found = result(editor, editor.hover(doc, line, character))
    return found["contents"]["value"] if found else ""


def run_statement(editor: Editor, doc: Doc, line: int) -> dict[str, Any]:
    found: dict[str, Any] = result(
        editor, editor.command("prosepy.run", {"uri": doc.uri, "line": line})
    )
    return found


def run_range(editor: Editor, doc: Doc, start: tuple[int, int], end: tuple[int, int]) -> Any:
    rng = {
        "start": {"line": start[0], "character": start[1]},
        "end": {"line": end[0], "character": end[1]},
    }
    return result(editor, editor.command("prosepy.run", {"uri": doc.uri, "range": rng}))


def values(run: dict[str, Any]) -> dict[int, str]:
    return {v["line"]: v["full"] for v in run["lines"]}


def generate(editor: Editor, doc: Doc, line: int) -> bool:
    (action,) = editor.generate_actions(doc, line)
    resolved = editor.call("codeAction/resolve", action)
    return doc.apply(resolved.get("edit"))


# -- size ----------------------------------------------------------------------------------
def test_fifty_thousand_lines(editor: Editor) -> None:
    body = [f"v{i} = {i}" for i in range(50_000)]
    body[25_000] = "# nl: multiply six by seven"
    doc = editor.open("big.py", "\n".join(body) + "\n")
    assert "v49999" in hover_text(editor, doc, 49_999, 1)
    assert run_statement(editor, doc, 49_999)["ok"]
    # an edit deep in the file reaches the server's copy at the right line
    start = sum(len(x) for x in lsp_lines(doc.text)[:40_000])
    doc.replace(start, start + len("v40000 = 40000"), "marker = 41 * 1000 + 3")
    assert values(run_statement(editor, doc, 40_000)) == {40_000: "41003"}
    assert generate(editor, doc, 25_000)
    lines = lsp_lines(doc.text)
    assert lines[25_000:25_003] == [
        "# nl: multiply six by seven\n",
        "answer = 6 * 7\n",
        "print(answer)\n",
    ]
    assert doc.kept("ou") == doc.kept("oug").replace("answer = 6 * 7\nprint(answer)\n", "", 1)
    doc.close()


def test_very_long_line(editor: Editor) -> None:
    long = "data = [" + ", ".join(str(i) for i in range(200_000)) + "]"
    doc = editor.open("long.py", long + "\nsize = len(data)\nsize\n")
    assert len(long) > 1_000_000
    assert "data" in hover_text(editor, doc, 0, 1)
    hover_text(editor, doc, 0, 700_000)  # answered (a number deep in the list)
    assert values(run_range(editor, doc, (0, 0), (2, 4)))[2] == "200000"
    doc.close()


# -- line endings and whitespace -----------------------------------------------------------
def test_crlf_and_mixed_line_endings(editor: Editor) -> None:
    text = "a = 1\r\nb = 2\rc = 3\n# nl: multiply six by seven\r\nd = a + b + c\r\nd\r\n"
    doc = editor.open("mixed.py", text)
    assert values(run_range(editor, doc, (0, 0), (5, 1)))[5] == "6"
    start = text.index("c = 3")
    doc.replace(start, start + 5, "c = 30")
    assert values(run_range(editor, doc, (2, 0), (2, 6))) == {2: "30"}
    assert values(run_range(editor, doc, (0, 0), (5, 1)))[5] == "33"
    assert "c" in hover_text(editor, doc, 2, 0)
    assert generate(editor, doc, 3)
    lines = lsp_lines(doc.text)
    assert lines[:4] == ["a = 1\r\n", "b = 2\r", "c = 30\n", "# nl: multiply six by seven\r\n"]
    assert [ln.rstrip("\r\n") for ln in lines[4:6]] == ["answer = 6 * 7", "print(answer)"]
    assert lines[6:] == ["d = a + b + c\r\n", "d\r\n"]
    compile(doc.text, "mixed.py", "exec")
    doc.close()


def test_tab_indented_function(editor: Editor) -> None:
    text = "def f(x):\n\tif x:\n\t\t# nl: multiply six by seven\n\t\tpass\n\treturn x\n"
    doc = editor.open("tabs.py", text)
    assert generate(editor, doc, 2)
    compile(doc.text, "tabs.py", "exec")  # no TabError: the code follows the tabs
    assert "\t\tanswer = 6 * 7\n" in doc.text
    assert "x" in hover_text(editor, doc, 1, 4)  # on `x` in `\tif x:`, one tab = one unit
    doc.close()


def test_form_feed_and_unicode_line_separators_are_not_line_breaks(editor: Editor) -> None:
    # Python and editors keep \f, \v, \x1c, \x85, \u2028 inside a line; str.splitlines does not.
    text = 'a = 1\n\x0c\nsep = "x\u2028y\x85z\x1c"\nb = 2\nb\n'
    doc = editor.open("separators.py", text)
    assert values(run_range(editor, doc, (3, 0), (4, 1)))[4] == "2"
    start = doc.text.index("b = 2")
    doc.replace(start, start + 5, "b = 5")
    assert values(run_range(editor, doc, (3, 0), (4, 1)))[4] == "5"
    assert "b" in hover_text(editor, doc, 3, 0)
    doc.close()
    text = 'a = 1\n\x0c\nsep = "x\u2028y"\n# nl: multiply six by seven\nb = 2\n'
    doc = editor.open("separators-generate.py", text)
    assert generate(editor, doc, 3)
    assert doc.text == text.replace("seven\n", "seven\nanswer = 6 * 7\nprint(answer)\n")
    doc.close()


# -- encodings -----------------------------------------------------------------------------
def test_lone_surrogates_get_answers(editor: Editor) -> None:
    # JSON may carry lone surrogates ("\ud83d"); nothing may crash on them.
    raw = (
        '{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": '
        '{"uri": "file:///tmp/prosepy-robustness/surrogate.py", "languageId": "python", '
        '"version": 1, "text": "s = \\"\\ud83d\\"\\n# nl: multiply six by seven\\nx = 2\\nx\\n"}}}'
    )
    editor.send_bytes(raw.encode())
    doc = Doc.__new__(Doc)
    doc.uri = "file:///tmp/prosepy-robustness/surrogate.py"
    for line in range(4):
        editor.response(editor.hover(doc, line, 1))
        editor.response(editor.code_actions(doc, line))
    for args in ({"uri": doc.uri, "line": 3}, {"uri": doc.uri, "line": 0}, {"uri": doc.uri}):
        reply = editor.response(editor.command("prosepy.run", args))
        assert ("result" in reply) != ("error" in reply)
    reply = editor.response(editor.command("prosepy.runFile", {"uri": doc.uri}))
    assert ("result" in reply) != ("error" in reply)
    assert editor.alive()


def test_non_utf8_file_on_disk_gets_a_clear_error(editor: Editor) -> None:
    path = DIR / "latin1.py"
    path.write_bytes("name = 'café'\nprint(name)\n".encode("latin-1"))
    reply = editor.response(editor.command("prosepy.runFile", {"uri": path.as_uri()}))
    assert "error" in reply and "utf-8" in reply["error"]["message"].lower()
    # body bytes that are not UTF-8 at all: a parse error, and the server keeps serving
    editor.send_bytes(b'{"jsonrpc": "2.0", "id": "bad-utf8", "method": "x", "params": "\xff\xfe"}')
    assert editor.alive()


def test_utf16_positions_land_on_the_right_character(editor: Editor) -> None:
    # emoji are two UTF-16 units, CJK one; positions count UTF-16 units (the default encoding)
    line = 'pair = ("😀😀 中文", len("ab"), 40 + 2)'
    doc = editor.open("utf16.py", line + "\n# nl: 乘法 😀 six by seven\npair\n")
    col = utf16_len(line[: line.index("len")])
    assert col == line.index("len") + 2
    assert "number of items" in hover_text(editor, doc, 0, col + 1)  # explains len(...)
    # the same number in code points points into the string: a different explanation
    assert "number of items" not in hover_text(editor, doc, 0, line.index("len") + 1)
    expr = utf16_len(line[: line.index("40 + 2")])
    assert values(run_range(editor, doc, (0, expr), (0, expr + 6))) == {0: "42"}
    actions = editor.generate_actions(doc, 1)
    assert [a["title"] for a in actions] == ["Generate code: 乘法 😀 six by seven"]
    assert generate(editor, doc, 1)
    assert lsp_lines(doc.text)[2:4] == ["answer = 6 * 7\n", "print(answer)\n"]
    # a typed edit after the emoji lands where the user typed it
    at = doc.text.index("40")
    doc.replace(at, at + 2, "50")
    assert values(run_range(editor, doc, (0, expr), (0, expr + 6))) == {0: "52"}
    doc.close()


# -- syntax errors and `# nl:` look-alikes -------------------------------------------------
def test_nl_inside_strings_and_docstrings_is_not_a_request(editor: Editor) -> None:
    text = (
        "def f():\n"
        '    """Docstring.\n'
        "    # nl: not a request inside a docstring\n"
        '    """\n'
        '    s = "# nl: not a request in a string"\n'
        "    t = '''\n"
        "# nl: nor in a triple-quoted string\n"
        "'''\n"
        "    return s  # nl: a trailing comment is not a request either\n"
        "# nl: but this one is\n"
    )
    doc = editor.open("strings.py", text)
    for line in range(9):
        assert editor.generate_actions(doc, line) == [], line
    assert len(editor.generate_actions(doc, 9)) == 1
    lenses = editor.call("textDocument/codeLens", {"textDocument": {"uri": doc.uri}})
    generate_lenses = [lens for lens in lenses if lens["command"]["command"] == "prosepy.generate"]
    assert [lens["range"]["start"]["line"] for lens in generate_lenses] == [9]
    doc.close()


_PIECES = [
    "def",
    "class",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    "=",
    "==",
    "lambda",
    "\n",
    "\n    ",
    "\t",
    "'",
    '"',
    '"""',
    "#",
    "# nl: do it",
    "# %%",
    "x",
    "1",
    "0x",
    "print",
    "if",
    "else",
    ",",
    ".",
    "@",
    "\\",
    " ",
    "😀",
    "中",
    "\r\n",
    "\r",
    "await",
    "yield",
    "f'{",
    "}'",
]
garbage_docs = st.lists(st.sampled_from(_PIECES), max_size=80).map("".join)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    text=garbage_docs,
    points=st.lists(st.tuples(st.integers(0, 30), st.integers(0, 90)), max_size=4),
)
def test_syntax_errors_everywhere(editor: Editor, text: str, points: list[tuple[int, int]]) -> None:
    doc = editor.open("garbage.py", text)
    ids = []
    for line, char in points:
        ids.append(editor.hover(doc, line, char))
        ids.append(editor.code_actions(doc, line, line + 3))
        ids.append(editor.command("prosepy.run", {"uri": doc.uri, "line": line}))
    ids.append(editor.request("textDocument/codeLens", {"textDocument": {"uri": doc.uri}}))
    for msg_id in ids:
        reply = editor.response(msg_id)
        assert ("result" in reply) != ("error" in reply), reply
        if "error" in reply:
            assert reply["error"]["message"], reply
    doc.close()
    assert editor.proc.poll() is None


def test_stays_in_step_through_everything(editor: Editor) -> None:
    """After all of the above, the server still runs code where the client says it is."""
    doc = editor.open("final.py", "x = 1\nx\n")
    assert values(run_range(editor, doc, (0, 0), (1, 1)))[1] == "1"
    assert json.dumps(editor.messages("window/showMessage"))  # messages were well-formed
    doc.close()
