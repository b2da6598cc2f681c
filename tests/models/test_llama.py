"""The bundled Qwen2.5-Coder-0.5B through each llama.cpp runtime (short generations).

The default runtime (xllamacpp, installed by a plain ``pip install``) must be present: a
missing one fails. llama-cpp-python is an opt-in build and is skipped when not installed.
"""

from __future__ import annotations

import ast
import gc
import importlib.util
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from prosepy.server.config import ModelSettings
from prosepy.server.models.base import Backend, CancelToken, ChatMessage, GenerationRequest
from prosepy.server.models.grammars import PYTHON_BLOCK
from prosepy.server.models.loader import choose_runtime, load_backend
from prosepy.server.models.manager import ModelManager

pytestmark = pytest.mark.model

SETTINGS = ModelSettings(n_threads=1, n_ctx=1024)


def _request(text: str, **kw) -> GenerationRequest:
    return GenerationRequest(
        [ChatMessage("system", "You write Python."), ChatMessage("user", text)], **kw
    )


@pytest.fixture(scope="module", params=["xllamacpp", "llama-cpp-python"])
def qwen(request: pytest.FixtureRequest, qwen_model: Path) -> Iterator[Backend]:
    runtime = request.param
    if runtime == "llama-cpp-python" and importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("optional: llama-cpp-python (the opt-in local build) is not installed")
    backend = load_backend(replace(SETTINGS, runtime=runtime))
    assert type(backend).__module__.endswith({"xllamacpp": "xllama"}.get(runtime, "llama"))
    yield backend
    backend.close()


def test_default_runtime_is_the_prebuilt_one() -> None:
    assert choose_runtime(ModelSettings()) == "xllamacpp"
    assert importlib.util.find_spec("xllamacpp") is not None, "run scripts/setup"


def test_streams_tokens_within_max_tokens(qwen: Backend) -> None:
    pieces: list[str] = []
    result = qwen.generate(_request("Say hello.", max_tokens=6), on_token=pieces.append)
    assert 0 < result.tokens <= 6 and result.text == "".join(pieces)
    assert result.finish_reason in ("length", "stop") and result.first_token_s is not None
    assert result.model == "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"


def test_grammar_forces_exactly_one_python_block(qwen: Backend) -> None:
    result = qwen.generate(_request("计算 1 到 100 的和", max_tokens=48, grammar=PYTHON_BLOCK))
    assert result.finish_reason == "stop", result
    text = result.text.rstrip("\n")
    assert text.startswith("```python\n") and text.endswith("\n```")
    code = text[len("```python\n") : -len("```")]
    assert "```" not in code
    ast.parse(code)  # the block is Python


def test_stop_sequence_ends_generation(qwen: Backend) -> None:
    result = qwen.generate(
        _request(
            "Write a Python function add(a, b).", max_tokens=40, grammar=PYTHON_BLOCK, stop=["("]
        )
    )
    assert result.finish_reason == "stop" and "(" not in result.text
    assert result.text.startswith("```python\n")


def test_cancel_stops_at_once(qwen: Backend) -> None:
    cancel = CancelToken()
    seen: list[str] = []

    def on_token(piece: str) -> None:
        seen.append(piece)
        if len(seen) == 2:
            cancel.cancel()

    result = qwen.generate(_request("Count to fifty.", max_tokens=48), cancel, on_token)
    assert result.finish_reason == "cancelled" and result.tokens == 2


def test_time_budget_ends_generation(qwen: Backend) -> None:
    result = qwen.generate(_request("Count to fifty.", max_tokens=48, time_budget_s=1e-9))
    assert result.finish_reason == "timeout" and result.tokens == 0


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096 / 2**20


def test_manager_switch_releases_memory(qwen: Backend) -> None:
    gc.collect()
    before = _rss_mb()
    manager = ModelManager(SETTINGS)
    result = manager.generate(_request("Say hi.", max_tokens=4))
    assert result.tokens > 0 and manager.status.state == "ready"
    loaded = _rss_mb()
    manager.update_settings(ModelSettings(n_threads=1, n_ctx=512))  # a different instance
    released = _rss_mb()
    assert manager.status.state == "not loaded"
    # the weights are mmapped and the context freed: most of the instance's memory returns
    assert loaded - before > 100, (before, loaded)
    assert released < loaded - (loaded - before) * 0.6, (before, loaded, released)
    manager.close()
