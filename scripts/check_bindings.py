#!/usr/bin/env python3
"""Check ``explain/symbols/bindings.py`` against jedi: at every position of every group of
names bound the same way, jedi's help must name the same definitions (the workers keep one
answer for the whole group). Prints, per file, the groups and positions checked and every
group where jedi disagrees; exits 1 if any does.

    .venv/bin/python scripts/check_bindings.py [FILE ...] [--python PATH]

Without files: 22 modules of the standard library (about 21,000 positions, half a minute).
"""

from __future__ import annotations

import argparse
import sys
import sysconfig
import time
from pathlib import Path

import jedi

from prosepy.explain.symbols import bindings, parso_cache, render

STDLIB = (
    "argparse.py collections/__init__.py dataclasses.py enum.py functools.py difflib.py ast.py "
    "configparser.py pathlib.py textwrap.py shutil.py tempfile.py json/decoder.py "
    "json/encoder.py logging/__init__.py http/client.py email/message.py unittest/case.py "
    "asyncio/tasks.py typing.py inspect.py csv.py"
).split()


def label(path: Path) -> str:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    return str(path.relative_to(stdlib)) if path.is_relative_to(stdlib) else path.name


def check(path: Path, environment: object | None) -> tuple[int, int, list[str]]:
    """(groups, positions, disagreements) for one file."""
    text = path.read_text(encoding="utf-8")
    found = bindings.groups(text)
    script = jedi.Script(text, path=str(path), environment=environment)
    positions, problems = 0, []
    for key, members in found.members.items():
        answers: dict[tuple[str, ...], list[tuple[int, int]]] = {}
        for line, col, _ in members:
            names = render.distinct(script.help(line + 1, col), str(path), line, col)
            keys = tuple(render.definition_key(name) for name in names)
            answers.setdefault(keys, []).append((line + 1, col))
            positions += 1
        if len(answers) > 1:
            problems.append(f"{label(path)}: {key.split(':', 1)[1]}: {answers}")
    return len(found), positions, problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--python", default=None, help="the Python jedi looks at")
    args = parser.parse_args()
    parso_cache.install()
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = args.files or [stdlib / name for name in STDLIB]
    environment = jedi.create_environment(args.python, safe=False) if args.python else None
    total_groups = total_positions = 0
    problems: list[str] = []
    print("| file | groups | positions | disagreements | seconds |")
    print("| --- | --- | --- | --- | --- |")
    for path in files:
        started = time.perf_counter()
        groups, positions, found = check(path, environment)
        seconds = time.perf_counter() - started
        total_groups += groups
        total_positions += positions
        problems += found
        print(f"| {label(path)} | {groups} | {positions} | {len(found)} | {seconds:.1f} |")
    files_word = "file" if len(files) == 1 else "files"
    total = f"{total_groups} | {total_positions} | {len(problems)}"
    print(f"| all {len(files)} {files_word} | {total} | |")
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
