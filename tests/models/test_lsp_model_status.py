"""The real server over stdio: model status notifications, load progress, load at start.

These use the scripted test model (``PROSEPY_SCRIPTED_MODEL``) to check the protocol
without the cost of a model; ``test_lsp_real_model.py`` does the same with the real one.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.conftest import SERVER_COMMAND, initialize_params, server_env

_DIR = Path(tempfile.mkdtemp(prefix="prosepy-model-lsp-"))
SLOW = _DIR / "slow.json"
SLOW.write_text(json.dumps({"replies": ["x = 1"], "load_delay_s": 1.5}))
BROKEN = _DIR / "broken.json"
BROKEN.write_text(json.dumps({"replies": ["x"], "load_error": "weights are on fire"}))


def _watch(client: LanguageClient) -> list[dict[str, Any]]:
    statuses: list[dict[str, Any]] = []

    @client.feature("prosepy/modelStatus")
    def on_status(params: Any) -> None:
        statuses.append({k: getattr(params, k) for k in ("state", "detail", "model", "tokens")})

    return statuses


def _config(script: Path) -> ClientServerConfig:
    env = server_env(PROSEPY_SCRIPTED_MODEL=str(script))
    env["PROSEPY_CACHE"] = str(_DIR / "cache")
    return ClientServerConfig(server_command=SERVER_COMMAND, server_env=env)


@pytest_lsp.fixture(config=_config(SLOW))
async def slow(lsp_client: LanguageClient):
    lsp_client.statuses = _watch(lsp_client)  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=_config(BROKEN))
async def broken(lsp_client: LanguageClient):
    lsp_client.statuses = _watch(lsp_client)  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


async def _until(predicate: Any, timeout: float = 30.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the expected notification never came")


async def _command(client: LanguageClient, name: str) -> dict[str, Any]:
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=name, arguments=[])
    )
    assert result is not None
    return dict(result)


async def test_load_at_start_reports_progress_and_status(slow: LanguageClient) -> None:
    await slow.initialize_session(initialize_params({"model": {"loadAtStart": True}}))
    statuses = slow.statuses  # type: ignore[attr-defined]
    await _until(lambda: any(s["state"] == "loading" for s in statuses))
    # The server answers while the model loads: the event loop is not blocked.
    assert (await _command(slow, "prosepy.modelStatus"))["state"] == "loading"
    await _until(lambda: any(s["state"] == "ready" for s in statuses))
    states = [s["state"] for s in statuses]
    assert states[0] == "not loaded"
    assert states.index("loading") < states.index("ready")
    assert {s["model"] for s in statuses} == {"scripted:slow.json"}
    # work-done progress: created by the server, begun and ended around the load
    await _until(lambda: any(len(v) >= 2 for v in slow.progress_reports.values()))
    (reports,) = slow.progress_reports.values()
    assert isinstance(reports[0], types.WorkDoneProgressBegin)
    assert "loading model" in reports[0].title
    assert isinstance(reports[-1], types.WorkDoneProgressEnd)
    assert "loaded in" in (reports[-1].message or "")


async def test_model_loads_lazily_and_on_request(slow: LanguageClient) -> None:
    await slow.initialize_session(initialize_params())
    statuses = slow.statuses  # type: ignore[attr-defined]
    await _until(lambda: bool(statuses))
    await asyncio.sleep(0.3)
    assert [s["state"] for s in statuses] == ["not loaded"]
    status = await _command(slow, "prosepy.loadModel")
    assert status["state"] == "ready" and status["model"] == "scripted:slow.json"


async def test_settings_change_releases_the_model(slow: LanguageClient) -> None:
    await slow.initialize_session(initialize_params())
    assert (await _command(slow, "prosepy.loadModel"))["state"] == "ready"
    statuses = slow.statuses  # type: ignore[attr-defined]
    slow.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"prosepy": {"model": {"nCtx": 2048}}})
    )
    await _until(lambda: statuses[-1]["state"] == "not loaded")
    assert statuses[-1]["detail"] == "model changed"


async def test_load_failure_is_a_status_not_a_crash(
    broken: LanguageClient, recwarn: pytest.WarningsRecorder
) -> None:
    await broken.initialize_session(initialize_params({"model": {"loadAtStart": True}}))
    statuses = broken.statuses  # type: ignore[attr-defined]
    await _until(lambda: any(s["state"] == "error" for s in statuses))
    error = next(s for s in statuses if s["state"] == "error")
    assert "weights are on fire" in error["detail"]
    # still serving, and a second attempt reports the same clear error
    status = await _command(broken, "prosepy.loadModel")
    assert status["state"] == "error" and "weights are on fire" in status["detail"]
    await _until(lambda: any(len(v) >= 2 for v in broken.progress_reports.values()))
    ends = [r for v in broken.progress_reports.values() for r in v]
    assert any(
        isinstance(r, types.WorkDoneProgressEnd) and "failed" in (r.message or "") for r in ends
    )
    # two fast failed loads: each progress still goes create -> begin -> end, in order
    progress = broken.progress_reports
    await _until(lambda: len(progress) == 2 and all(len(v) == 2 for v in progress.values()))
    assert not [w for w in recwarn if "progress token" in str(w.message)]
    for reports in progress.values():
        assert [type(r).__name__ for r in reports] == [
            "WorkDoneProgressBegin",
            "WorkDoneProgressEnd",
        ]
    assert os.environ.get("PROSEPY_SCRIPTED_MODEL") is None  # the test process is unaffected
