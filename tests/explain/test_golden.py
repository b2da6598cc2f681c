"""Golden tests: the explanation of each construct, in English and Chinese, word for word."""

from __future__ import annotations

import pytest

from prosepy.explain import explain_at
from tests.explain.golden_cases import CASES


def _column(source: str, line: int, marker: str | None) -> int:
    text = source.splitlines()[line - 1]
    return text.index(marker) if marker else len(text) - len(text.lstrip())


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize(
    ("name", "source", "line", "marker", "en", "zh"), CASES, ids=[c[0] for c in CASES]
)
def test_golden(
    name: str, source: str, line: int, marker: str | None, en: str, zh: str, language: str
) -> None:
    result = explain_at(source, line, _column(source, line, marker), language)
    assert result is not None
    assert result.markdown() == (en if language == "en" else zh)


def test_enough_constructs() -> None:
    assert len(CASES) >= 60
    assert len({c[0] for c in CASES}) == len(CASES)
