"""Review generated code for risk, shadowed builtins and inefficiency.

Most checks are ruff's (bandit's ``S`` rules for processes, eval/exec and network calls,
``A`` for shadowed builtins, ``PERF``/``C4``/``FURB``/``SIM``/``PLW`` for waste); ruff runs
on the snippet alone through stdin. A few risks ruff does not cover (deleting files,
writing outside the working directory, opening network connections) are found by a short
AST walk. Findings are in snippet lines; the caller maps them onto the document.
"""

from __future__ import annotations

import ast
import json
import logging
import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

logger = logging.getLogger(__name__)

SELECT = "S,A,PERF,C4,FURB,SIM,PLW,B"
#: Rules that are noise on a snippet: asserts, missing `check=`, encoding defaults, etc.
IGNORE = "S101,PLW1510,PLW1514,A005,B018,SIM115,S311,FURB101,FURB103"
RISK_PREFIXES = ("S", "A", "RISK")

Severity = Literal["warning", "information"]


@dataclass(frozen=True)
class Finding:
    #: 0-based line and column within the snippet.
    line: int
    column: int
    end_line: int
    end_column: int
    code: str
    message: str
    severity: Severity


def ruff_command() -> list[str] | None:
    """The ruff next to this interpreter, else on PATH."""
    here = Path(sys.executable).parent / "ruff"
    if here.exists():
        return [str(here)]
    found = shutil.which("ruff")
    return [found] if found else None


def _severity(code: str) -> Severity:
    return "warning" if code.startswith(RISK_PREFIXES) else "information"


def run_ruff(
    code: str, in_function: bool, imports: list[str] | None = None, timeout: float = 10.0
) -> list[Finding]:
    """Ruff's findings on ``code`` (column-0 snippet) after ``imports``; [] without ruff.

    Findings on the imports are reported on the snippet's first line.
    """
    command = ruff_command()
    if command is None:
        logger.warning("ruff not found: generated code is not reviewed by ruff")
        return []
    imports = imports or []
    source, offset = code, len(imports)
    if in_function:
        source, offset = "def __snippet__():\n" + textwrap.indent(code, "    ") + "\n", offset + 1
    if imports:
        source = "\n".join(imports) + "\n" + source
    try:
        proc = subprocess.run(
            [
                *command,
                "check",
                "--isolated",
                "--preview",
                "--no-cache",
                "--exit-zero",
                "--select",
                SELECT,
                "--ignore",
                IGNORE,
                "--output-format",
                "json",
                "--stdin-filename",
                "snippet.py",
                "-",
            ],
            input=source,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        items = json.loads(proc.stdout or "[]")
    except (OSError, subprocess.SubprocessError, json.JSONDecodeError) as exc:
        logger.warning("ruff review failed: %s", exc)
        return []
    shift = 4 if in_function else 0
    findings = []
    for item in items:
        code_id = item.get("code") or ""
        if not code_id:  # a syntax error report, not a rule
            continue
        start, end = item["location"], item["end_location"]
        if start["row"] - 1 < len(imports):
            findings.append(
                Finding(
                    0,
                    0,
                    0,
                    0,
                    code_id,
                    item.get("message", "") + " (import added at the top)",
                    _severity(code_id),
                )
            )
            continue
        findings.append(
            Finding(
                line=start["row"] - 1 - offset,
                column=max(0, start["column"] - 1 - shift),
                end_line=end["row"] - 1 - offset,
                end_column=max(0, end["column"] - 1 - shift),
                code=code_id,
                message=item.get("message", ""),
                severity=_severity(code_id),
            )
        )
    return [f for f in findings if f.line >= 0]


_DELETERS = {
    "os.remove",
    "os.unlink",
    "os.rmdir",
    "os.removedirs",
    "shutil.rmtree",
    "shutil.move",
}
_PATH_DELETERS = {"unlink", "rmdir"}
_NETWORK = {
    "socket",
    "urllib.request",
    "http.client",
    "requests",
    "httpx",
    "aiohttp",
    "ftplib",
    "smtplib",
    "telnetlib",
    "paramiko",
    "websocket",
    "websockets",
    "urllib3",
}


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else ""
    return ""


def _outside_cwd(node: ast.AST) -> bool:
    """A literal path that is absolute, in the home directory or climbs above the cwd."""
    if isinstance(node, ast.JoinedStr) and node.values:
        node = node.values[0]
    if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return False
    path = node.value
    return (
        path.startswith(("/", "~", "\\"))
        or path.startswith("..")
        or (len(path) > 2 and path[1] == ":" and path[0].isalpha())
        or os.path.isabs(path)
    )


def _mode_writes(call: ast.Call) -> bool:
    mode: ast.AST | None = call.args[1] if len(call.args) > 1 else None
    for kw in call.keywords:
        if kw.arg == "mode":
            mode = kw.value
    return (
        isinstance(mode, ast.Constant)
        and isinstance(mode.value, str)
        and any(c in mode.value for c in "wax+")
    )


def _finding(node: ast.AST, code: str, message: str) -> Finding:
    line = getattr(node, "lineno", 1) - 1
    return Finding(
        line,
        getattr(node, "col_offset", 0),
        (getattr(node, "end_lineno", None) or line + 1) - 1,
        getattr(node, "end_col_offset", 0) or 0,
        code,
        message,
        "warning",
    )


def ast_risks(code: str) -> list[Finding]:
    """Risks ruff has no rule for: deleting files, writing outside the cwd, network."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    found: list[Finding] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
            for name in names:
                if name in _NETWORK or name.split(".")[0] in {
                    "socket",
                    "requests",
                    "httpx",
                    "aiohttp",
                }:
                    found.append(_finding(node, "RISK-NET", f"network access: imports `{name}`"))
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        attr = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        if name in _DELETERS or attr in _PATH_DELETERS:
            found.append(_finding(node, "RISK-DELETE", f"deletes files: `{name or attr}`"))
        elif name == "open" and node.args and _mode_writes(node) and _outside_cwd(node.args[0]):
            found.append(
                _finding(node, "RISK-WRITE", "writes a file outside the working directory")
            )
        elif (
            isinstance(node.func, ast.Attribute)
            and node.func.attr in {"write_text", "write_bytes", "mkdir", "touch"}
            and isinstance(node.func.value, ast.Call)
            and node.func.value.args
            and _outside_cwd(node.func.value.args[0])
        ):
            found.append(_finding(node, "RISK-WRITE", "writes outside the working directory"))
    return found


def review(code: str, imports: list[str], in_function: bool) -> list[Finding]:
    """All findings for a snippet (column 0) whose hoisted ``imports`` went to the file's top.

    Findings on the hoisted imports are reported on the snippet's first line.
    """
    findings = run_ruff(code, in_function, imports)
    for risk in ast_risks("\n".join([*imports, code])):
        line = max(0, risk.line - len(imports))
        on_import = risk.line < len(imports)
        findings.append(
            Finding(
                line,
                0 if on_import else risk.column,
                max(line, risk.end_line - len(imports)),
                0 if on_import else risk.end_column,
                risk.code,
                risk.message,
                risk.severity,
            )
        )
    seen: set[tuple[int, str]] = set()
    unique = []
    for f in sorted(findings, key=lambda f: (f.line, f.code)):
        if (f.line, f.code) not in seen:
            seen.add((f.line, f.code))
            unique.append(f)
    return unique
