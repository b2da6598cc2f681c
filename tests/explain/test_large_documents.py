"""Hovers in very large documents read only the top-level statement under the cursor."""

from __future__ import annotations

from prosepy.explain import explain_at, parse
from prosepy.explain.slicing import explain_large, top_level_span

BLOCK = """@decorator
def add_up(numbers):
    total = 0
    for n in numbers:
        total += n
    return total
try:
    value = int("3")
except ValueError:
    value = 0
"""


def test_span_covers_decorators_and_else_branches() -> None:
    lines = BLOCK.splitlines(keepends=True) * 3
    assert top_level_span(lines, 4) == (0, 6)  # "total += n": the decorated function
    assert top_level_span(lines, 9) == (6, 10)  # "value = 0": the whole try statement
    assert top_level_span(lines, 14) == (10, 16)  # the second copy of the function


def test_large_path_agrees_with_a_full_parse_on_local_code() -> None:
    lines = BLOCK.splitlines(keepends=True) * 2000
    full = parse("".join(lines))
    assert full is not None
    for line in (3, 4, 5, 6, 8, 10):  # 1-based lines inside the first copy
        col = len(lines[line - 1]) - len(lines[line - 1].lstrip())
        expected = explain_at(full, line, col, "en")
        got = explain_large(lines, line + 6000, col, "en")
        assert expected is not None and got is not None
        assert got.markdown() == expected.markdown()


def test_names_that_begin_like_clauses_start_statements() -> None:
    lines = ["else_count = 1\n", "elsewhere = 2\n", "x = 3\n"]
    assert top_level_span(lines, 1) == (1, 2)
