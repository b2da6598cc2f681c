"""Which model generation falls back on (``model.fallback``), from the settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prosepy.server.config import ModelSettings
from prosepy.server.models.fallback import fallback_settings
from prosepy.server.models.scripted import ENV_VAR, FALLBACK_PATH


@pytest.fixture(autouse=True)
def no_double(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)


def gguf(folder: Path, name: str, size: int) -> str:
    path = folder / name
    path.write_bytes(b"\0" * size)
    return str(path)


def test_a_larger_local_file_is_the_fallback(tmp_path: Path) -> None:
    small, large = gguf(tmp_path, "small.gguf", 10), gguf(tmp_path, "large.gguf", 20)
    chosen = fallback_settings(ModelSettings(path=small, fallback=large, load_at_start=True))
    assert chosen is not None
    assert (chosen.path, chosen.backend, chosen.load_at_start) == (large, "llama-cpp", False)


def test_no_fallback_that_is_not_larger_or_the_same_model(tmp_path: Path) -> None:
    small, large = gguf(tmp_path, "small.gguf", 10), gguf(tmp_path, "large.gguf", 20)
    assert fallback_settings(ModelSettings(path=large, fallback=small)) is None
    assert fallback_settings(ModelSettings(path=large, fallback=large)) is None
    assert fallback_settings(ModelSettings(path=small, fallback="")) is None


def test_a_fallback_not_installed_is_still_asked_so_that_it_says_so(tmp_path: Path) -> None:
    small = gguf(tmp_path, "small.gguf", 10)
    missing = str(tmp_path / "not-there.gguf")
    chosen = fallback_settings(ModelSettings(path=small, fallback=missing))
    assert chosen is not None and chosen.path == missing


def test_an_endpoint_falls_back_on_a_model_it_serves() -> None:
    endpoint = ModelSettings(backend="openai", base_url="http://127.0.0.1:9/v1", name="small")
    endpoint.fallback = "qwen2.5-coder:7b"
    chosen = fallback_settings(endpoint)
    assert chosen is not None and (chosen.name, chosen.base_url) == (
        "qwen2.5-coder:7b",
        endpoint.base_url,
    )
    endpoint.fallback = "qwen2.5-coder-1.5b"  # the default: a bundled file, not a served name
    assert fallback_settings(endpoint) is None
    endpoint.fallback = "small"
    assert fallback_settings(endpoint) is None


def test_the_model_double_plays_the_fallback_only_when_scripted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = tmp_path / "script.json"
    script.write_text(json.dumps({"replies": ["a"]}))
    monkeypatch.setenv(ENV_VAR, str(script))
    assert fallback_settings(ModelSettings()) is None
    script.write_text(json.dumps({"replies": ["a"], "fallback_replies": ["b"]}))
    chosen = fallback_settings(ModelSettings())
    assert chosen is not None and chosen.path == FALLBACK_PATH
    assert fallback_settings(ModelSettings(fallback="")) is None  # turned off
