"""Run a candidate in a throwaway sandbox and read back what happened.

A trial is one run of ``trial_harness.py`` in a sandbox of its own (the sandbox's fresh
mode: a new confined interpreter from the warm pool, discarded afterwards), never in a
document's session: checking must not touch the variables the user built up, and the
user's session must not make a candidate look right. The program is the file's code up to
the end of the statement holding the request, with the candidate in place.

:class:`SandboxTrials` is the blocking face the generation pipeline calls from its worker
thread; it drives the sandbox's asyncio API (``SandboxManager.run``) on a loop of its own,
so the same object serves the language server, the CLI and the evaluation scripts.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from prosepy.server.config import RunSettings
from prosepy.server.generation.examples import Example

logger = logging.getLogger(__name__)

HARNESS = (Path(__file__).resolve().parent / "trial_harness.py").read_text(encoding="utf-8")


@dataclass
class TrialError:
    type: str
    message: str
    #: 0-based line in the program (None when unknown).
    line: int | None
    traceback: str = ""
    locals: dict[str, str] = field(default_factory=dict)
    #: The path an ``OSError`` names (``FileNotFoundError: 'data.csv'``).
    filename: str | None = None


@dataclass
class ExampleOutcome:
    label: str
    passed: bool
    got: str = ""
    setup: bool = False


@dataclass
class TrialReport:
    """What one trial of a candidate showed."""

    #: The program raised (or the sandbox stopped it: ``Timeout``, ``SandboxKilled``).
    error: TrialError | None = None
    examples: list[ExampleOutcome] = field(default_factory=list)
    #: Whether the candidate's lines ran at all (a function body runs only when called).
    ran: bool = False
    stdout: str = ""
    #: 0-based program line -> short repr of what the statement there evaluated to.
    values: dict[int, str] = field(default_factory=dict)
    #: 0-based program line -> what it printed.
    printed: dict[int, str] = field(default_factory=dict)
    seconds: float = 0.0
    #: The trial could not be made (no sandbox here, say): nothing was checked.
    unavailable: str = ""

    @property
    def counted(self) -> list[ExampleOutcome]:
        return [e for e in self.examples if not e.setup]

    @property
    def passed(self) -> int:
        return sum(e.passed for e in self.counted)

    @property
    def failed_setup(self) -> bool:
        return any(e.setup and not e.passed for e in self.examples)


@dataclass
class Trial:
    """What to run: ``program`` whose lines [code_start, code_end) are the candidate."""

    program: str
    code_start: int
    code_end: int
    filename: str
    folder: str | None = None
    examples: list[Example] = field(default_factory=list)
    #: The candidate is inside a function: it runs only if an example calls it.
    in_function: bool = False
    #: Record values and printed output of the candidate's top-level lines.
    show: bool = True


class TrialRunner(Protocol):
    """Runs one trial; blocking; never raises (an unusable sandbox gives ``unavailable``)."""

    def __call__(self, trial: Trial) -> TrialReport: ...


def harness_source(trial: Trial, marker: str, example_s: float) -> str:
    config = {
        "filename": trial.filename,
        "program": trial.program,
        "code_lines": [trial.code_start, trial.code_end],
        "examples": [dataclasses.asdict(e) for e in trial.examples],
        "in_function": trial.in_function,
        "show": trial.show,
        "marker": marker,
        "example_s": example_s,
    }
    return f"TRIAL = {json.dumps(config)!r}\nimport json as _j\nTRIAL = _j.loads(TRIAL)\n" + (
        HARNESS + "\nmain(TRIAL)\n"
    )


def read_report(stdout: str, marker: str) -> dict[str, Any] | None:
    at = stdout.rfind(marker)
    if at < 0:
        return None
    line = stdout[at + len(marker) :].split("\n", 1)[0]
    try:
        data = json.loads(line)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def to_report(data: dict[str, Any]) -> TrialReport:
    error = data.get("error")
    report = TrialReport(
        error=TrialError(
            str(error.get("type")),
            str(error.get("message", "")),
            error.get("line") if isinstance(error.get("line"), int) else None,
            str(error.get("traceback", "")),
            {str(k): str(v) for k, v in (error.get("locals") or {}).items()},
            error.get("filename") if isinstance(error.get("filename"), str) else None,
        )
        if isinstance(error, dict)
        else None,
        examples=[
            ExampleOutcome(
                str(e.get("label", "")),
                bool(e.get("passed")),
                str(e.get("got", "")),
                bool(e.get("setup")),
            )
            for e in data.get("examples", [])
            if isinstance(e, dict)
        ],
        ran=bool(data.get("ran")),
        stdout=str(data.get("stdout", "")),
        values=_lines(data.get("values")),
        printed=_lines(data.get("printed")),
        seconds=float(data.get("seconds") or 0.0),
    )
    return report


def _lines(raw: Any) -> dict[int, str]:
    out: dict[int, str] = {}
    if isinstance(raw, dict):
        for key, value in raw.items():
            try:
                out[int(key)] = str(value)
            except ValueError:
                continue
    return out


class SandboxTrials:
    """Trials in throwaway sandboxes (``run`` settings, fresh mode, shorter time limit)."""

    def __init__(self, run: RunSettings, timeout_s: float = 5.0) -> None:
        from prosepy.server.sandbox.session import SandboxManager

        self.timeout_s = timeout_s
        self._manager = SandboxManager(self._settings(run))
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._closed = False

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        """The loop the sandbox's coroutines run on, started at the first trial."""
        with self._start_lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                self._thread = threading.Thread(
                    target=self._loop.run_forever, name="prosepy-trials", daemon=True
                )
                self._thread.start()
            return self._loop

    def _settings(self, run: RunSettings) -> RunSettings:
        return dataclasses.replace(run, mode="fresh", timeout_s=min(run.timeout_s, self.timeout_s))

    def update(self, run: RunSettings, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._manager.update_settings(self._settings(run))

    def prewarm(self) -> None:
        self._manager.prewarm()

    def __call__(self, trial: Trial) -> TrialReport:
        if self._closed:
            return TrialReport(unavailable="the checking sandbox is closed")
        marker = f"\x00prosepy-trial-{secrets.token_hex(8)}\x00"
        key = f"trial-{next(self._ids)}"
        source = harness_source(trial, marker, max(0.5, self.timeout_s / 2))
        loop = self._running_loop()
        future = asyncio.run_coroutine_threadsafe(
            self._manager.run(key, source, 0, "<prosepy-trial>", trial.folder), loop
        )
        try:
            result = future.result(timeout=self.timeout_s + 30)
        except Exception as exc:  # the sandbox itself failed: nothing was checked
            logger.warning("trial failed to run: %r", exc)
            return TrialReport(unavailable=f"the sandbox failed: {exc!r}")
        finally:
            closing = asyncio.run_coroutine_threadsafe(self._manager.close(key), loop)
            try:
                closing.result(timeout=10)  # fresh mode: the sandbox is gone already
            except Exception:
                logger.debug("closing trial %s failed", key, exc_info=True)
        data = read_report(result.stdout, marker)
        if data is None:
            error = result.error
            if error is not None and error.type in ("Timeout", "Cancelled", "SandboxKilled"):
                return TrialReport(
                    error=TrialError(error.type, error.message, None), ran=True, stdout=""
                )
            if error is not None and error.type == "SandboxError":
                return TrialReport(unavailable=error.message)
            why = error.message if error is not None else "no report"
            return TrialReport(unavailable=f"the trial gave no report ({why})")
        report = to_report(data)
        if result.error is not None and result.error.type in ("Timeout", "SandboxKilled"):
            report.error = TrialError(result.error.type, result.error.message, None)
        if report.error is not None and report.error.type == "KeyboardInterrupt":
            report.error = TrialError(
                "Timeout", f"still running after {self.timeout_s:g} s", report.error.line
            )
        return report

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._manager.shutdown()
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=1)
            if not self._thread.is_alive():
                self._loop.close()


def shown_lines(report: TrialReport, trial: Trial, width: int = 100) -> list[tuple[int, str, str]]:
    """What the candidate's lines printed or evaluated to: (line offset in the candidate,
    inline text such as ``→ 5050`` for a value or ``⤷ 5050`` for printed output, the full
    text), marked as a run marks them. Printed output wins over a value."""
    shown: dict[int, tuple[str, str]] = {}
    for line, value in report.values.items():
        shown[line] = ("→ " + value, value)
    for line, printed in report.printed.items():
        full = printed.rstrip("\n")
        shown[line] = ("⤷ " + " ⏎ ".join(full.splitlines()), full)
    out: list[tuple[int, str, str]] = []
    for line in sorted(shown):
        if not trial.code_start <= line < trial.code_end:
            continue
        short, full = shown[line]
        if len(short) > width:
            short = short[: width - 1] + "…"
        out.append((line - trial.code_start, short, full))
    return out


#: For callers that hold no sandbox (tests of the pipeline alone).
NoTrials: Callable[[Trial], TrialReport] = lambda trial: TrialReport(  # noqa: E731
    unavailable="checking is off"
)
