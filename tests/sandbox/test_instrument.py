"""Per-line values and error mapping, computed the way the sandboxed child computes them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import prosepy.server.sandbox.supervisor as supervisor

_path = Path(supervisor.CHILD).with_name("instrument.py")
_spec = importlib.util.spec_from_file_location("instrument_under_test", _path)
instrument = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(instrument)  # type: ignore[union-attr]


def run(code: str, first_line: int = 0) -> tuple[dict, dict]:
    rec = instrument.Recorder()
    ns = {instrument.SHOW: rec.show}
    compiled = instrument.instrument(code, "/doc.py", first_line)
    exec(compiled, ns)
    return rec.values, ns


def test_expressions_and_assignments_show_at_their_last_line():
    values, _ = run(
        "a = 5\nb, c = a, 2\na += 1\nprint('x')\n(a +\n b)\nn: int = 3\nobj = {}\nobj['k'] = 1\n",
        10,
    )
    got = {line: v["text"] for line, v in values.items()}
    assert got == {10: "→ 5", 11: "→ b, c = (5, 2)", 12: "→ 6", 15: "→ 11", 16: "→ 3", 17: "→ {}"}


def test_long_values_are_short_inline_and_full_in_hover():
    values, _ = run("list(range(1000))")
    value = values[0]
    assert len(value["text"]) <= 122 and value["full"].endswith("999]")


def test_broken_repr_does_not_lose_the_run():
    values, ns = run("class B:\n    def __repr__(self): raise ValueError('no')\nb = B()\nok = 1\n")
    assert "repr failed" in values[2]["text"] and values[3]["text"] == "→ 1"


def test_errors_map_to_document_lines():
    try:
        run("x = 1\n\ny = x / 0\n", 20)
    except ZeroDivisionError as exc:
        instrument.register_source("/doc.py", "x = 1\n\ny = x / 0\n", 20)
        err = instrument.describe_error(exc, "/doc.py", set(), (20, 22))
    assert err["type"] == "ZeroDivisionError" and err["line"] == 22
    assert "y = x / 0" in err["traceback"] and "line 23" in err["traceback"]


def test_syntax_errors_map_too():
    try:
        run("a = 1\nb = (\n", 4)
    except SyntaxError as exc:
        err = instrument.describe_error(exc, "/doc.py", set(), (4, 5))
    assert err["type"] == "SyntaxError" and err["line"] in (5, 6)


def test_earlier_runs_keep_their_source_lines():
    instrument.register_source("/keep.py", "def f():\n    return 1 / 0\n", 0)
    instrument.register_source("/keep.py", "f()\n", 5)
    import linecache

    assert linecache.getline("/keep.py", 2).strip() == "return 1 / 0"
    assert linecache.getline("/keep.py", 6).strip() == "f()"
