"""Recognising `# nl:` requests."""

from __future__ import annotations

from prosepy.server.generation.requests import (
    find_anchor,
    find_requests,
    request_at,
    requests_in_range,
)


def test_headline_request_in_chinese() -> None:
    lines = ["# nl: 计算 1 到 100 的和"]
    request = request_at(lines, 0)
    assert request is not None
    assert request.text == "计算 1 到 100 的和"
    assert (request.start_line, request.end_line, request.indent) == (0, 0, "")


def test_case_insensitive_and_indented_with_continuation() -> None:
    lines = [
        "def f(rows):",
        "    # NL: keep the rows whose price",
        "    # is above 10",
        "    #   and sort them",
        "    x = 1",
    ]
    request = request_at(lines, 3)
    assert request is not None
    assert request.start_line == 1 and request.end_line == 3
    assert request.indent == "    "
    assert request.text == "keep the rows whose price\nis above 10\nand sort them"
    assert request_at(lines, 2) == request
    assert request_at(lines, 4) is None
    assert request_at(lines, 0) is None


def test_continuation_stops_at_other_indent_cells_and_new_requests() -> None:
    lines = ["# nl: first", "    # not mine", "# nl: second", "# %% cell", "# more"]
    requests = find_requests(lines)
    assert [r.text for r in requests] == ["first", "second"]
    assert requests[0].end_line == 0 and requests[1].end_line == 2


def test_not_requests() -> None:
    lines = ["x = 1  # nl: trailing comment", "# nl:", "y = 2", "# only a comment", 's = "# nl: x"']
    assert find_requests(lines) == []
    assert request_at(lines, 3) is None


def test_empty_head_takes_text_from_continuation() -> None:
    request = request_at(["# nl:", "# print hello"], 0)
    assert request is not None and request.text == "print hello"


def test_range_and_anchor() -> None:
    lines = ["import os", "# nl: a", "", "# nl: b", "print(1)"]
    assert [r.text for r in requests_in_range(lines, 0, 4)] == ["a", "b"]
    assert [r.text for r in requests_in_range(lines, 3, 3)] == ["b"]
    request = request_at(lines, 3)
    assert request is not None
    moved = ["x = 2", "y = 3", *lines]
    again = find_anchor(moved, request)
    assert again is not None and again.start_line == 5
    assert find_anchor(["print(1)"], request) is None


def test_nl_inside_a_triple_quoted_string_is_text() -> None:
    lines = ["def f():", '    """Usage:', "    # nl: not a request", '    """', "    # nl: real"]
    assert [r.text for r in find_requests(lines)] == ["real"]
    assert request_at(lines, 2) is None
    assert [r.text for r in requests_in_range(lines, 0, 4)] == ["real"]
