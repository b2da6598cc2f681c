"""Placing drafts: indentation, import hoisting, parse checks, re-anchoring."""

from __future__ import annotations

import ast

from prosepy.server.generation.clean import Draft
from prosepy.server.generation.place import apply_edits, place
from prosepy.server.generation.requests import find_anchor, request_at


def _place(text: str, line: int, draft: Draft, parses: bool = True, replace=None):
    request = request_at(text.splitlines(), line)
    assert request is not None
    return place(text, request, draft, parses, replace)


def test_inserted_below_comment_which_stays() -> None:
    text = "x = 1\n# nl: 计算 1 到 100 的和\nprint(x)\n"
    p = _place(text, 1, Draft("print(sum(range(1, 101)))"))
    assert p.error is None
    assert p.new_text == "x = 1\n# nl: 计算 1 到 100 的和\nprint(sum(range(1, 101)))\nprint(x)\n"
    assert (p.code_start, p.code_end) == (2, 3)
    assert apply_edits(text, p.edits) == p.new_text


def test_indented_in_function_body_and_imports_hoisted_to_top() -> None:
    text = '"""Module."""\nimport os\n\n\ndef f(path):\n    # nl: load the json at path\n'
    p = _place(text, 5, Draft("with open(path) as fh:\n    return json.load(fh)", ["import json"]))
    assert p.error is None
    lines = p.new_text.splitlines()
    assert lines[:3] == ['"""Module."""', "import os", "import json"]
    assert lines[-2:] == ["    with open(path) as fh:", "        return json.load(fh)"]
    assert (p.code_start, p.code_end) == (7, 9)
    ast.parse(p.new_text)


def test_existing_import_not_duplicated() -> None:
    text = "import json, os\n# nl: dump\n"
    p = _place(text, 1, Draft("print(json.dumps(1))", ["import json"]))
    assert p.imports_added == [] and p.new_text.count("import json") == 1


def test_broken_result_is_refused() -> None:
    text = "def f():\n    # nl: thing\n"
    p = _place(text, 1, Draft("return (1"), parses=True)
    assert p.error is not None and "line 1 of your code" in p.error
    top = _place("# nl: thing\n", 0, Draft("return 1"))
    assert top.error is not None  # 'return' outside function


def test_file_with_its_own_errors_checks_snippet_only() -> None:
    text = "def broken(:\n    pass\n# nl: thing\n"
    ok = _place(text, 2, Draft("print(1)"), parses=False)
    assert ok.error is None
    bad = _place(text, 2, Draft("print(1"), parses=False)
    assert bad.error is not None


def test_no_trailing_newline_and_crlf() -> None:
    p = _place("# nl: one", 0, Draft("print(1)"))
    assert p.new_text == "# nl: one\nprint(1)"
    crlf = _place("# nl: one\r\nx = 1\r\n", 0, Draft("print(1)\nprint(2)"))
    assert crlf.new_text == "# nl: one\r\nprint(1)\r\nprint(2)\r\nx = 1\r\n"


def test_replace_only_the_generated_lines() -> None:
    text = "# nl: one\nprint(1)\nuser = 2\n"
    p = _place(text, 0, Draft("print('one')"), replace=(1, 2))
    assert p.new_text == "# nl: one\nprint('one')\nuser = 2\n"


def test_reanchored_after_concurrent_edit() -> None:
    text = "# nl: one\n"
    request = request_at(text.splitlines(), 0)
    assert request is not None
    edited = "a = 1\nb = 2\n# nl: one\n"
    moved = find_anchor(edited.splitlines(), request)
    assert moved is not None
    p = place(edited, moved, Draft("print(a + b)"), True)
    assert p.new_text == "a = 1\nb = 2\n# nl: one\nprint(a + b)\n"


def test_forgotten_standard_import_is_added_at_the_top() -> None:
    text = 'import os\n\nconfig = {"a": 1}\n# nl: print config as json\n'
    p = _place(text, 3, Draft("print(json.dumps(config))"))
    assert p.imports_added == ["import json"]
    assert p.new_text.splitlines()[:2] == ["import os", "import json"]
    user_json = _place("json = 1\n# nl: x\n", 1, Draft("print(json)"))
    assert user_json.imports_added == []
