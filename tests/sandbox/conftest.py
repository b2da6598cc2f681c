"""Shared fixtures for the sandbox's tests, and the mode every attack must be contained in.

``scripts/test`` runs the attack suite twice: once as the machine is (bubblewrap installed:
``strong``) and once with bubblewrap hidden from PATH and ``PROSEPY_EXPECT_SANDBOX=medium``.
Every run through :class:`Env` checks that each layer expected for that mode was active, so
an attack cannot pass because a layer silently went missing. On a developer machine without
user namespaces, ``PROSEPY_EXPECT_SANDBOX=any`` (or the older
``PROSEPY_ALLOW_PARTIAL_SANDBOX=1``) runs the attacks against whatever layers there are.
"""

from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from prosepy.server.config import RunSettings
from prosepy.server.sandbox.layers import EXPECTED
from prosepy.server.sandbox.result import RunResult
from prosepy.server.sandbox.session import SandboxManager


def expected_mode() -> str:
    if os.environ.get("PROSEPY_ALLOW_PARTIAL_SANDBOX") == "1":
        return "any"
    mode = os.environ.get("PROSEPY_EXPECT_SANDBOX", "strong")
    if mode not in ("strong", "medium", "any"):
        raise ValueError(f"PROSEPY_EXPECT_SANDBOX={mode!r}: expected strong, medium or any")
    return mode


MODE = expected_mode()


def check_layers(result: RunResult) -> None:
    """Fail when a layer this mode must have was not active for ``result``."""
    if MODE == "any" or not result.layers:  # no layers: the sandbox did not start at all
        return
    missing = EXPECTED[MODE] - set(result.layers)
    assert not missing, f"{MODE} mode, but these layers were not active: {sorted(missing)}"


@dataclass
class Env:
    manager: SandboxManager
    project: Path
    secret: Path

    @property
    def strong(self) -> bool:
        return MODE == "strong" or (MODE == "any" and self.manager.spec().bwrap)

    async def run(self, code: str, key: str = "doc", first_line: int = 0) -> RunResult:
        code = textwrap.dedent(code)
        doc = self.project / "doc.py"
        result = await self.manager.run(key, code, first_line, str(doc), str(self.project))
        check_layers(result)
        return result

    async def still_works(self) -> None:
        """After an attack: a new run in a new session still gives the right answer."""
        result = await self.run("6 * 7", key="after")
        assert result.ok and result.lines[0].text == "→ 42", result


@pytest.fixture
async def env(tmp_path: Path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "data.csv").write_text("a,b\n1,2\n")
    secret = tmp_path / "secret" / "id_rsa"
    secret.parent.mkdir()
    secret.write_text("-----BEGIN PRIVATE KEY----- not for snippets")
    settings = RunSettings(timeout_s=2, memory_mb=256, output_bytes=64 * 1024, disk_mb=16)
    manager = SandboxManager(settings)
    yield Env(manager, project, secret)
    manager.shutdown()
    manager.executor.shutdown(wait=True)  # the killing of used sandboxes is finished


def sandbox_processes(root: psutil.Process | None = None) -> list[psutil.Process]:
    """The sandboxed interpreters below ``root`` (this process by default), bwrap left out."""
    found = []
    for proc in (root or psutil.Process()).children(recursive=True):
        cmd = command(proc)
        if cmd and "child.py" in " ".join(cmd) and not cmd[0].endswith("bwrap"):
            found.append(proc)
    return found


def children(p: psutil.Process, recursive: bool = False) -> list[psutil.Process]:
    """A process that exited since it was listed (a spare replaced, a session restarted)
    has no children left to count."""
    try:
        return p.children(recursive=recursive)
    except psutil.NoSuchProcess:
        return []


def command(p: psutil.Process) -> list[str]:
    try:
        return p.cmdline()
    except psutil.Error:
        return []
