"""The model process with the scripted model: the protocol across the boundary and supervision.

These run a real child process (``prosepy.server.models.worker``) hosting the scripted
double, so streaming, stop sequences, cancellation, overlapping requests, crashes, hangs
and idle unloading are exercised through the real pipe, fast. The real model's crash tests
are in ``test_model_process_faults.py``.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import psutil
import pytest

from prosepy.server.config import ModelSettings
from prosepy.server.models import process
from prosepy.server.models.base import CancelToken, ChatMessage, GenerationRequest, ModelError
from prosepy.server.models.manager import ModelManager, ModelStatus
from prosepy.server.models.process import ModelCrashed, ProcessBackend

REPLY = "```python\nprint(sum(range(101)))\n```\nThat prints 5050."


def _request(**kw) -> GenerationRequest:
    return GenerationRequest(messages=[ChatMessage("user", "write code")], **kw)


@pytest.fixture
def scripted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "script.json"
    path.write_text(json.dumps({"replies": [REPLY], "token_delay_s": 0.02}))
    monkeypatch.setenv("PROSEPY_SCRIPTED_MODEL", str(path))
    return path


def test_streams_stops_and_reports_across_the_boundary(scripted: Path) -> None:
    backend = ProcessBackend(ModelSettings())
    try:
        assert backend.pid != os.getpid() and psutil.pid_exists(backend.pid)
        pieces: list[str] = []
        result = backend.generate(_request(stop=["```\n"]), on_token=pieces.append)
        assert result.text == "```python\nprint(sum(range(101)))\n" == "".join(pieces)
        assert result.finish_reason == "stop" and result.first_token_s is not None
        assert result.model == "scripted:script.json"
        limited = backend.generate(_request(max_tokens=3))
        assert limited.finish_reason == "length" and limited.tokens == 3
    finally:
        backend.close()
    assert not psutil.pid_exists(backend.pid) or psutil.Process(backend.pid).status() == "zombie"


def test_cancel_stops_within_a_token(scripted: Path) -> None:
    scripted.write_text(json.dumps({"replies": ["word " * 200], "token_delay_s": 0.05}))
    backend = ProcessBackend(ModelSettings())
    cancel = CancelToken()
    seen: list[float] = []

    def on_token(piece: str) -> None:
        seen.append(time.monotonic())
        if len(seen) == 4:
            cancel.cancel()

    try:
        result = backend.generate(_request(max_tokens=400), cancel, on_token)
        stopped = time.monotonic()
    finally:
        backend.close()
    assert result.finish_reason == "cancelled"
    assert 4 <= result.tokens <= 5, result  # at most the token already in flight
    assert stopped - seen[3] < 0.5


def test_one_process_serves_overlapping_requests(scripted: Path) -> None:
    backend = ProcessBackend(ModelSettings())
    results = []
    try:
        threads = [
            threading.Thread(target=lambda: results.append(backend.generate(_request())))
            for _ in range(3)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        backend.close()
    assert [r.text for r in results] == [REPLY] * 3


def test_a_load_error_is_a_message_not_a_crash(tmp_path: Path, monkeypatch) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"replies": [], "load_error": "no weights"}))
    monkeypatch.setenv("PROSEPY_SCRIPTED_MODEL", str(broken))
    with pytest.raises(ModelError, match="no weights") as info:
        ProcessBackend(ModelSettings())
    assert not isinstance(info.value, ModelCrashed)


def _kill_after_tokens(manager: ModelManager, sig: signal.Signals, after: int = 2):
    count = 0

    def on_token(piece: str) -> None:
        nonlocal count
        count += 1
        if count == after:
            os.kill(manager.backend.pid, sig)  # type: ignore[union-attr]

    return on_token


def _wait(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_crash_restarts_once_then_repeated_crashes_stop_retrying(scripted: Path) -> None:
    seen: list[ModelStatus] = []
    manager = ModelManager(ModelSettings(), on_status=seen.append)
    try:
        with pytest.raises(ModelCrashed, match="SIGSEGV") as first:
            manager.generate(_request(), on_token=_kill_after_tokens(manager, signal.SIGSEGV))
        assert first.value.cause == "SIGSEGV" and "prosepy doctor" in first.value.fix
        _wait(lambda: "restarted after SIGSEGV" in manager.status.detail)
        assert manager.generate(_request()).text == REPLY  # the next request works
        with pytest.raises(ModelCrashed, match="SIGKILL"):
            manager.generate(_request(), on_token=_kill_after_tokens(manager, signal.SIGKILL))
        assert manager.status.state == "error"
        assert "stopped restarting" in manager.status.detail
        with pytest.raises(ModelError, match="stopped restarting"):
            manager.generate(_request())
        manager.reset_failures()  # e.g. the "load model" command
        assert manager.generate(_request()).text == REPLY
    finally:
        manager.close()
    assert [s.state for s in seen].count("error") == 2


def test_a_hung_model_process_is_killed_and_reported(
    scripted: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(process, "STALL_GRACE_S", 0.5)
    manager = ModelManager(ModelSettings())
    try:
        with pytest.raises(ModelCrashed, match="stopped answering") as info:
            manager.generate(
                _request(time_budget_s=0.5),
                on_token=_kill_after_tokens(manager, signal.SIGSTOP),
            )
        assert info.value.cause == "hung"
        _wait(lambda: "restarted after hung" in manager.status.detail)
        assert manager.generate(_request()).text == REPLY
    finally:
        manager.close()


def _pid(manager: ModelManager) -> int:
    """The model process's id (the manager has a loaded backend)."""
    backend = manager.backend
    assert backend is not None
    return backend.pid  # type: ignore[attr-defined]


def test_idle_timeout_unloads_and_returns_the_process(scripted: Path) -> None:
    manager = ModelManager(ModelSettings(idle_unload_s=0.5))
    try:
        manager.generate(_request())
        pid = _pid(manager)
        _wait(lambda: manager.status.state == "not loaded")
        assert "unloaded after" in manager.status.detail and manager.backend is None
        _wait(lambda: not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie")
        assert manager.generate(_request()).text == REPLY  # loads again on demand
        assert _pid(manager) != pid
    finally:
        manager.close()


def test_a_model_process_that_died_while_idle_is_replaced_on_the_next_request(
    scripted: Path,
) -> None:
    seen: list[ModelStatus] = []
    manager = ModelManager(ModelSettings(), on_status=seen.append)
    try:
        manager.generate(_request())
        dead = manager.backend.pid  # type: ignore[union-attr]
        os.kill(dead, signal.SIGKILL)  # e.g. the OOM killer, between requests
        _wait(lambda: not manager.backend.alive)  # type: ignore[union-attr]
        assert manager.generate(_request()).text == REPLY
        assert manager.backend.pid != dead  # type: ignore[union-attr]
    finally:
        manager.close()
    errors = [s.detail for s in seen if s.state == "error"]
    assert len(errors) == 1 and "SIGKILL" in errors[0] and "while idle" in errors[0]
