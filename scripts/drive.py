"""Shared by the scripts that drive the real server as an editor would and run what it wrote.

``start_server`` starts ``python -m prosepy.server`` over stdio with VS Code's capabilities and
a client that keeps the messages shown and the messages of ended progress; ``run_file`` runs
a Python file in a plain subprocess.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

ROOT = Path(__file__).resolve().parent.parent
#: Server notifications the scripts do not read.
IGNORED = (
    "prosepy/modelStatus",
    "prosepy/runResult",
    "prosepy/inlineResults",
    types.WINDOW_LOG_MESSAGE,
    types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
)


class ServerClient(LanguageClient):
    """A client that records ``window/showMessage`` texts and work-done progress ends."""

    def __init__(self, name: str) -> None:
        super().__init__(name, "1")
        self.messages: list[str] = []
        self.progress_ends: list[str] = []


async def start_server(name: str, env: dict[str, str], options: dict[str, Any]) -> ServerClient:
    """The server running from ``env`` (its PYTHONPATH picks the tree), initialized."""
    import pytest_lsp

    client = ServerClient(name)

    @client.feature(types.WINDOW_SHOW_MESSAGE)
    def show(params: types.ShowMessageParams) -> None:
        client.messages.append(params.message)

    @client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
    def create(params: types.WorkDoneProgressCreateParams) -> None:
        return None

    @client.feature(types.PROGRESS)
    def progress(params: types.ProgressParams) -> None:
        value = params.value if isinstance(params.value, dict) else {}
        if value.get("kind") == "end":
            client.progress_ends.append(value.get("message") or "")

    for method in IGNORED:
        client.feature(method)(lambda *args: None)

    @client.feature(types.WORKSPACE_CONFIGURATION)
    def configuration(params: types.ConfigurationParams) -> list[None]:
        return [None for _ in params.items]

    await client.start_io(sys.executable, "-m", "prosepy.server", env=env, cwd=str(ROOT))
    await client.initialize_async(
        types.InitializeParams(
            capabilities=pytest_lsp.client_capabilities("visual-studio-code"),
            initialization_options=options,
        )
    )
    client.initialized(types.InitializedParams())
    return client


def run_file(
    path: Path, cwd: Path | str, timeout: float
) -> subprocess.CompletedProcess[str] | None:
    """``python path`` in ``cwd``, output captured as text; None when it ran past ``timeout``."""
    try:
        return subprocess.run(
            [sys.executable, str(path)],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None


def last_line(text: str, default: str = "") -> str:
    """The last line of ``text`` (stripped), e.g. a traceback's error line."""
    return (text.strip().splitlines() or [default])[-1]
