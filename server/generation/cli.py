"""``prosepy generate "TEXT" [--file F --line N]``: the editor's pipeline in a terminal.

Without ``--file`` the request is placed in an empty module. With ``--file``, the request
comment is inserted as line N (1-based; default: the end of the file) unless that line
already holds it, so the code is fitted to that file exactly as in the editor. The
inserted code (with any imports it hoists) goes to stdout; review findings and timings go
to stderr. The file itself is never modified.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from prosepy.server.config import Settings, parse_settings
from prosepy.server.generation.escalation import Fallback
from prosepy.server.generation.pipeline import Generator
from prosepy.server.generation.requests import request_at
from prosepy.server.generation.trials import SandboxTrials
from prosepy.server.lines import line_texts
from prosepy.server.models.manager import ModelManager


def _settings(raw: str | None) -> Settings:
    if not raw:
        return Settings()
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise SystemExit(f"prosepy generate: --settings is not JSON: {exc}") from exc
    settings, errors = parse_settings(data)
    for error in errors:
        print(f"prosepy generate: settings: {error}", file=sys.stderr)
    return settings


def _with_request(text: str, request: str, line: int | None) -> tuple[str, int]:
    """The file text with ``# nl: request`` at 0-based ``line`` (indented like its neighbour)."""
    lines = line_texts(text)
    at = len(lines) if line is None else max(0, min(line, len(lines)))
    existing = request_at(lines, at) if at < len(lines) else None
    if existing is not None and existing.text.replace("\n", " ") == " ".join(request.split()):
        return text, at
    neighbour = next((lines[i] for i in range(at - 1, -1, -1) if lines[i].strip()), "")
    indent = neighbour[: len(neighbour) - len(neighbour.lstrip())]
    if neighbour.rstrip().endswith(":"):
        indent += "    "
    comment = [indent + "# nl: " + part for part in request.splitlines() or [""]]
    lines[at:at] = comment
    return "\n".join(lines) + "\n", at


def generate_command(args: argparse.Namespace) -> int:
    settings = _settings(getattr(args, "settings", None))
    text, path = "", None
    if args.file:
        file = Path(args.file)
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            print(f"prosepy generate: cannot read {file}: {exc}", file=sys.stderr)
            return 2
        path = str(file.resolve())
    line = args.line - 1 if getattr(args, "line", None) else None
    text, at = _with_request(text, args.text, line)
    manager = ModelManager(settings.model)
    trials = SandboxTrials(settings.run, settings.generate.check_timeout_s)
    generator = Generator(
        manager.generate, settings.generate, lambda: manager.status.model, trials=trials
    )
    fallback = Fallback(generator, settings.model)
    print(f"prosepy generate: {manager.status.model}", file=sys.stderr)
    try:
        generated = generator.run(
            text, at, path, on_phase=lambda phase: print(f"  {phase}", file=sys.stderr)
        )
    finally:
        manager.close()
        fallback.close()
        trials.close()
    answer, placement = generated.answer, generated.placement
    if generated.job is None:
        print(f"prosepy generate: {generated.message}", file=sys.stderr)
        return 2
    if placement is None or not generated.ok:
        print(f"prosepy generate: {generated.message}", file=sys.stderr)
        return 1
    for statement in placement.imports_added:
        print(statement)
    if placement.imports_added:
        print()
    print("\n".join(placement.code_lines), flush=True)
    print(
        f"prosepy generate: {answer.tokens} tokens in {answer.seconds:.1f} s"
        + (" (after one repair)" if answer.repaired else ""),
        file=sys.stderr,
    )
    if answer.check_story():
        print(f"prosepy generate: checked: {answer.check_story()}", file=sys.stderr)
    for f in generated.findings:
        print(f"  review: line {f.line + 1}: {f.code} {f.message}", file=sys.stderr)
    return 0
