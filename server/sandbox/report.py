"""From what the sandbox sent to a :class:`RunResult`, checked at the trust boundary.

The runtime keeps to the rules below on its own; these checks are for when the snippet wrote
its own "result": values only on the run's own lines, one per line, short texts on one line
(no control or bidirectional characters, which would garble an inlay hint), reprs within a
per-value cap and a whole-result budget, an error line inside the run or none.
"""

from __future__ import annotations

import re
import signal

from prosepy.server.config import RunSettings
from prosepy.server.sandbox import layers as layer_info
from prosepy.server.sandbox.result import LineValue, RunError, RunResult
from prosepy.server.sandbox.runtime import protocol
from prosepy.server.sandbox.supervisor import RunOutcome
from prosepy.server.sandbox.views import RunViews, read_views

TEXT_CHARS = 200
FULL_CHARS = 20_000
FULL_BUDGET = 2_000_000
_UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)


def one_line(text: str, cap: int) -> str:
    """``text`` with control, line-breaking and bidirectional characters shown as escapes."""
    text = _UNPRINTABLE.sub(lambda m: repr(m.group())[1:-1], text)
    return text if len(text) <= cap else text[: cap - 1] + "…"


def checked_values(values: list[protocol.Value], first: int, last: int) -> list[LineValue]:
    """Values on lines ``first..last`` only, one per line, capped."""
    out: dict[int, LineValue] = {}
    budget = FULL_BUDGET
    for value in values:
        if not first <= value.line <= last or value.line in out:
            continue
        full = value.full[:FULL_CHARS] if len(value.full) <= budget else ""
        budget -= len(full)
        out[value.line] = LineValue(value.line, one_line(value.text, TEXT_CHARS), full)
    return [out[line] for line in sorted(out)]


def checked_views(views: RunViews, first: int, last: int) -> RunViews:
    """Loop histories and tables on the run's own lines (a loop in a function from an earlier
    run reports at its own line: dropped, as values are); a figure drawn outside the run's
    lines (by such a function) is shown at the run's last line."""
    views.steps = [s for s in views.steps if first <= s.line <= last]
    views.tables = [t for t in views.tables if first <= t.line <= last]
    for image in views.images:
        if not first <= image.line <= last:
            image.line = last
    views.notes = [one_line(n, TEXT_CHARS) for n in views.notes]
    return views


def build(
    outcome: RunOutcome,
    settings: RunSettings,
    span: tuple[int, int],
    layers: list[str],
    notes: list[str],
) -> RunResult:
    """The user-facing result of one run (``span``: its first and last document line)."""
    first, last = span
    reply = outcome.result
    active = layer_info.ordered([layer_info.SUPERVISOR, *layers])
    result = RunResult(
        ok=bool(reply and reply.ok) and not outcome.killed and not outcome.stopped,
        duration_ms=outcome.wall_ms,
        lines=checked_values(reply.values, first, last) if reply else [],
        stdout=outcome.stdout.decode("utf-8", errors="replace"),
        stderr=outcome.stderr.decode("utf-8", errors="replace"),
        output_dropped=outcome.dropped,
        layers=active,
        strength=layer_info.strength(active),
        unrestricted=layer_info.unrestricted(active, settings.allow_network, settings.mode),
        mode=settings.mode,
        first_line=first,
        last_line=last,
        notes=list(notes),
    )
    if reply is not None:
        result.views = checked_views(read_views(reply.views), first, last)
        result.notes.extend(result.views.notes)
    failure = reply.error if reply else None
    if failure is not None:
        line = failure.line if failure.line is not None and first <= failure.line <= last else None
        result.error = RunError(
            one_line(failure.type, 200), failure.message, line, failure.traceback
        )
        result.ok = False
    if outcome.stopped:
        line = result.error.line if result.error else None
        trace = result.error.traceback if result.error else ""
        if outcome.stopped == "timeout":
            text = f"the run was stopped after {settings.timeout_s:g} s (run.timeoutS)"
            result.error = RunError("Timeout", text, line, trace)
        else:
            result.error = RunError("Cancelled", "the run was cancelled", line, trace)
    elif outcome.killed:
        result.error = RunError("SandboxKilled", death(outcome, settings), None, "")
    if outcome.dropped:
        result.notes.append(
            f"output was cut at {settings.output_bytes} bytes ({outcome.dropped} bytes dropped)"
        )
    return result


def death(outcome: RunOutcome, settings: RunSettings) -> str:
    """Why the interpreter ended, in words."""
    if outcome.why:
        return f"the sandbox stopped the run: {outcome.why}"
    status = outcome.exit_status
    if status is not None and status < 0:
        known = -status in signal.Signals._value2member_map_
        name = signal.Signals(-status).name if known else str(-status)
        why = {
            "SIGXCPU": f"it used more than its CPU time ({settings.timeout_s:g} s)",
            "SIGKILL": "it was killed (CPU or memory limit, or the sandbox)",
            "SIGSEGV": "the interpreter crashed (segmentation fault)",
            "SIGABRT": "the interpreter aborted",
            "SIGSYS": "it made a forbidden system call",
        }.get(name, f"it died from {name}")
        return f"the sandboxed interpreter stopped: {why}"
    return f"the sandboxed interpreter exited (status {status}) before finishing the run"


def failure(kind: str, text: str, line: int) -> RunResult:
    """A run that could not even start."""
    result = RunResult(ok=False, duration_ms=0.0, error=RunError(kind, text, line, ""))
    result.notes.append("the sandbox could not start; nothing was run")
    result.strength = layer_info.strength([])
    result.first_line = result.last_line = line
    return result
