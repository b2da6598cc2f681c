"""Which results an edit makes stale."""

from __future__ import annotations

from prosepy.server.lsp import staleness


def lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def test_names_an_edited_line_changes():
    assert staleness.changed_names(["x = 20"]) == {"x"}
    assert staleness.changed_names(["df['a'] = df.b * 2"]) == {"df"}
    assert staleness.changed_names(["df.dropna(inplace=True)"]) == {"df"}
    assert staleness.changed_names(["import numpy as np"]) == {"np"}
    assert staleness.changed_names(["for x in (", "x += 1"]) == {"for", "x"} - {"for"} | {"x"}


def test_flow_follows_assignments_and_skips_independent_lines():
    doc = lines("x = 10\ny = x * 2\nz = 5\ndef f():\n    return y\nw = f()\nprint(z)\n")
    assert staleness.affected_lines(doc, 0, {"x"}) == {1, 3, 4, 5}


def test_edit_inside_a_loop_makes_the_rest_of_it_stale():
    doc = lines("total = 0\nfor i in range(3):\n    total += i\n    last = total\nprint(total)\n")
    assert staleness.affected_lines(doc, 2, {"total"}) == {3, 4}


def test_a_half_typed_statement_counts_every_name():
    doc = lines("x = 1\ny = (x +\nz = 3\n")
    assert 1 in staleness.affected_lines(doc, 0, {"x"})


def test_until_stops_reading():
    doc = lines("x = 1\n" + "y = x\n" * 100)
    assert staleness.affected_lines(doc, 0, {"x"}, until=5) == {1, 2, 3, 4, 5}
