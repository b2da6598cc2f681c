"""Tracking generated regions so "Regenerate" replaces only untouched generated code."""

from __future__ import annotations

from prosepy.server.generation.regions import Region, Regions
from prosepy.server.generation.requests import request_at

URI = "file:///x.py"


def _active(text: str) -> tuple[Regions, list[str]]:
    lines = text.splitlines()
    regions = Regions()
    regions.expect(URI, Region("# nl: one", 1, ["print(1)", "print(2)"]))
    assert regions.settle(URI, lines)
    return regions, lines


def test_pending_region_activates_when_text_appears() -> None:
    regions = Regions()
    regions.expect(URI, Region("# nl: one", 1, ["print(1)"]))
    assert not regions.settle(URI, ["# nl: one"])
    assert regions.settle(URI, ["# nl: one", "print(1)"])
    request = request_at(["# nl: one", "print(1)"], 0)
    assert request is not None
    assert regions.for_request(URI, ["# nl: one", "print(1)"], request) is not None


def test_edit_above_shifts_edit_inside_forgets() -> None:
    regions, lines = _active("# nl: one\nprint(1)\nprint(2)\n")
    regions.changed(URI, (0, 0, 0, 0), "x = 0\n")
    lines = ["x = 0", *lines]
    regions.settle(URI, lines)
    request = request_at(lines, 1)
    assert request is not None
    region = regions.for_request(URI, lines, request)
    assert region is not None and region.start == 2
    regions.changed(URI, (3, 5, 3, 6), "3")
    lines[3] = "print(3)"
    regions.settle(URI, lines)
    assert regions.for_request(URI, lines, request) is None


def test_content_decides_even_without_ranges() -> None:
    regions, lines = _active("# nl: one\nprint(1)\nprint(2)\n")
    regions.changed(URI, None, "# nl: one\nprint(1)\nprint(20)\n")
    regions.settle(URI, ["# nl: one", "print(1)", "print(20)"])
    assert regions.regions(URI) == []
