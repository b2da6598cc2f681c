"""``prosepy explain FILE:LINE[:COL]``: print what the hover shows at that position.

The same explanation and jedi signature as the hover (jedi without a time budget: a
command line can wait); run results only exist inside an editor session, so they are not
part of this output.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from prosepy.explain import explain_at, explain_fragment, parse, symbols
from prosepy.explain.api import split_lines


def _split_position(text: str) -> tuple[str, int, int | None]:
    """FILE:LINE[:COL] with 1-based numbers; the file name may itself contain colons."""
    parts = text.rsplit(":", 2)
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        return parts[0], int(parts[1]), int(parts[2])
    parts = text.rsplit(":", 1)
    if len(parts) == 2 and parts[1].isdigit():
        return parts[0], int(parts[1]), None
    raise ValueError(f"expected FILE:LINE or FILE:LINE:COL (1-based), got {text!r}")


def _language(choice: str | None) -> str:
    if choice:
        return choice
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def explain_command(args: argparse.Namespace) -> int:
    try:
        name, line, col = _split_position(args.position)
    except ValueError as exc:
        print(f"prosepy explain: {exc}", file=sys.stderr)
        return 2
    path = Path(name)
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"prosepy explain: cannot read {name}: {exc}", file=sys.stderr)
        return 2
    lines = split_lines(source)
    if not 1 <= line <= len(lines):
        print(
            f"prosepy explain: {name} has {len(lines)} lines; line {line} does not exist",
            file=sys.stderr,
        )
        return 2
    text = lines[line - 1]
    if col is None:  # the first non-blank character of the line
        column = len(text) - len(text.lstrip())
    else:
        column = max(0, min(col - 1, len(text)))
    language = _language(args.language)
    parsed = parse(source)
    if parsed is not None:
        result = explain_at(parsed, line, column, language)
    else:
        result = explain_fragment(source, line, column, language)
    symbol = symbols.symbol_markdown(source, str(path.resolve()), line, column)
    output = symbols.compose(result.markdown() if result else None, symbol, [])
    if output is None:
        print(
            f"prosepy explain: nothing to explain at {name}:{line} (a blank or comment line)",
            file=sys.stderr,
        )
        return 1
    print(output)
    return 0
