"""The supervisor's side of what a run shows: everything the sandbox sends is checked, since
the snippet can write anything on the result pipe."""

from __future__ import annotations

import base64
import struct
import zlib

from prosepy.server.sandbox.report import checked_views
from prosepy.server.sandbox.views import IMAGE_BYTES, read_views, read_window


def png(width: int, height: int) -> bytes:
    """A real (tiny, grey) PNG of that size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def image(data: bytes, line: int = 3, mime: str = "image/png") -> dict:
    return {"line": line, "mime": mime, "data": base64.b64encode(data).decode()}


def test_images_must_be_png_within_the_cap():
    views = read_views(
        {
            "images": [
                image(png(40, 30)),
                image(b"<svg onload=alert(1)>", mime="image/svg+xml"),
                image(b"GIF89a not a png"),
                {"line": 3, "mime": "image/png", "data": "!!not base64!!"},
                image(png(8, 8) + b"\0" * (IMAGE_BYTES + 1)),
                "junk",
            ]
        }
    )
    assert [(i.width, i.height) for i in views.images] == [(40, 30)]
    assert views.images[0].to_protocol()["data"] == base64.b64encode(png(40, 30)).decode()


def test_malformed_parts_are_dropped_one_by_one():
    raw = {
        "steps": [
            {"line": 2, "names": ["t"], "first": ["1"], "last": [], "count": 1},
            {"line": "2", "names": ["t"], "first": [], "last": [], "count": 1},
            {"line": 2, "names": ["t"], "first": ["x" * 500] * 99, "last": [], "count": 7},
        ],
        "variables": [{"name": "a", "type": "int", "summary": "1"}, {"name": 5}],
        "tables": [{"line": 1, "handle": "1:1", "shape": [1, 1], "columns": [], "rows": []}],
        "notes": ["ok", 7],
    }
    views = read_views(raw)
    assert [s.count for s in views.steps] == [1, 7]
    assert len(views.steps[1].first) == 20 and len(views.steps[1].first[0]) == 60
    assert [v.name for v in views.variables or []] == ["a"]
    assert len(views.tables) == 1 and views.notes == ["ok"]
    assert read_views("nonsense").variables is None


def test_a_run_reports_only_on_its_own_lines():
    raw = {
        "steps": [
            {"line": 1, "names": ["a"], "first": ["1"], "last": [], "count": 1},
            {"line": 9, "names": ["b"], "first": ["1"], "last": [], "count": 1},
        ],
        "images": [image(png(4, 4), line=50)],
    }
    views = checked_views(read_views(raw), 0, 5)
    assert [s.line for s in views.steps] == [1]
    assert views.images[0].line == 5, "a figure drawn elsewhere shows at the run's last line"


def test_table_windows_are_capped_and_errors_passed_on():
    rows = [[str(i), "y" * 500, "extra"] for i in range(1000)]
    window = read_window(
        {
            "shape": [1000, 2],
            "columns": [{"name": "a", "dtype": "int"}, {"name": "b", "dtype": "str"}],
            "rows": rows,
            "offset": 0,
        }
    )
    assert not isinstance(window, str)
    assert len(window.rows) == 500 and window.rows[0][0] == "0" and len(window.rows[0]) == 2
    assert len(window.rows[0][1]) == 80
    assert read_window({"error": "there is no variable 'x'"}) == "there is no variable 'x'"
    assert isinstance(read_window({"shape": "big"}), str)
