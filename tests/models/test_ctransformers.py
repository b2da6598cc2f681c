"""The ctransformers backend with a real model: the toy llama GGUF (gibberish, but real).

This checks the loading and generation path (tokens, stops, limits, cancel), not quality.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from prosepy.server.config import ModelSettings
from prosepy.server.models.base import (
    Backend,
    ChatMessage,
    GenerationRequest,
    ModelError,
)
from prosepy.server.models.loader import load_backend
from prosepy.server.models.manager import ModelManager
from tests.models.conftest import cancelled_after

pytest.importorskip("ctransformers")


def _settings(path: Path) -> ModelSettings:
    return ModelSettings(backend="ctransformers", path=str(path), n_threads=1, n_ctx=512)


def _request(**kw) -> GenerationRequest:
    return GenerationRequest([ChatMessage("user", "write a function")], **kw)


@pytest.fixture(scope="module")
def toy(toy_model: Path) -> Iterator[Backend]:
    backend = load_backend(_settings(toy_model))
    yield backend
    backend.close()


def test_generates_tokens_greedily(toy: Backend) -> None:
    pieces: list[str] = []
    first = toy.generate(_request(max_tokens=8), on_token=pieces.append)
    assert first.finish_reason == "length" and first.tokens == 8
    assert first.text and "".join(pieces) == first.text
    assert first.first_token_s is not None and first.model == "tiny.gguf"
    again = toy.generate(_request(max_tokens=8))
    assert again.text == first.text  # temperature 0 is greedy: same input, same output


def test_stop_sequence_cuts_the_text(toy: Backend) -> None:
    full = toy.generate(_request(max_tokens=12)).text
    words = full.split()
    assert len(words) >= 3, full
    stop = words[2]
    result = toy.generate(_request(max_tokens=12, stop=[stop]))
    assert result.finish_reason == "stop"
    assert result.text == full[: full.index(stop)]


def test_cancel_between_tokens(toy: Backend) -> None:
    result = cancelled_after(toy, _request(max_tokens=50), 2)
    assert result.finish_reason == "cancelled" and result.tokens == 2


def test_time_budget(toy: Backend) -> None:
    result = toy.generate(_request(max_tokens=50, time_budget_s=1e-9))
    assert result.finish_reason == "timeout" and result.tokens == 0


def test_prompt_too_long_for_context_is_a_clear_error(toy: Backend) -> None:
    with pytest.raises(ModelError, match="exceeds the context of 512"):
        toy.generate(_request(max_tokens=600))


def test_through_the_manager(toy_model: Path) -> None:
    manager = ModelManager(_settings(toy_model))
    result = manager.generate(_request(max_tokens=4))
    assert result.tokens == 4 and manager.status.state == "ready"
    manager.close()


def test_unsupported_architecture_suggests_llama_cpp(qwen_model: Path) -> None:
    with pytest.raises(ModelError, match="does not support the 'qwen2' architecture") as info:
        load_backend(_settings(qwen_model))
    assert "llama-cpp" in info.value.fix


def test_ggml_file_needs_a_model_type(tmp_path: Path) -> None:
    old = tmp_path / "old.bin"
    old.write_bytes(b"tjgg" + bytes(100))
    with pytest.raises(ModelError, match="GGML-era file") as info:
        load_backend(_settings(old))
    assert "model.modelType" in info.value.fix
