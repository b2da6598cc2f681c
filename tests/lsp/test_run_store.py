"""The run result store: results follow edits line by line, and what is drawn inline."""

from __future__ import annotations

from prosepy.server.lsp.run_store import MAX_LABEL, ResultStore, one_line
from prosepy.server.sandbox.result import LineValue, RunError, RunResult
from prosepy.server.sandbox.views import RunViews, StepHistory

URI = "file:///tmp/store.py"


def _values(store: ResultStore) -> dict[int, str]:
    return {line: v.text for line, v in store.docs[URI].values.items()}


def _run(
    first: int, last: int, *values: tuple[int, str], stdout: str = "", error: RunError | None = None
) -> RunResult:
    lines = [LineValue(line, text, text.removeprefix("→ ")) for line, text in values]
    ok = error is None
    return RunResult(ok, 1.0, lines, stdout, error=error, first_line=first, last_line=last)


def test_a_run_replaces_only_the_lines_it_covered() -> None:
    store = ResultStore()
    store.add(URI, _run(0, 2, (0, "→ 1"), (2, "→ 3")))
    store.add(URI, _run(2, 3, (3, "→ 4")))
    assert _values(store) == {0: "→ 1", 3: "→ 4"}


def test_edits_drop_touched_lines_and_move_the_ones_below() -> None:
    store = ResultStore()
    store.add(URI, _run(0, 4, (0, "→ 1"), (2, "→ 3"), (4, "→ 5")))
    assert store.changed(URI, 2, 2, 0)  # typing on line 2
    assert _values(store) == {0: "→ 1", 4: "→ 5"}
    store.changed(URI, 1, 3, 0)  # lines 1-3 joined into one
    assert _values(store) == {0: "→ 1", 2: "→ 5"}


def test_lines_inserted_above_or_below_a_line_keep_its_result() -> None:
    store = ResultStore()
    store.add(URI, _run(0, 2, (0, "→ 1"), (2, "→ 3")))
    store.changed(URI, 0, 0, 2, "insert_before")  # two lines typed above line 0
    assert _values(store) == {2: "→ 1", 4: "→ 3"}
    store.changed(URI, 2, 2, 1, "insert_after")  # Enter at the end of line 2
    assert _values(store) == {2: "→ 1", 5: "→ 3"}
    store.changed(URI, 5, 5, 1)  # Enter in the middle of line 5 changes it
    assert _values(store) == {2: "→ 1"}


def test_inline_items_are_values_printed_output_and_the_error() -> None:
    store = ResultStore()
    store.add(URI, _run(0, 0, (0, "→ 5050")))
    store.add(URI, _run(2, 3, stdout="first\nlast line\n\n"))
    error = RunError("Cancelled", "stopped by the user", None, "")
    store.add(URI, RunResult(False, 2.0, error=error, first_line=5, last_line=7))
    items = [(i.line, i.kind, i.label) for i in store.inline(URI)]
    assert items == [
        (0, "value", "→ 5050"),
        (3, "printed", "⤷ last line"),
        (7, "error", "✗ Cancelled: stopped by the user"),  # no line: the end of the run
    ]
    assert store.docs[URI].error_line == 7  # the diagnostic sits where the label is drawn


def test_printed_output_is_drawn_once_not_on_a_loops_line_too() -> None:
    """A run with no values that printed, with a loop inside a function: the loop line shows
    its steps, the last line what was printed (seen in VS Code: ``⤷ 5050`` after the steps too)."""
    store = ResultStore()
    steps = StepHistory(4, ["total"], ["1", "3"], ["5050"], 100)
    run = RunResult(True, 1.0, [], "5050\n", first_line=0, last_line=8)
    run.views = RunViews(steps=[steps])
    store.add(URI, run)
    items = [(i.line, i.kind, i.label) for i in store.inline(URI)]
    assert [(line, kind) for line, kind, _ in items] == [(4, "steps"), (8, "printed")]
    assert items[1][2] == "⤷ 5050"


def test_a_value_on_the_error_line_gives_way_to_the_error() -> None:
    store = ResultStore()
    error = RunError("ZeroDivisionError", "division by zero", 1, "Traceback ...")
    store.add(URI, _run(0, 1, (0, "→ 2"), (1, "→ 7"), error=error))
    items = store.inline(URI)
    assert [(i.line, i.kind) for i in items] == [(0, "value"), (1, "error")]
    assert items[1].detail == "Traceback ..."


def test_labels_are_one_capped_line() -> None:
    assert one_line("a\n  b") == "a ⏎ b"
    long = one_line("x" * 500)
    assert len(long) == MAX_LABEL and long.endswith("…")
