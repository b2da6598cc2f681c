"""The real server over stdio with the real bundled model: background load, status, errors."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.conftest import SERVER_COMMAND, initialize_params, server_env

pytestmark = pytest.mark.model


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env())
)
async def client(lsp_client: LanguageClient):
    statuses: list[dict[str, Any]] = []

    @lsp_client.feature("prosepy/modelStatus")
    def on_status(params: Any) -> None:
        statuses.append({k: getattr(params, k) for k in ("state", "detail", "model", "tokens")})

    lsp_client.statuses = statuses  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


async def _until(predicate: Any, timeout: float = 120.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the expected notification never came")


async def test_bundled_model_loads_in_the_background(
    client: LanguageClient, qwen_model: Path
) -> None:
    await client.initialize_session(
        initialize_params({"model": {"loadAtStart": True, "nThreads": 1, "nCtx": 1024}})
    )
    statuses = client.statuses  # type: ignore[attr-defined]
    await _until(lambda: any(s["state"] in ("ready", "error") for s in statuses))
    final = statuses[-1]
    assert final["state"] == "ready", final
    assert final["model"] == qwen_model.name and final["detail"].startswith("loaded in")
    assert [s["state"] for s in statuses][:2] == ["not loaded", "loading"]
    await _until(lambda: any(len(v) >= 2 for v in client.progress_reports.values()))
    (reports,) = client.progress_reports.values()
    assert isinstance(reports[0], types.WorkDoneProgressBegin)
    assert reports[0].message == qwen_model.name
    assert isinstance(reports[-1], types.WorkDoneProgressEnd)


async def test_missing_model_is_reported_and_the_server_keeps_serving(
    client: LanguageClient, tmp_path: Path
) -> None:
    missing = tmp_path / "gone.gguf"
    await client.initialize_session(
        initialize_params({"model": {"loadAtStart": True, "path": str(missing)}})
    )
    statuses = client.statuses  # type: ignore[attr-defined]
    await _until(lambda: any(s["state"] == "error" for s in statuses))
    error = next(s for s in statuses if s["state"] == "error")
    assert f"model file not found: {missing}" in error["detail"]
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="prosepy.modelStatus", arguments=[])
    )
    assert result is not None and result["state"] == "error"
