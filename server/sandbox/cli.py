"""``prosepy run FILE [--lines A-B] [--settings JSON] [--json]``: one run from the terminal.

Exit status: 0 when the snippet ran without an exception, 1 when it raised or was stopped,
2 for bad arguments (unreadable file, bad range, bad settings JSON).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys

from prosepy.server.config import RunSettings, parse_settings
from prosepy.server.lines import line_texts
from prosepy.server.sandbox import selection
from prosepy.server.sandbox.result import RunResult, render_text
from prosepy.server.sandbox.session import SandboxManager


def _parse_lines(spec: str, count: int) -> tuple[int, int]:
    """ "A-B" (1-based, inclusive) or "A" into 0-based (first, last)."""
    first_s, _, last_s = spec.partition("-")
    try:
        first = int(first_s)
        last = int(last_s) if last_s else first
    except ValueError:
        raise ValueError(f"--lines {spec!r}: expected A-B with 1-based line numbers") from None
    if not 1 <= first <= last <= count:
        raise ValueError(f"--lines {spec!r}: the file has lines 1-{count}")
    return first - 1, last - 1


def run_command(args: argparse.Namespace) -> int:
    try:
        with open(args.file, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        print(f"prosepy run: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    raw = None
    if args.settings:
        try:
            raw = json.loads(args.settings)
        except ValueError as exc:
            print(f"prosepy run: --settings is not JSON: {exc}", file=sys.stderr)
            return 2
    settings, errors = parse_settings(raw)
    for error in errors:
        print(f"prosepy run: setting {error}", file=sys.stderr)
    lines = line_texts(text)
    try:
        if args.lines:
            first, last = _parse_lines(args.lines, len(lines))
            snippet = selection.selection(text, (first, 0), (last, len(lines[last])))
            if first == last and not lines[first].strip():
                raise selection.NothingToRun(f"line {first + 1} is blank")
        else:
            snippet = selection.whole_file(text)
    except ValueError as exc:
        print(f"prosepy run: {exc}", file=sys.stderr)
        return 2
    path = os.path.abspath(args.file)
    result = asyncio.run(_run(settings.run, snippet, path))
    if args.json:
        print(json.dumps(result.to_protocol(f"file://{path}", None), ensure_ascii=False, indent=2))
    else:
        print(render_text(result, lines))
    return 0 if result.ok else 1


async def _run(run_settings: RunSettings, snippet: selection.Snippet, path: str) -> RunResult:
    manager = SandboxManager(run_settings)
    try:
        return await manager.run(
            path, snippet.code, snippet.first_line, path, os.path.dirname(path)
        )
    finally:
        manager.shutdown()
