"""What runs for a selection, a cursor, a cell and a file."""

from __future__ import annotations

import pytest

from prosepy.server.sandbox import selection

DOC = """import math

total = sum(
    range(101)
)

for i in range(3):
    x = i * 2

    print(x)

# %%
@staticmethod
def f():
    return 1
# %% second cell
y = f()
"""


def test_cursor_inside_a_multiline_call_runs_the_whole_statement():
    snip = selection.statement_at(DOC, 3)
    assert (snip.first_line, snip.last_line) == (2, 4)
    assert snip.code.startswith("total = sum(")


def test_cursor_in_a_for_block_runs_the_block_with_its_blank_line():
    snip = selection.statement_at(DOC, 9)
    assert (snip.first_line, snip.last_line) == (6, 9)
    assert "print(x)" in snip.code


def test_decorators_belong_to_their_function():
    assert selection.statement_at(DOC, 14).first_line == 12


def test_blank_line_or_comment_is_nothing_to_run():
    with pytest.raises(selection.NothingToRun):
        selection.statement_at(DOC, 1)
    with pytest.raises(selection.NothingToRun):
        selection.selection(DOC, (11, 0), (11, 4))


def test_selection_uses_whole_lines_and_excludes_a_trailing_column_zero():
    snip = selection.selection(DOC, (6, 3), (10, 0))
    assert (snip.first_line, snip.last_line) == (6, 9)


def test_indented_selection_is_dedented_but_keeps_its_lines():
    snip = selection.selection(DOC, (7, 0), (9, 12))
    assert snip.code.startswith("x = i * 2") and snip.first_line == 7


def test_part_of_one_line_is_evaluated_on_its_own():
    snip = selection.selection(DOC, (2, 8), (2, 11))  # "sum" ... not parseable alone? it is
    assert snip.code == "sum\n" and snip.first_line == 2


def test_empty_selection_means_statement_under_cursor():
    assert selection.selection(DOC, (3, 2), (3, 2)).first_line == 2


def test_cells_run_from_marker_to_marker():
    snip = selection.cell_at(DOC, 13)
    assert (snip.first_line, snip.last_line) == (11, 14)
    assert selection.cell_at(DOC, 0).last_line == 10
    assert selection.cell_markers(DOC) == [11, 15]


def test_unparsable_file_falls_back_to_indentation():
    text = "a = 1\nfor i in range(2):\n    print(i\nb = (\n"
    snip = selection.statement_at(text, 2)
    assert (snip.first_line, snip.last_line) == (1, 2)


def test_whole_file_and_out_of_range():
    assert selection.whole_file(DOC).last_line == len(DOC.splitlines()) - 1
    with pytest.raises(selection.NothingToRun):
        selection.statement_at(DOC, 500)
