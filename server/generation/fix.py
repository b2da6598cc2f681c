""" "Fix this error": ask the model for a fix of a run's error and keep it only if it runs.

The unit rewritten is the innermost function holding the failing line, else the top-level
statement holding it. The model is told the code, the traceback, the error in plain words
(``prosepy.explain``) and the values at the failing line, which a first throwaway run
records (it also shows the error happens without the user's session). Each proposed fix
replaces the unit and the file runs again, up to the end of what the user ran, in a
throwaway sandbox; a fix is offered only when that run ends without any error. Otherwise
the answer says no fix that runs was found.
"""

from __future__ import annotations

import ast
import difflib
import logging
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from prosepy.explain.errors import explain_error
from prosepy.server.generation.clean import extract_code, split_imports
from prosepy.server.generation.trials import Trial, TrialReport, TrialRunner
from prosepy.server.lines import line_texts
from prosepy.server.models.base import CancelToken, ChatMessage, ModelError

if TYPE_CHECKING:
    from prosepy.server.generation.pipeline import Generator

logger = logging.getLogger(__name__)

SYSTEM = (
    "You are a Python coding assistant inside a code editor. The user's code raised an "
    "error when run. Fix the cause, keeping what the code is meant to do: for example "
    "define the missing name, or guard a division by zero with a sensible result. Do not "
    "hide errors with a bare try/except and do not delete the code.\n"
    "Reply with exactly one fenced ```python block holding the corrected version of the code "
    "you are asked to fix, complete, and nothing else."
)


@dataclass
class RunFailure:
    """The error of a run as the run feature reports it (0-based document line)."""

    type: str
    message: str
    line: int
    traceback: str = ""
    #: Last document line the run covered (0-based); the re-run goes up to here.
    run_last_line: int | None = None


@dataclass
class Fix:
    """Replace lines [start, end) with ``lines``; ``description`` says what changed."""

    start: int
    end: int
    lines: list[str]
    description: str
    #: What the re-run in a throwaway sandbox showed ("ran without error").
    checked: str


@dataclass
class _Unit:
    start: int
    end: int  # exclusive
    indent: str
    function: str | None


def _unit(tree: ast.Module, lines: list[str], line: int) -> _Unit | None:
    """The innermost function holding 0-based ``line``, else its top-level statement."""
    best: ast.FunctionDef | ast.AsyncFunctionDef | None = None
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = (node.decorator_list[0].lineno if node.decorator_list else node.lineno) - 1
            if first <= line <= (node.end_lineno or node.lineno) - 1:
                if best is None or node.lineno > best.lineno:
                    best = node
    if best is not None:
        first = (best.decorator_list[0].lineno if best.decorator_list else best.lineno) - 1
        text = lines[first]
        return _Unit(
            first, best.end_lineno or best.lineno, text[: len(text) - len(text.lstrip())], best.name
        )
    for node in tree.body:
        if node.lineno - 1 <= line <= (node.end_lineno or node.lineno) - 1:
            return _Unit(node.lineno - 1, node.end_lineno or node.lineno, "", None)
    return None


def _top_end(tree: ast.Module, line: int) -> int:
    for node in tree.body:
        if node.lineno - 1 <= line <= (node.end_lineno or node.lineno) - 1:
            return (node.end_lineno or node.lineno) - 1
    return line


def describe_change(old: list[str], new: list[str], first_line: int) -> str:
    """A short description of the change for the action's title: one line's before and
    after when one line changed, else which lines changed and how many were added."""
    matcher = difflib.SequenceMatcher(a=[x.strip() for x in old], b=[x.strip() for x in new])
    changes = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    if not changes:
        return "no change"
    if len(changes) == 1:
        tag, a1, a2, b1, b2 = changes[0]
        if tag == "replace" and a2 - a1 == 1 and b2 - b1 == 1:
            return f"line {first_line + a1 + 1}: `{old[a1].strip()}` → `{new[b1].strip()}`"
        if tag == "insert" and b2 - b1 == 1:
            return f"adds `{new[b1].strip()}` at line {first_line + a1 + 1}"
    added = sum(b2 - b1 for _, _, _, b1, b2 in changes)
    removed = sum(a2 - a1 for _, a1, a2, _, _ in changes)
    first = changes[0][1] + first_line + 1

    def lines(n: int) -> str:
        return f"{n} line{'s' * (n != 1)}"

    if not removed:  # e.g. a try/except around the failing line
        return f"adds {lines(added)} from line {first}"
    if not added:
        return f"removes {lines(removed)} from line {first}"
    return f"rewrites from line {first} ({lines(added)} in place of {removed})"


def _replacement(reply: str, unit: _Unit, old: list[str]) -> list[str] | None:
    """The unit's new lines from the model's reply, at the unit's indentation."""
    code = textwrap.dedent(extract_code(reply)).strip("\n")
    if not code.strip():
        return None
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    if unit.function is not None:
        body, imports = split_imports(code)
        try:
            parsed = ast.parse(body)
        except SyntaxError:
            return None
        found = [
            n
            for n in parsed.body
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == unit.function
        ]
        if not found:
            for cls in (n for n in parsed.body if isinstance(n, ast.ClassDef)):
                found = [
                    n
                    for n in cls.body
                    if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
                    and n.name == unit.function
                ]
                if found:
                    break
        if not found:
            return None
        node = found[0]
        source_lines = body.split("\n")
        first = (node.decorator_list[0].lineno if node.decorator_list else node.lineno) - 1
        text = textwrap.dedent("\n".join(source_lines[first : node.end_lineno]))
        lines = text.split("\n")
        if imports:
            inner = node.body[0]
            pad = " " * (inner.col_offset - node.col_offset)
            at = inner.lineno - node.lineno
            lines[at:at] = [pad + statement for statement in imports]
        return [(unit.indent + line) if line.strip() else "" for line in lines]
    del tree
    return [(unit.indent + line) if line.strip() else "" for line in code.split("\n")]


def _explain(failure: RunFailure, source: str, language: str) -> str:
    try:
        return explain_error(failure.type, failure.message, source.strip(), language)
    except Exception:
        return ""


def find_fix(
    generator: Generator,
    trials: TrialRunner,
    text: str,
    failure: RunFailure,
    path: str | None = None,
    folder: str | None = None,
    language: str = "en",
    cancel: CancelToken | None = None,
    on_phase: Callable[[str], None] | None = None,
) -> Fix | str:
    """A fix that runs without the error, or a sentence saying why there is none."""
    phase = on_phase or (lambda _text: None)
    lines = line_texts(text)
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        return f"the file does not parse (line {exc.lineno}): fix that first"
    if not 0 <= failure.line < len(lines):
        return "the error's line is no longer in the file"
    unit = _unit(tree, lines, failure.line)
    if unit is None:
        return "could not tell which code raised the error"
    last = max(failure.run_last_line or 0, _top_end(tree, failure.line), unit.end - 1)
    last = min(last, len(lines) - 1)
    filename = path or "<document>"

    def trial_of(program_lines: list[str], start: int, end: int) -> TrialReport:
        program = "\n".join(program_lines) + "\n"
        return trials(Trial(program, start, end, filename, folder, show=False))

    phase("running the code again")
    before = trial_of(lines[: last + 1], unit.start, unit.end)
    if before.unavailable:
        return f"could not run the code to check a fix: {before.unavailable}"
    if before.error is None:
        return (
            "the error does not happen when the file runs from the top in a fresh sandbox (it "
            "may depend on earlier runs in the session), so no fix can be checked"
        )
    if before.error.type != failure.type:
        return (
            f"run from the top in a fresh sandbox the code raises {before.error.type}, not "
            f"{failure.type} (it depends on earlier runs in the session), so no fix can be checked"
        )
    values = before.error.locals
    traceback = failure.traceback or (before.error.traceback if before.error else "")
    explanation = _explain(failure, lines[failure.line], language)
    old = lines[unit.start : unit.end]
    what = f"the function `{unit.function}`" if unit.function else "this code"
    context_lines = lines[max(0, unit.start - 40) : unit.start]
    parts = []
    if any(line.strip() for line in context_lines):
        parts.append("The code before it:\n```python\n" + "\n".join(context_lines) + "\n```")
    parts.append(f"Fix {what}:\n```python\n" + textwrap.dedent("\n".join(old)) + "\n```")
    parts.append("Running it raised:\n```\n" + _tail(traceback, failure) + "\n```")
    if explanation:
        parts.append(f"In plain words: {explanation}")
    if values:
        parts.append(
            "Values at the failing line: "
            + ", ".join(f"{k} = {v}" for k, v in list(values.items())[:10])
        )
    parts.append(f"Reply with the corrected {what} only.")
    messages = [ChatMessage("system", SYSTEM), ChatMessage("user", "\n\n".join(parts))]
    tries = max(1, generator.settings.candidates)
    last_problem = "the model gave no usable code"
    for attempt in range(tries):
        if cancel is not None and cancel.cancelled:
            return "cancelled"
        phase(f"asking the model (try {attempt + 1} of {tries})")
        temperature = (
            generator.settings.temperature
            if attempt == 0
            else generator.settings.sample_temperature
        )
        try:
            result = generator.call(
                messages, cancel, None, generator.settings.time_budget_s, temperature, attempt
            )
        except ModelError as exc:
            return f"the model is not available: {exc}"
        if result.finish_reason not in ("stop", "length"):
            return f"the model stopped ({result.finish_reason})"
        new = _replacement(result.text, unit, old)
        if new is None or [x.rstrip() for x in new] == [x.rstrip() for x in old]:
            last_problem = "the model's code did not change the failing code"
            continue
        program = lines[: unit.start] + new + lines[unit.end : last + 1]
        phase(f"running the fix (try {attempt + 1} of {tries})")
        after = trial_of(program, unit.start, unit.start + len(new))
        if after.unavailable:
            return f"could not check the fix: {after.unavailable}"
        if after.error is None:
            return Fix(
                unit.start,
                unit.end,
                new,
                describe_change(old, new, unit.start),
                "ran without error",
            )
        last_problem = f"the fixed code still raised {after.error.type}: {after.error.message}"[
            :200
        ]
    return f"could not find a fix that runs ({last_problem})"


def _tail(traceback: str, failure: RunFailure) -> str:
    lines = [line for line in traceback.strip().splitlines() if line.strip()][-10:]
    return "\n".join(lines) if lines else f"{failure.type}: {failure.message}"
