"""Generation end to end with the real bundled model, through the real server over stdio.

Slow (a real 0.5B model on a shared CPU): marked ``model``; deselect with ``-m "not model"``.
Greedy decoding, modest ``maxTokens``. The code each request produces is run with a plain
subprocess of this interpreter.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.conftest import SERVER_COMMAND, initialize_params, server_env
from tests.generation.lsp_util import Doc, actions, until

MODEL = Path.home() / ".cache/prosepy/models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
pytestmark = [
    pytest.mark.model,
    pytest.mark.skipif(not MODEL.is_file(), reason="run `prosepy model install` first"),
]
OPTIONS = {"generate": {"maxTokens": 256, "timeBudgetS": 600}, "model": {"nThreads": 1}}


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env())
)
async def real(lsp_client: LanguageClient):
    statuses: list[dict[str, Any]] = []

    @lsp_client.feature("prosepy/modelStatus")
    def on_status(params: Any) -> None:
        statuses.append({k: getattr(params, k) for k in ("state", "detail", "tokens")})

    lsp_client.statuses = statuses  # type: ignore[attr-defined]
    await lsp_client.initialize_session(initialize_params(OPTIONS))
    yield
    await lsp_client.shutdown_session()


async def generate(client: LanguageClient, doc: Doc, line: int) -> types.CodeAction:
    (action,) = await actions(client, doc, line)
    return await client.code_action_resolve_async(action)


async def generated(client: LanguageClient, doc: Doc, line: int) -> Doc:
    """``doc`` with the edit generated for the request on ``line`` applied."""
    resolved = await generate(client, doc, line)
    assert resolved.edit is not None, [m.message for m in client.messages]
    assert doc.apply(resolved.edit)
    return doc


def run(source: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", source], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


async def test_headline_prints_5050(real: LanguageClient) -> None:
    doc = await generated(real, Doc(real, "headline.py", "# nl: 计算 1 到 100 的和\n"), 0)
    assert doc.lines()[0] == "# nl: 计算 1 到 100 的和"
    assert "5050" in run(doc.text).split()


async def test_function_body_is_indented_and_uses_parameters(real: LanguageClient) -> None:
    text = (
        "def total_price(prices, tax):\n"
        '    """Total of prices with tax added (tax is a fraction, e.g. 0.1)."""\n'
        "    # nl: return the sum of prices multiplied by (1 + tax)\n"
        "\n\nprint(round(total_price([10, 20], 0.5), 2))\n"
    )
    doc = await generated(real, Doc(real, "price.py", text), 2)
    lines = doc.lines()
    start = lines.index("    # nl: return the sum of prices multiplied by (1 + tax)") + 1
    end = lines.index("print(round(total_price([10, 20], 0.5), 2))")
    body = [line for line in lines[start:end] if line.strip()]
    assert body and all(line.startswith("    ") for line in body)
    assert "prices" in "\n".join(body) and "tax" in "\n".join(body)
    assert run(doc.text).split()[-1] == "45.0"


async def test_json_import_goes_to_the_top(real: LanguageClient) -> None:
    text = (
        'import os\n\nconfig = {"name": "prosepy", "port": 8080}\n'
        "# nl: 把 config 转成 JSON 字符串并打印\n"
    )
    doc = await generated(real, Doc(real, "config.py", text), 3)
    lines = doc.lines()
    assert lines[:2] == ["import os", "import json"]
    comment = lines.index("# nl: 把 config 转成 JSON 字符串并打印")
    assert not any(line.startswith("import") for line in lines[comment:])
    assert '"port": 8080' in run(doc.text)


async def test_typing_during_generation_loses_nothing(real: LanguageClient) -> None:
    doc = Doc(real, "typing.py", "# nl: print the squares of 1 to 5\nkeep = 'mine'\n")
    (action,) = await actions(real, doc, 0)
    task = asyncio.ensure_future(real.code_action_resolve_async(action))
    statuses = real.statuses  # type: ignore[attr-defined]
    await until(lambda: any(s["state"] == "generating" for s in statuses), timeout=300)
    doc.change((0, 0), (0, 0), "typed = 'during generation'\n")
    resolved = await task
    assert resolved.edit is not None, [m.message for m in real.messages]
    assert doc.apply(resolved.edit)
    lines = doc.lines()
    assert lines[0] == "typed = 'during generation'"
    assert lines[1] == "# nl: print the squares of 1 to 5"
    assert lines[-1] == "keep = 'mine'"
    assert run(doc.text).split()[:5] == ["1", "4", "9", "16", "25"]


async def test_cancel_stops_the_model(real: LanguageClient) -> None:
    doc = Doc(real, "cancel.py", "# nl: write a long tutorial about sorting algorithms with code\n")
    (action,) = await actions(real, doc, 0)
    future = asyncio.ensure_future(
        real.protocol.send_request_async(types.CODE_ACTION_RESOLVE, action, msg_id="real-1")
    )
    statuses = real.statuses  # type: ignore[attr-defined]
    await until(lambda: any((s["tokens"] or 0) > 0 for s in statuses), timeout=300)
    real.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="real-1"))
    with pytest.raises(Exception):  # noqa: B017 - the cancelled request answers with an error
        await future
    await until(lambda: any("cancelled" in s["detail"] for s in statuses), timeout=60)
    stopped = next(s for s in statuses if "cancelled" in s["detail"])
    assert stopped["tokens"] < OPTIONS["generate"]["maxTokens"]
    assert doc.text.count("\n") == 1
