"""What a trial says about a candidate, in words a user can trust.

A verdict never claims more than happened: "passed 2 of 2 examples" only when two examples
ran and matched, "ran without error" only when the candidate's own lines executed, and
"not checked: ..." with the reason when the sandbox could not tell (the code reads a file
that is not there, waits for input, needs the network, or nothing calls the function).
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass
from typing import Literal

from prosepy.server.generation.trials import Trial, TrialReport

Kind = Literal["passed", "ran", "failed", "unchecked"]

#: Errors that say the sandbox lacks something, not that the code is wrong.
_NETWORK = {
    "ConnectionError",
    "ConnectionRefusedError",
    "ConnectionResetError",
    "gaierror",
    "URLError",
    "herror",
    "SSLError",
    "ProxyError",
}
_FILES = {"FileNotFoundError", "IsADirectoryError", "NotADirectoryError", "PermissionError"}
#: A request that says its result is to be printed ("print the total", "打印", "输出").
_ASKS_TO_PRINT = re.compile(r"\bprints?\b|打印|输出", re.IGNORECASE)
PRINTED_NOTHING = "printed nothing, though the request asks to print"


@dataclass
class Verdict:
    kind: Kind
    #: For the user: "passed 2 of 2 examples", "ran without error", "not checked: ...",
    #: "raised ZeroDivisionError", "passed 1 of 2 examples".
    summary: str
    report: TrialReport | None = None
    examples: int = 0
    passed: int = 0

    @property
    def good(self) -> bool:
        return self.kind in ("passed", "ran")

    @property
    def repairable(self) -> bool:
        """The candidate itself is wrong in a way a repair round can be told about."""
        return self.kind == "failed"

    def rank(self) -> tuple[int, int]:
        order = {"passed": 3, "ran": 3, "unchecked": 2, "failed": 1}
        return order[self.kind], self.passed


def _mentioned(name: str | None, *texts: str) -> bool:
    if not name:
        return False
    base = re.split(r"[\\/]", name)[-1]
    return any(base and base in text for text in texts)


def judge(report: TrialReport, trial: Trial, request_text: str, file_text: str) -> Verdict:
    """Turn ``report`` (the trial of ``trial``) into a verdict."""
    if report.unavailable:
        return Verdict("unchecked", f"not checked: {report.unavailable}", report)
    counted = report.counted
    error = report.error
    if error is not None:
        where = f" at line {error.line + 1}" if error.line is not None else ""
        if error.type in ("Timeout", "Cancelled"):
            return Verdict("unchecked", "not checked: still running at the time limit", report)
        if error.line is not None and error.line < trial.code_start:
            return Verdict(
                "unchecked",
                f"not checked: the code above the request raised {error.type}{where}",
                report,
            )
        if error.type == "EOFError":
            return Verdict("unchecked", "not checked: it waits for input", report)
        if error.type in ("ModuleNotFoundError", "ImportError"):
            return Verdict("unchecked", f"not checked: {error.message}", report)
        if error.type in _NETWORK:
            return Verdict("unchecked", "not checked: it uses the network", report)
        if error.type in _FILES and _mentioned(error.filename, request_text, file_text):
            return Verdict(
                "unchecked", f"not checked: it reads {error.filename}, which is not there", report
            )
        return Verdict("failed", f"raised {error.type}: {error.message}"[:160], report)
    if counted:
        passed = report.passed
        total = len(counted)
        text = f"passed {passed} of {total} example{'s' if total != 1 else ''}"
        if passed == total and not report.failed_setup:
            return Verdict("passed", text, report, total, passed)
        return Verdict("failed", text, report, total, passed)
    if report.failed_setup:
        return Verdict("failed", "an example's setup raised an error", report)
    if report.ran:
        if _asks_to_print(request_text) and _printed_nothing(report, trial):
            return Verdict("failed", PRINTED_NOTHING, report)
        return Verdict("ran", "ran without error", report)
    if trial.in_function:
        return Verdict(
            "unchecked",
            "not checked: nothing calls it here (an example such as `# e.g. f(2) == 4` "
            "in the request is run as a check)",
            report,
        )
    return Verdict("unchecked", "not checked: the code did not run", report)


def _asks_to_print(request_text: str) -> bool:
    return _ASKS_TO_PRINT.search(request_text) is not None


def _printed_nothing(report: TrialReport, trial: Trial) -> bool:
    """The program printed nothing at all though the candidate's own top-level lines do
    something when run (a request for a function that prints is met by defining it)."""
    if trial.in_function or report.stdout.strip() or report.printed:
        return False
    lines = trial.program.splitlines()[trial.code_start : trial.code_end]
    try:
        tree = ast.parse(textwrap.dedent("\n".join(lines)))
    except SyntaxError:
        return False
    definitions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)
    return any(not isinstance(node, definitions) for node in tree.body)


def feedback(verdict: Verdict, explain: str = "") -> str:
    """What a repair round tells the model about a failed candidate."""
    report = verdict.report
    if report is None:
        return verdict.summary
    error = report.error
    if error is not None:
        lines = [line for line in error.traceback.strip().splitlines() if line.strip()][-8:]
        parts = ["Running that code raised an error:", "```", *lines, "```"]
        if explain:
            parts.append(f"In plain words: {explain}")
        if error.locals:
            shown = ", ".join(f"{k} = {v}" for k, v in list(error.locals.items())[:8])
            parts.append(f"Values at that line: {shown}")
        if error.type in _FILES:
            parts.append(
                "Do not read files that the request does not name; use the variables that "
                "already hold the data."
            )
        return "\n".join(parts)
    if verdict.summary == PRINTED_NOTHING:
        return (
            "Running that code printed nothing, but the request asks to print the result. "
            "Print it with print()."
        )
    wrong = [e for e in report.examples if not e.passed]
    parts = ["Checking it against the examples failed:"]
    for example in wrong[:4]:
        parts.append(f"- `{example.label}`: got {example.got or 'nothing'}")
    return "\n".join(parts)


def output_signature(report: TrialReport | None) -> str:
    """What a candidate visibly did: candidates agreeing on it are likely right."""
    if report is None:
        return ""
    shown = sorted(report.values.items()) + sorted(report.printed.items())
    return report.stdout.strip() + "\x00" + repr([v for _, v in shown])
