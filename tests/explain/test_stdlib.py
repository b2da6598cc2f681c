"""Property test: every statement of the standard library can be explained without an error.

The whole of ``Lib/`` (about 1,800 files, 940,000 statement hovers in two languages) takes
about 15 minutes here, so the suite explains a fixed sample of files — every 12th in sorted
order, alternating the language — plus hovers at every 9th column of every 90th file (the
innermost construct under the cursor, whatever it is); ``PROSEPY_STDLIB_FULL=1`` runs every
file in both languages and every 5th column of every 5th file.
"""

from __future__ import annotations

import os
import sysconfig
from pathlib import Path

import pytest

from prosepy.explain import explain_at, explain_fragment, parse
from prosepy.explain.api import every_statement

STDLIB = Path(sysconfig.get_paths()["stdlib"])
FULL = os.environ.get("PROSEPY_STDLIB_FULL") == "1"


def _files() -> list[Path]:
    return sorted(p for p in STDLIB.rglob("*.py") if "site-packages" not in p.parts)


def _explain_file(path: Path, languages: tuple[str, ...]) -> int:
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return 0
    parsed = parse(source)
    if parsed is None:  # a few test files are deliberately invalid
        return 0
    count = 0
    for stmt in every_statement(parsed.tree):
        for language in languages:
            result = explain_at(parsed, stmt.lineno, stmt.col_offset, language)
            assert result is not None, f"{path}:{stmt.lineno}"
            assert result.statement.strip(), f"{path}:{stmt.lineno}"
            count += 1
    return count


def test_sample_of_the_standard_library() -> None:
    files = _files()
    assert len(files) > 1000, "the standard library was not found"
    explained = 0
    for index, path in enumerate(files[::12]):
        explained += _explain_file(path, ("en",) if index % 2 else ("zh",))
    assert explained > 20000


def _hover_everywhere(path: Path, step: int) -> int:
    """Hover at every ``step``-th column of every line: sub-expressions of every kind."""
    try:
        parsed = parse(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return 0
    if parsed is None:
        return 0
    count = 0
    for number, text in enumerate(parsed.lines, start=1):
        for column in range(0, len(text), step):
            explain_at(parsed, number, column, "en" if number % 2 else "zh")
            count += 1
    return count


def test_hovers_anywhere_in_a_sample() -> None:
    positions = sum(_hover_everywhere(path, 9) for path in _files()[5::90])
    assert positions > 10000


@pytest.mark.skipif(not FULL, reason="set PROSEPY_STDLIB_FULL=1 to explain all of Lib/ (minutes)")
def test_all_of_the_standard_library() -> None:
    explained = sum(_explain_file(path, ("en", "zh")) for path in _files())
    assert explained > 500000
    positions = sum(_hover_everywhere(path, 5) for path in _files()[::5])
    assert positions > 500000


def test_every_line_of_a_broken_file_is_safe() -> None:
    """A document mid-edit does not parse: each line is explained alone, or not at all."""
    source = (STDLIB / "argparse.py").read_text(encoding="utf-8")
    broken = source.replace("def _get_formatter(self):", "def _get_formatter(self:", 1)
    assert parse(broken) is None
    lines = broken.splitlines()
    answered = 0
    for number, text in enumerate(lines, start=1):
        result = explain_fragment(broken, number, len(text) - len(text.lstrip()), "en")
        if result is not None:
            answered += 1
            assert "only this line was read" in result.statement
    assert answered > len(lines) // 3
