"""Nothing lost: for random documents and random edits typed while a generation runs, the
final document holds every character the user had, in order (property test, real server).

The editor double applies a server edit only if its version is current, like VS Code: on the
resolve path the client applies the resolved ``TextDocumentEdit``; on the command path the
server sends ``workspace/applyEdit`` while the user is still typing. Every character carries
its origin (original, typed, generated), so "lost" is exact: an original or typed character
that is no longer in the document. Both first generations and regenerations are covered
(a regeneration replaces generated lines, which the user may be typing into).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prosepy.server.generation.requests import request_at
from prosepy.server.lines import line_texts
from tests.robustness.editor import Doc, Editor, lsp_lines, scripted_model

DIR = Path(tempfile.mkdtemp(prefix="prosepy-nothing-lost-"))
REPLY = "```python\n" + "\n".join(f"item_{i} = {i} + 1" for i in range(8)) + "\nprint(item_7)\n```"
REQUEST = "# nl: make items"


def _editor(name: str, resolve: bool) -> Editor:
    script = scripted_model(DIR, name, [REPLY], 0.004)
    env = {"PROSEPY_SCRIPTED_MODEL": str(script), "PROSEPY_CACHE": str(DIR / f"cache-{name}")}
    # generation cache off in effect: each example's document differs, so prompts differ
    return Editor(env=env, resolve=resolve)


@pytest.fixture(scope="module")
def editors():
    eds = {"resolve": _editor("resolve", True), "command": _editor("command", False)}
    yield eds
    for ed in eds.values():
        assert ed.proc.poll() is None, "the server died"
        ed.close()


_LINES = [
    "x = 1",
    "",
    "def f(a, b):",
    "    return a + b",
    "s = '中文 😀 text'",
    "\tpass",
    "if x:",
    "print(x)",
    "# a comment",
    "broken = (",
    "y = [1, 2,",
    '"""doc"""',
]
documents = st.tuples(
    st.lists(st.sampled_from(_LINES), max_size=6),
    st.lists(st.sampled_from(_LINES), max_size=6),
    st.sampled_from(["\n", "\r\n"]),
).map(lambda t: (t[2].join([*t[0], REQUEST, *t[1]]) + t[2], len(t[0])))
#: (where in the document as a fraction, what is typed, pause after it in ms)
typing = st.lists(
    st.tuples(
        st.floats(0, 1),
        st.sampled_from(["a", "中", "😀", " ", "\n", "= 1", "\t", "#", "é", "(", "'"]),
        st.integers(0, 15),
    ),
    max_size=25,
)


def _type(doc: Doc, edits: list[tuple[float, str, int]]) -> int:
    typed = 0
    for where, piece, pause in edits:
        with doc.editor.lock:  # not between an applyEdit and this keystroke
            text = doc.text
            offset = int(where * len(text))
            if 0 < offset < len(text) and text[offset - 1] == "\r" and text[offset] == "\n":
                offset += 1  # an editor's cursor is never inside a CRLF
            doc.type_at(offset, piece)
        typed += len(piece)
        time.sleep(pause / 1000)
    return typed


def _generate(
    ed: Editor,
    doc: Doc,
    path: str,
    line: int,
    regenerate: bool,
    edits: list[tuple[float, str, int]],
) -> int:
    """One generation with ``edits`` typed meanwhile; returns the characters typed."""
    actions = ed.generate_actions(doc, line)
    chosen = [a for a in actions if a["data"]["regenerate"] == regenerate]
    if not chosen:
        return _type(doc, edits)
    if path == "resolve":
        msg_id = ed.request("codeAction/resolve", chosen[0])
        typed = _type(doc, edits)
        reply = ed.response(msg_id)
        assert "result" in reply, reply
        doc.apply(reply["result"].get("edit"))
    else:
        msg_id = ed.request("workspace/executeCommand", chosen[0]["command"])
        typed = _type(doc, edits)
        reply = ed.response(msg_id)
        assert "result" in reply, reply
    return typed


def _request_line(doc: Doc) -> int | None:
    lines = [ln.rstrip("\r\n") for ln in lsp_lines(doc.text)]
    return lines.index(REQUEST) if REQUEST in lines else None


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    document=documents,
    path=st.sampled_from(["resolve", "command"]),
    first=typing,
    second=st.none() | typing,
)
def test_every_typed_character_survives(
    editors: dict[str, Editor], document: tuple[str, int], path: str, first: Any, second: Any
) -> None:
    ed = editors[path]
    text, line = document
    doc = ed.open("lost.py", text)
    try:
        expected = len(text) + _generate(ed, doc, path, line, False, first)
        assert len(doc.kept("ou")) == expected, ("a character the user had is gone", doc.applied)
        if second is not None:
            at = _request_line(doc)
            if at is not None:
                expected += _generate(ed, doc, path, at, True, second)
                assert len(doc.kept("ou")) == expected, ("regeneration lost text", doc.applied)
        # the server's copy is still the client's: what the request finder sees in the
        # client's text is what the server offers (typing can legitimately turn the request
        # into string contents, e.g. 'a' typed inside the closing quotes of """doc""")
        at = _request_line(doc)
        if at is not None:
            titles = [a["title"] for a in ed.generate_actions(doc, at)]
            found = request_at(line_texts(doc.text), at)
            assert ("Generate code: make items" in titles) == (found is not None), (
                doc.text,
                titles,
            )
    finally:
        doc.close()
        ed.docs.pop(doc.uri, None)
