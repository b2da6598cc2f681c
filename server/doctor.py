"""``prosepy doctor``: what works on this machine, what is missing, and how to fix it.

Each core contributes checks through a ``doctor_checks(settings)`` function (see
``_providers``); a check that fails is itself reported as a problem, never a crash.
"""

from __future__ import annotations

import importlib
import platform
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from prosepy.server import __version__
from prosepy.server.config import Settings

Status = Literal["ok", "warn", "missing"]


@dataclass
class Check:
    """One line of the report."""

    section: str
    name: str
    status: Status
    detail: str
    fix: str = ""


CheckProvider = Callable[[Settings], Iterable[Check]]


def _providers() -> list[CheckProvider]:
    """The cores' checks. (Imported here: those modules import ``Check`` from this one.)"""
    from prosepy.server.models.doctor import doctor_checks as model_checks
    from prosepy.server.sandbox.doctor import doctor_checks as sandbox_checks

    return [model_checks, sandbox_checks]


def _python_checks(settings: Settings) -> Iterable[Check]:
    yield Check("python", "interpreter", "ok", f"{sys.executable} ({platform.python_version()})")
    for module, why in [
        ("pygls", "the language server"),
        ("lsprotocol", "LSP types"),
        ("jedi", "signatures and names in scope"),
        ("ruff", "reviewing generated code"),
    ]:
        try:
            mod = importlib.import_module(module)
            version = getattr(mod, "__version__", "") or _dist_version(module)
            yield Check("python", module, "ok", f"{version} ({why})")
        except ImportError:
            yield Check(
                "python",
                module,
                "missing",
                f"not importable ({why})",
                "run scripts/demo, or pip install -e . in the environment",
            )


def _dist_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "installed"


def collect(settings: Settings | None = None) -> list[Check]:
    settings = settings or Settings()
    checks = list(_python_checks(settings))
    for provider in _providers():
        try:
            checks.extend(provider(settings))
        except Exception as exc:  # a broken check is a finding, not a crash
            where = provider.__module__.rsplit(".", 2)[-2]  # "models", "sandbox"
            checks.append(Check(where, "check", "warn", f"check failed: {exc!r}"))
    return checks


_MARK = {"ok": "ok  ", "warn": "warn", "missing": "MISS"}


def render(checks: list[Check]) -> str:
    """A plain-text report grouped by section, with fixes under the lines that need them."""
    lines = [f"prosepy {__version__} doctor"]
    section = None
    for check in checks:
        if check.section != section:
            section = check.section
            lines.append(f"\n[{section}]")
        lines.append(f"  {_MARK[check.status]}  {check.name}: {check.detail}")
        if check.fix and check.status != "ok":
            lines.append(f"        fix: {check.fix}")
    problems = [c for c in checks if c.status != "ok"]
    lines.append("")
    lines.append(
        "all checks passed" if not problems else f"{len(problems)} problem(s) found, see fix: lines"
    )
    return "\n".join(lines)
