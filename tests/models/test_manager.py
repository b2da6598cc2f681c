"""ModelManager and ScriptedBackend: loading once, switching, serialising, cancelling."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from prosepy.server.config import ModelSettings
from prosepy.server.models.base import (
    CancelToken,
    ChatMessage,
    GenerationRequest,
    GenerationResult,
    ModelError,
    StopFilter,
)
from prosepy.server.models.manager import ModelManager, ModelStatus
from prosepy.server.models.scripted import ScriptedBackend


def _request(**kw) -> GenerationRequest:
    return GenerationRequest(messages=[ChatMessage("user", "write code")], **kw)


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "script.json"
    path.write_text(json.dumps({"replies": ["```python\nprint(1)\n```", "second reply here"]}))
    return path


class CountingLoader:
    """Loads ScriptedBackends and remembers which were closed."""

    def __init__(self, script: Path) -> None:
        self.script = script
        self.loaded: list[ScriptedBackend] = []
        self.closed: list[ScriptedBackend] = []

    def __call__(self, settings: ModelSettings) -> ScriptedBackend:
        backend = ScriptedBackend(self.script)
        original = backend.close
        backend.close = lambda: (self.closed.append(backend), original())[1]  # type: ignore
        self.loaded.append(backend)
        return backend


def test_scripted_replies_cycle_and_requests_are_logged(script: Path) -> None:
    backend = ScriptedBackend(script)
    first = backend.generate(_request())
    second = backend.generate(_request(stop=["here"]))
    third = backend.generate(_request())
    assert first.text == "```python\nprint(1)\n```" and first.finish_reason == "stop"
    assert second.text == "second reply " and second.finish_reason == "stop"
    assert third.text == first.text
    log = [json.loads(line) for line in Path(str(script) + ".log").read_text().splitlines()]
    assert [r["reply_index"] for r in log] == [0, 1, 0]
    assert log[1]["stop"] == ["here"]
    assert log[0]["messages"] == [{"role": "user", "content": "write code"}]


def test_scripted_honours_max_tokens_and_cancel(script: Path) -> None:
    backend = ScriptedBackend(script)
    pieces: list[str] = []
    result = backend.generate(_request(max_tokens=3), on_token=pieces.append)
    assert result.finish_reason == "length" and result.tokens == 3
    assert "".join(pieces) == result.text == "```python\nprint"
    cancel = CancelToken()
    cancel.cancel()
    result = backend.generate(_request(), cancel=cancel)
    assert result.finish_reason == "cancelled" and result.text == ""


def test_stop_filter_holds_back_split_stop_sequences() -> None:
    stops = StopFilter(["```\n", "END"])
    out = [stops.feed(p) for p in ["x = 1\n", "``", "`", "\nmore"]]
    assert "".join(out) == "x = 1\n" and stops.stopped
    stops = StopFilter(["END"])
    assert stops.feed("EN") == "" and stops.feed("X") == "ENX" and not stops.stopped
    assert stops.feed("E") == "" and stops.flush() == "E"


def test_manager_loads_once_and_reports_status(script: Path) -> None:
    load = CountingLoader(script)
    seen: list[ModelStatus] = []
    manager = ModelManager(ModelSettings(), on_status=seen.append, load=load)
    assert manager.status.state == "not loaded"
    assert manager.get() is manager.get()
    assert len(load.loaded) == 1
    tokens: list[str] = []
    result = manager.generate(_request(), on_token=tokens.append)
    assert isinstance(result, GenerationResult) and "".join(tokens) == result.text
    states = [s.state for i, s in enumerate(seen) if i == 0 or seen[i - 1].state != s.state]
    assert states == ["loading", "ready", "generating", "ready"]
    assert seen[-1].tokens == result.tokens and "tokens in" in seen[-1].detail


def test_switching_models_releases_the_old_instance(script: Path) -> None:
    load = CountingLoader(script)
    manager = ModelManager(ModelSettings(n_ctx=2048), load=load)
    first = manager.get()
    manager.update_settings(ModelSettings(n_ctx=2048, load_at_start=True))  # same model
    assert manager.get() is first and not load.closed
    manager.update_settings(ModelSettings(n_ctx=4096))
    assert load.closed == [first] and manager.status.detail == "model changed"
    second = manager.get()
    assert second is not first and len(load.loaded) == 2
    manager.close()
    assert load.closed == [first, second]
    with pytest.raises(ModelError):
        manager.get()


def _slow_manager(
    tmp_path: Path, reply: str, token_delay_s: float
) -> tuple[ModelManager, CountingLoader]:
    """A manager over a scripted model that streams ``reply`` slowly, and its counting loader."""
    slow = tmp_path / "slow.json"
    slow.write_text(json.dumps({"replies": [reply], "token_delay_s": token_delay_s}))
    load = CountingLoader(slow)
    return ModelManager(ModelSettings(), load=load), load


def test_switch_during_generation_closes_after_it(tmp_path: Path) -> None:
    manager, load = _slow_manager(tmp_path, "a b c d e f g h", token_delay_s=0.05)
    started = threading.Event()
    results: list[GenerationResult] = []

    def run() -> None:
        results.append(manager.generate(_request(), on_token=lambda _: started.set()))

    worker = threading.Thread(target=run)
    worker.start()
    assert started.wait(10)
    manager.update_settings(ModelSettings(n_threads=3))
    assert load.closed == []  # still generating: not pulled from under it
    worker.join(10)
    assert results[0].text == "a b c d e f g h"
    assert load.closed == load.loaded[:1]


def test_generations_are_serialised(tmp_path: Path) -> None:
    manager, load = _slow_manager(tmp_path, "one two three", token_delay_s=0.02)
    backend = manager.get()
    active = 0
    most = 0
    lock = threading.Lock()
    original = backend.generate

    def tracked(*args, **kwargs):
        nonlocal active, most
        with lock:
            active += 1
            most = max(most, active)
        try:
            return original(*args, **kwargs)
        finally:
            with lock:
                active -= 1

    backend.generate = tracked  # type: ignore[method-assign]
    threads = [threading.Thread(target=manager.generate, args=(_request(),)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert len((tmp_path / "slow.json.log").read_text().splitlines()) == 3
    assert most == 1 and manager.status.state == "ready"


def test_load_failure_sets_error_status_and_raises(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"replies": [], "load_error": "no weights"}))
    manager = ModelManager(ModelSettings(), load=lambda s: ScriptedBackend(broken))
    with pytest.raises(ModelError, match="no weights"):
        manager.generate(_request())
    assert manager.status.state == "error" and "no weights" in manager.status.detail


def test_unexpected_runtime_exception_becomes_model_error() -> None:
    def explode(settings: ModelSettings):
        raise RuntimeError("segfault-ish")

    manager = ModelManager(ModelSettings(), load=explode)
    with pytest.raises(ModelError, match="segfault-ish"):
        manager.get()
    assert manager.status.state == "error"
