"""Context gathering and prompt building."""

from __future__ import annotations

from prosepy.server.generation.context import gather
from prosepy.server.generation.prompt import SYSTEM, build_prompt, estimate_tokens
from prosepy.server.generation.requests import request_at

TEXT = '''"""Prices."""
import csv
from pathlib import Path

RATE = 1.2


def total_price(rows, factor=RATE):
    """Sum the price column of rows, times factor."""
    # nl: add up row["price"] for all rows and multiply by factor
'''


def test_context_has_imports_scope_names_and_parameters() -> None:
    lines = TEXT.splitlines()
    request = request_at(lines, 9)
    assert request is not None
    ctx = gather(lines, request)
    assert ctx.parses
    assert ctx.imports == ["import csv", "from pathlib import Path"]
    assert ctx.function is not None and ctx.function.name == "total_price"
    assert ctx.function.params == ["rows", "factor"]
    assert '"""Sum the price column' in ctx.function.header
    names = {n.split(":")[0] for n in ctx.names}
    assert {"rows", "factor", "RATE", "csv", "Path", "total_price"} <= names
    assert "print" not in names


def test_a_documented_function_is_asked_for_as_a_completion() -> None:
    # The function's docstring says what it must do: the model is given the function to
    # complete (the form it knows best), with the imports and the request as a comment.
    lines = TEXT.splitlines()
    request = request_at(lines, 9)
    assert request is not None
    ctx = gather(lines, request)
    assert ctx.function is not None and ctx.function.documented
    prompt = build_prompt(request, ctx, budget=2000)
    assert [m.role for m in prompt.messages] == ["user"]
    user = prompt.messages[0].content
    assert user.startswith("Complete the following Python function:\n```python\nimport csv\n")
    assert user.endswith(
        'def total_price(rows, factor=RATE):\n    """Sum the price column of rows, times factor."""'
        '\n    # add up row["price"] for all rows and multiply by factor\n```'
    )


def test_prompt_carries_request_and_context_within_budget() -> None:
    # (an undocumented function: the editor prompt, with the context parts by priority)
    lines = TEXT.replace('    """Sum the price column of rows, times factor."""\n', "").splitlines()
    request = request_at(lines, 8)
    assert request is not None
    ctx = gather(lines, request)
    prompt = build_prompt(request, ctx, budget=2000)
    assert prompt.messages[0].content == SYSTEM
    user = prompt.messages[1].content
    assert 'add up row["price"]' in user and "total_price" in user and "import csv" in user
    assert "parameters: rows, factor" in user
    small = build_prompt(request, ctx, budget=estimate_tokens(SYSTEM) + 120)
    assert small.tokens <= estimate_tokens(SYSTEM) + 120
    assert len(small.messages[1].content) < len(user)
    assert 'add up row["price"]' in small.messages[1].content


def test_unparsable_file_still_gives_context() -> None:
    lines = ["import os", "def f(:", "# nl: list files"]
    request = request_at(lines, 2)
    assert request is not None
    ctx = gather(lines, request)
    assert not ctx.parses and ctx.imports == ["import os"]


def test_chinese_costs_a_token_per_character() -> None:
    assert estimate_tokens("计算 1 到 100 的和") >= 5
