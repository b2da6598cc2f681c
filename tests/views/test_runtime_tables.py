"""Tables and variables in the sandbox runtime, on plain Python values (pandas, numpy and
matplotlib are covered through the real server in test_lsp_views.py)."""

from __future__ import annotations

from collections import namedtuple

from tests.views.runtime import load

tables = load("tables")
variables = load("variables")


def test_list_of_dicts_is_a_table_with_all_columns():
    rows = [{"name": "a", "n": 1}, {"name": "b", "n": 2.5, "extra": None}]
    table = tables.as_table(rows)
    window = table.window(0, 10)
    assert window["shape"] == [2, 3]
    assert [c["name"] for c in window["columns"]] == ["name", "n", "extra"]
    assert [c["dtype"] for c in window["columns"]] == ["str", "float", "None"]
    assert window["rows"] == [["a", "1", ""], ["b", "2.5", "None"]]


def test_csv_like_rows_take_their_header_row():
    rows = [["city", "temp"], ["Oslo", "3.5"], ["Lima", "19"]]
    window = tables.as_table(rows).window(0, 10, sort_by=1, descending=True)
    assert [c["name"] for c in window["columns"]] == ["city", "temp"]
    assert window["shape"] == [2, 2] and window["rows"] == [["Oslo", "3.5"], ["Lima", "19"]]


def test_numeric_rows_named_tuples_and_columns_dicts():
    assert tables.as_table([(1, 2), (3, 4)]).window()["columns"][1]["name"] == "1"
    Point = namedtuple("Point", "x y")
    assert [c["name"] for c in tables.as_table([Point(1, 2)] * 2).window()["columns"]] == ["x", "y"]
    assert tables.as_table({"a": [1, 2], "b": ["x", "y"]}).window()["rows"] == [
        ["1", "x"],
        ["2", "y"],
    ]


def test_not_tables():
    for value in ([1, 2, 3], [[1, 2], [3]], "text", {"a": 1}, [], [[{"nested": 1}], [2]], None, 5):
        assert tables.as_table(value) is None, value


def test_sorting_mixed_columns_and_paging():
    rows = [{"v": 3}, {"v": None}, {"v": "b"}, {"v": 1.5}, {"v": "a"}]
    table = tables.as_table(rows)
    first = table.window(0, 3, sort_by=0)
    assert [r[0] for r in first["rows"]] == ["1.5", "3", "a"]
    rest = table.window(3, 3, sort_by=0)
    assert [r[0] for r in rest["rows"]] == ["b", "None"] and rest["offset"] == 3


def test_cells_are_one_line_and_capped():
    table = tables.as_table([{"t": "a\nb" + "x" * 100}, {"t": ""}])
    cell = table.window()["rows"][0][0]
    assert "\n" not in cell and len(cell) == tables.CELL_CHARS and cell.endswith("…")


def test_variables_listed_with_summaries_shapes_and_lines():
    import math

    namespace = {
        "__name__": "__main__",
        "_hidden": 1,
        "math": math,
        "f": lambda: 1,
        "Klass": int,
        "rows": [{"a": 1}, {"a": 2}],
        "word": "x" * 500,
        "nums": list(range(100)),
    }
    listed = variables.variables(namespace, {"nums": 3}, tables.as_table)
    assert [v["name"] for v in listed] == ["nums", "rows", "word"]
    nums, rows, word = listed
    assert nums["shape"] == [100] and nums["line"] == 3 and nums["summary"].startswith("[0, 1, 2")
    assert rows["table"] and rows["summary"] == "2 rows × 1 columns: a"
    assert "shape" not in word and len(word["summary"]) <= variables.SUMMARY_CHARS
