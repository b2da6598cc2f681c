"""Review items 5 and 6: what the snippet writes on its result pipe (both modes).

The snippet holds the result pipe's file descriptor and can learn its own run's id (it runs
inside the runtime's frame), so it can write anything there, even lines that carry the right
id: JSON nested a million deep, floods of newlines, a line of 20 MB, results with an error
line of -1 or 200,000 values on lines far outside the run. The supervisor must neither crash
nor slow to a crawl, the run must still end in time, and the result must only name the
run's own lines. The CLI must never show a traceback of its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.sandbox.conftest import Env

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox's layers are Linux's")
ROOT = Path(__file__).resolve().parents[2]

#: Snippet prelude: this run's id, and a writer to every descriptor that accepts bytes.
PRELUDE = """
import json, os, sys
run_id = sys._getframe(0).f_back.f_locals["message"].id
def to_all(data):
    # every descriptor number the run may hold: the result pipe keeps the number it had in the
    # server, which is above 40 in a long test session
    for fd in range(3, 1024):
        view = memoryview(data)
        try:
            while view:  # a write cut short (by a signal) is carried on
                view = view[os.write(fd, view):]
        except OSError:
            pass
"""


async def test_json_nested_a_million_deep_does_not_crash_the_supervisor(env: Env):
    result = await env.run(
        PRELUDE
        + """
head = ('{"id": "%s", "type": "result", "ok": true, "values": ' % run_id).encode()
to_all(head + b"[" * 1_000_000 + b"\\n")
to_all(b'{"id": "x", "deep": ' + b"{" * 1_000_000 + b"\\n")
6 * 7
"""
    )
    assert result.ok and result.lines[-1].text == "→ 42", result
    await env.still_works()


async def test_a_flood_of_newlines_and_a_huge_line_are_skipped(env: Env):
    env.manager.settings.timeout_s = 20
    result = await env.run(
        PRELUDE
        + """
for _ in range(4):
    to_all(b"\\n" * (5 << 20))
to_all(('{"id": "%s", "junk": "' % run_id).encode() + b"x" * (20 << 20))  # no newline
to_all(b"\\n")
"still here"
"""
    )
    assert result.ok and result.lines[-1].text == "→ 'still here'", result
    assert result.duration_ms < 20_000


async def test_a_forged_result_names_only_the_runs_own_lines(env: Env):
    """The review's 35 MB result with 200,000 values is dropped unread (over the line cap);
    a smaller forged one is read, and keeps only values and an error line inside the run."""
    env.manager.settings.timeout_s = 20  # 40 MB through a pipe on a loaded machine
    result = await env.run(
        PRELUDE
        + """
def forged(count):
    values = [{"line": n, "text": "→ " + "v" * 50, "full": "f" * 100} for n in range(count)]
    values += [{"line": bad, "text": "x"} for bad in (-5, True, 10**12)]
    return {"id": run_id, "type": "result", "ok": False, "values": values,
            "error": {"type": "Boom", "message": "forged", "line": -1, "traceback": ""}}
to_all((json.dumps(forged(200_000)) + "\\n").encode())
to_all((json.dumps(forged(20_000)) + "\\n").encode())
""",
        first_line=100,
    )
    span = range(result.first_line, result.last_line + 1)
    assert result.first_line == 100 and all(v.line in span for v in result.lines), result.lines[:3]
    assert len(result.lines) <= len(span)
    assert result.error is not None and result.error.type == "Boom"  # the forged one was read
    assert result.error.line is None  # -1 is not a line of the run


async def test_values_on_lines_outside_the_run_are_dropped(env: Env):
    env.manager.settings.timeout_s = 30  # 200,000 reprs on a loaded machine
    result = await env.run(
        """
        for n in range(200_000):
            __prosepy_show__(n * 7, "x" * 200)
        __prosepy_show__(-1, "before")
        "mine"
        """,
        first_line=10,
    )
    assert result.ok, result
    span = range(10, result.last_line + 1)
    assert [v.line for v in result.lines if v.line not in span] == []
    assert result.lines[-1].text == "→ 'mine'"
    full = sum(len(v.full) for v in result.lines)
    assert full <= 2_000_000


async def test_value_texts_stay_on_one_line(env: Env):
    result = await env.run(
        """
        class Sneaky:
            def __repr__(self):
                return "ok\\n\\x1b[2J\\u202eevil\\r\\nmore"
        Sneaky()
        """
    )
    text = result.lines[-1].text
    assert "\n" not in text and "\r" not in text and "\x1b" not in text and "\u202e" not in text
    assert "\\n" in text and "\\u202e" in text
    assert result.lines[-1].full.startswith("ok\n")  # the hover shows it whole, escaped there


def _cli_json(path: Path) -> tuple[subprocess.CompletedProcess, dict]:
    done = subprocess.run(
        [str(ROOT / ".venv/bin/prosepy"), "run", str(path), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done, json.loads(done.stdout)


def test_the_cli_survives_a_hostile_result_pipe(tmp_path: Path):
    doc = tmp_path / "attack.py"
    doc.write_text(
        PRELUDE
        + """
head = ('{"id": "%s", "type": "result", "ok": true, "values": ' % run_id).encode()
to_all(head + b"[" * 200_000 + b"\\n")
err = {"id": run_id, "type": "result", "ok": False,
       "error": {"type": "X", "message": "m", "line": -1, "traceback": ""}}
to_all((json.dumps(err) + "\\n").encode())
"""
    )
    done, data = _cli_json(doc)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1 and data["error"]["line"] is None
    assert data["ok"] is False
