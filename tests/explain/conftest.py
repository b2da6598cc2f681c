"""The hover tests' server: answers kept between its sessions in a directory of their own
(not the user's cache), and the "every name analysed" notifications collected."""

from __future__ import annotations

import tempfile
from typing import Any

import pytest_lsp
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.conftest import SERVER_COMMAND, server_env

READY = "prosepy/symbolsReady"

#: Answers kept between sessions go here, not into the user's cache.
KEPT = tempfile.mkdtemp(prefix="prosepy-hover-tests-")


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=SERVER_COMMAND, server_env=server_env(PROSEPY_CACHE=KEPT)
    )
)
async def client(lsp_client: LanguageClient):
    ready: list[tuple[str, Any]] = []

    @lsp_client.feature(READY)
    def on_ready(params: Any) -> None:
        ready.append((params.uri, params.version))

    lsp_client.ready = ready  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()
