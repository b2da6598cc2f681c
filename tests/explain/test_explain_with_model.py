"""``prosepy.explainWithModel`` through the real server over stdio, with the scripted model
double (the protocol: streaming progress, cache, cancel, errors, language). The real model
is exercised in ``test_explain_with_model_real.py``."""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.conftest import SERVER_COMMAND, initialize_params, server_env

DIR = Path(tempfile.mkdtemp(prefix="prosepy-explain-model-"))
REPLY = "It adds up the numbers from 1 to 100 and keeps the running total in total."
CODE = "total = 0\nfor i in range(1, 101):\n    total += i\n"


def _script(name: str, replies: list[str], token_delay_s: float = 0.0, **extra: Any) -> Path:
    path = DIR / f"{name}.json"
    path.write_text(json.dumps({"replies": replies, "token_delay_s": token_delay_s, **extra}))
    return path


# ~1 s of streaming: several of the progress ticker's 0.2 s reports, however loaded the machine
FAST = _script("fast", [REPLY], 0.05)
SLOW = _script("slow", [" ".join(["word"] * 400)], 0.05)
FAILING = _script("failing", ["x"], load_error="the weights are missing")


def _config(path: Path) -> ClientServerConfig:
    env = server_env(PROSEPY_SCRIPTED_MODEL=str(path))
    env["PROSEPY_CACHE"] = str(DIR / "cache")
    return ClientServerConfig(server_command=SERVER_COMMAND, server_env=env)


def _logged(path: Path) -> list[dict[str, Any]]:
    log = Path(str(path) + ".log")
    return (
        [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines()]
        if log.exists()
        else []
    )


@pytest_lsp.fixture(config=_config(FAST))
async def fast(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=_config(SLOW))
async def slow(lsp_client: LanguageClient):
    await lsp_client.initialize_session(initialize_params())
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=_config(FAILING))
async def failing(lsp_client: LanguageClient):
    await lsp_client.initialize_session(initialize_params())
    yield
    await lsp_client.shutdown_session()


def _open(client: LanguageClient, name: str, text: str) -> str:
    uri = (DIR / name).as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, text))
    )
    return uri


def _range(start: tuple[int, int], end: tuple[int, int]) -> dict[str, Any]:
    return {
        "start": {"line": start[0], "character": start[1]},
        "end": {"line": end[0], "character": end[1]},
    }


async def _explain(client: LanguageClient, uri: str, rng: dict[str, Any]) -> Any:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="prosepy.explainWithModel", arguments=[{"uri": uri, "range": rng}]
        )
    )


async def test_streams_with_progress_and_caches(fast: LanguageClient) -> None:
    await fast.initialize_session(initialize_params())
    uri = _open(fast, "sum.py", CODE)
    result = await _explain(fast, uri, _range((0, 0), (3, 0)))
    assert result == {"text": REPLY, "cached": False, "finishReason": "stop", "language": "en"}
    token = next(t for t in fast.progress_reports if str(t).startswith("prosepy-explain"))
    reports = fast.progress_reports[token]
    assert isinstance(reports[0], types.WorkDoneProgressBegin) and reports[0].cancellable
    assert isinstance(reports[-1], types.WorkDoneProgressEnd)
    streamed = [r.message for r in reports if isinstance(r, types.WorkDoneProgressReport)]
    assert streamed and all(m and REPLY.startswith(m[: len(m) // 2]) for m in streamed if m != "…")
    (request,) = _logged(FAST)
    prompt = request["messages"][1]["content"]
    assert CODE.strip() in prompt
    assert "Repeats for each `i` from 1 to 100: adds `i` to `total`." in prompt  # the certain facts
    again = await _explain(fast, uri, _range((0, 0), (3, 0)))
    assert again["cached"] is True and again["text"] == REPLY
    assert len(_logged(FAST)) == 1  # the model was not asked twice


async def test_never_runs_on_hover(fast: LanguageClient) -> None:
    await fast.initialize_session(initialize_params())
    before = len(_logged(FAST))
    uri = _open(fast, "hover.py", CODE)
    await fast.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(2, 4))
    )
    await asyncio.sleep(0.3)
    assert len(_logged(FAST)) == before


async def test_cancel_button_stops_the_model(slow: LanguageClient) -> None:
    uri = _open(slow, "slow.py", CODE)
    task = asyncio.ensure_future(_explain(slow, uri, _range((1, 0), (1, 0))))
    for _ in range(100):
        tokens = [t for t in slow.progress_reports if str(t).startswith("prosepy-explain")]
        if tokens and len(slow.progress_reports[tokens[0]]) > 1:
            break
        await asyncio.sleep(0.05)
    slow.protocol.notify(
        types.WINDOW_WORK_DONE_PROGRESS_CANCEL, types.WorkDoneProgressCancelParams(token=tokens[0])
    )
    result = await asyncio.wait_for(task, 10)
    assert result["finishReason"] == "cancelled"
    assert len(result["text"].split()) < 400
    assert _logged(SLOW)[-1]["messages"][1]["content"].startswith(
        "Code:\n```python\nfor i in range(1, 101):"
    )
    again = await _explain(slow, uri, _range((1, 0), (1, 0)))
    assert again["cached"] is False  # a cancelled answer is not cached


async def test_chinese_and_bad_arguments(fast: LanguageClient) -> None:
    await fast.initialize_session(initialize_params(locale="zh-CN"))
    uri = _open(fast, "zh.py", CODE)
    result = await _explain(fast, uri, _range((2, 0), (2, 14)))
    assert result["language"] == "zh"
    request = _logged(FAST)[-1]
    assert "简体中文" in request["messages"][0]["content"]
    assert "把 `i` 加到 `total` 上。" in request["messages"][1]["content"]
    bad = await fast.workspace_execute_command_async(
        types.ExecuteCommandParams(command="prosepy.explainWithModel", arguments=["nonsense"])
    )
    assert bad is not None and "expected one argument" in bad["error"]
    outside = await _explain(fast, uri, _range((40, 0), (40, 0)))
    assert "outside the document" in outside["error"]


async def test_model_error_is_reported(failing: LanguageClient) -> None:
    uri = _open(failing, "f.py", CODE)
    result = await _explain(failing, uri, _range((0, 0), (3, 0)))
    assert "weights are missing" in result["error"]
    for _ in range(50):
        if failing.messages:
            break
        await asyncio.sleep(0.1)
    assert any("could not explain" in m.message for m in failing.messages)
