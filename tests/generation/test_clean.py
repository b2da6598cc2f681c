"""Cleaning model replies into code."""

from __future__ import annotations

import pytest

from prosepy.server.generation.clean import CleanError, clean_reply, extract_code, indent


def test_fence_think_and_prose_are_stripped() -> None:
    reply = "<think>Let me think...</think>\nHere is the code:\n```python\nprint(1)\n```\nDone."
    assert clean_reply(reply).code == "print(1)"


def test_unterminated_think_and_fence() -> None:
    assert extract_code("```python\nx = 1\ny = 2") == "x = 1\ny = 2"
    with pytest.raises(CleanError):
        clean_reply("<think>never closed")


def test_python_block_is_preferred_and_plain_code_accepted() -> None:
    reply = "```text\nout\n```\n```py\nz = 3\n```"
    assert extract_code(reply) == "z = 3"
    assert clean_reply("total = sum(range(1, 101))\nprint(total)").code.startswith("total =")


def test_imports_are_split_for_hoisting() -> None:
    draft = clean_reply("```python\nimport json\nfrom os import path\n\nprint(json.dumps(1))\n```")
    assert draft.imports == ["import json", "from os import path"]
    assert draft.code == "print(json.dumps(1))"


def test_rewritten_enclosing_function_is_unwrapped() -> None:
    reply = (
        "```python\nimport math\n\ndef helper(v):\n    return v * 2\n\n"
        'def area(r):\n    """Doc."""\n    # compute\n    return math.pi * helper(r)\n\n'
        "print(area(2))\n```"
    )
    draft = clean_reply(reply, function="area")
    assert draft.imports == ["import math"]
    assert draft.code == "def helper(v):\n    return v * 2\n# compute\nreturn math.pi * helper(r)"


def test_echoed_request_and_context_are_dropped() -> None:
    reply = "```python\nrows = load()\n# nl: count rows\nprint(len(rows))\n```"
    draft = clean_reply(reply, echo=["rows = load()"])
    assert draft.code == "print(len(rows))"


def test_indent_keeps_blank_lines_blank() -> None:
    assert indent("a = 1\n\nif a:\n    b = 2", "    ") == "    a = 1\n\n    if a:\n        b = 2"


def test_echoed_context_after_its_imports_is_dropped() -> None:
    reply = (
        '```python\nimport os\n\nconfig = {"port": 1}\n\n# nl: dump config\n'
        "text = json.dumps(config)\nprint(text)\n```"
    )
    draft = clean_reply(reply, echo=["", 'config = {"port": 1}'])
    assert draft.imports == ["import os"]
    assert draft.code == "text = json.dumps(config)\nprint(text)"


def test_missing_standard_imports_are_found() -> None:
    from prosepy.server.generation.clean import missing_imports

    code = "data = json.loads(s)\nfor p in os.listdir(root):\n    print(math.sqrt(len(p)))"
    assert missing_imports(code, {"s", "root", "os"}) == ["import json", "import math"]
    assert missing_imports("def f(json):\n    return json.x", set()) == []
    assert missing_imports("print(sum(range(3)))", set()) == []


def test_a_loop_rewritten_around_the_request_gives_its_body() -> None:
    reply = "```python\nfor n in [3, 4, 5]:\n    print(n ** 2)\n```"
    echo = ["for n in [3, 4, 5]:", "    # nl: print n squared"]
    assert clean_reply(reply, None, echo).code == "print(n ** 2)"
    # a different loop is the model's own code: kept
    other = "```python\nfor i in range(3):\n    print(i)\n```"
    assert clean_reply(other, None, echo).code == "for i in range(3):\n    print(i)"
    # the copied accumulator goes first, then the loop around it
    total = "```python\ntotal = 0\nfor x in [1, 2]:\n    total += x * 10\n```"
    echo = ["total = 0", "for x in [1, 2]:", "    # nl: add x times 10 to total"]
    assert clean_reply(total, None, echo).code == "total += x * 10"
