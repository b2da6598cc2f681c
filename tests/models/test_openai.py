"""The OpenAI-compatible backend against a real HTTP server on loopback.

The server below speaks the chat-completions protocol (SSE streaming and plain JSON) and,
depending on the requested model name, misbehaves the ways real servers do.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from prosepy.server.config import ModelSettings
from prosepy.server.models.base import CancelToken, ChatMessage, GenerationRequest, ModelError
from prosepy.server.models.manager import ModelManager
from prosepy.server.models.openai_compat import OpenAIBackend

KEY = "sk-test-" + "x" * 20
REPLY = ["```", "python", "\n", "print", "(", "1", ")", "\n", "```"]


class Handler(BaseHTTPRequestHandler):
    requests: list[dict[str, Any]] = []
    disconnected = threading.Event()

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, body: str, kind: str = "application/json") -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/v1/models":
            self._send(200, json.dumps({"data": [{"id": "coder"}]}))
        else:
            self._send(404, json.dumps({"error": {"message": "no such route"}}))

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        body["_auth"] = self.headers.get("Authorization")
        Handler.requests.append(body)
        if self.path != "/v1/chat/completions":
            return self._send(404, json.dumps({"error": {"message": "no such route"}}))
        if body["_auth"] != f"Bearer {KEY}":
            return self._send(401, json.dumps({"error": {"message": "bad key"}}))
        model = body.get("model")
        if model == "missing":
            return self._send(404, json.dumps({"error": {"message": "model 'missing' not found"}}))
        if model == "html":
            return self._send(200, "<html>proxy login</html>", "text/html")
        if model == "json":
            text = "".join(REPLY)
            reply = {"choices": [{"message": {"role": "assistant", "content": text},
                                  "finish_reason": "stop"}],
                     "usage": {"completion_tokens": 9}}  # fmt: skip
            return self._send(200, json.dumps(reply))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        if model == "stall":
            time.sleep(3)
            return
        try:
            if model == "bad-sse":
                self.wfile.write(b"data: {not json\n\n")
                return
            pieces = REPLY if model != "endless" else (["tok "] * 100000)
            self.wfile.write(b": keep-alive\n\n")
            for piece in pieces[: body.get("max_tokens", 1000)]:
                chunk = {"choices": [{"index": 0, "delta": {"content": piece},
                                      "finish_reason": None}]}  # fmt: skip
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
                if model == "endless":
                    time.sleep(0.02)
            final = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
            self.wfile.write(f"data: {json.dumps(final)}\n\ndata: [DONE]\n\n".encode())
        except (BrokenPipeError, ConnectionResetError):
            Handler.disconnected.set()


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


@pytest.fixture
def key_env(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("PROSEPY_TEST_KEY", KEY)
    Handler.requests.clear()
    return "PROSEPY_TEST_KEY"


def _settings(base_url: str, key_env: str, name: str = "coder", **kw: Any) -> ModelSettings:
    return ModelSettings(backend="openai", base_url=base_url, name=name, api_key_env=key_env, **kw)


def _request(**kw: Any) -> GenerationRequest:
    return GenerationRequest(
        [ChatMessage("system", "be brief"), ChatMessage("user", "print 1")], **kw
    )


def test_streams_tokens_and_sends_the_key_from_the_environment(base_url: str, key_env: str) -> None:
    backend = OpenAIBackend(_settings(base_url, key_env))
    pieces: list[str] = []
    result = backend.generate(_request(max_tokens=64, stop=["\n```\n"]), on_token=pieces.append)
    assert result.text == "```python\nprint(1)\n```"
    assert "".join(pieces) == result.text
    assert result.tokens == len(REPLY) and result.finish_reason == "stop"
    assert result.first_token_s is not None
    sent = Handler.requests[-1]
    assert sent["_auth"] == f"Bearer {KEY}" and sent["stream"] is True
    assert sent["model"] == "coder" and sent["max_tokens"] == 64
    assert sent["messages"][1] == {"role": "user", "content": "print 1"}
    backend.close()


def test_a_sample_seed_is_sent_only_when_set(base_url: str, key_env: str) -> None:
    backend = OpenAIBackend(_settings(base_url, key_env))
    backend.generate(_request(max_tokens=64, temperature=0.7, seed=3))
    assert Handler.requests[-1]["seed"] == 3 and Handler.requests[-1]["temperature"] == 0.7
    backend.generate(_request(max_tokens=64))
    assert "seed" not in Handler.requests[-1]
    backend.close()


def test_stop_sequences_and_max_tokens_are_enforced_locally(base_url: str, key_env: str) -> None:
    backend = OpenAIBackend(_settings(base_url, key_env))
    stopped = backend.generate(_request(stop=["print"]))
    assert stopped.text == "```python\n" and stopped.finish_reason == "stop"
    short = backend.generate(_request(max_tokens=3))
    assert short.finish_reason == "length" and short.text == "```python\n"


def test_a_server_that_ignores_stream_true_still_works(base_url: str, key_env: str) -> None:
    backend = OpenAIBackend(_settings(base_url, key_env, name="json"))
    result = backend.generate(_request())
    assert result.text == "".join(REPLY) and result.tokens == 9


def test_cancel_stops_the_stream_and_closes_the_connection(base_url: str, key_env: str) -> None:
    backend = OpenAIBackend(_settings(base_url, key_env, name="endless"))
    Handler.disconnected.clear()
    cancel = CancelToken()
    result = backend.generate(
        _request(max_tokens=100000),
        cancel=cancel,
        on_token=lambda _: cancel.cancel(),
    )
    assert result.finish_reason == "cancelled" and result.tokens == 1
    assert Handler.disconnected.wait(10), "the server kept streaming to a cancelled client"


def test_time_budget_ends_an_endless_stream(base_url: str, key_env: str) -> None:
    backend = OpenAIBackend(_settings(base_url, key_env, name="endless"))
    result = backend.generate(_request(max_tokens=100000, time_budget_s=0.5))
    assert result.finish_reason == "timeout" and 0 < result.tokens < 100000


def test_a_stalled_server_hits_the_time_budget(base_url: str, key_env: str) -> None:
    backend = OpenAIBackend(_settings(base_url, key_env, name="stall"))
    result = backend.generate(_request(time_budget_s=1))
    assert result.finish_reason == "timeout" and result.text == ""


def test_a_stalled_server_without_budget_is_a_clear_error(base_url: str, key_env: str) -> None:
    backend = OpenAIBackend(_settings(base_url, key_env, name="stall", request_timeout_s=1))
    with pytest.raises(ModelError, match="stopped answering"):
        backend.generate(_request())


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("html", "did not answer in the OpenAI chat-completions protocol"),
        ("bad-sse", "did not answer in the OpenAI chat-completions protocol"),
        ("missing", "not found \\(HTTP 404\\): model 'missing' not found"),
    ],
)
def test_garbage_answers_are_clear_errors(
    base_url: str, key_env: str, name: str, message: str
) -> None:
    backend = OpenAIBackend(_settings(base_url, key_env, name=name))
    with pytest.raises(ModelError, match=message) as info:
        backend.generate(_request())
    assert info.value.fix


def test_wrong_key_is_refused_without_revealing_it(
    base_url: str, key_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(key_env, "sk-wrong-secret")
    backend = OpenAIBackend(_settings(base_url, key_env))
    with pytest.raises(ModelError, match="refused the API key") as info:
        backend.generate(_request())
    assert "sk-wrong-secret" not in str(info.value)


def test_key_configuration_errors(base_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROSEPY_UNSET_KEY", raising=False)
    with pytest.raises(ModelError, match="PROSEPY_UNSET_KEY .* is not set"):
        OpenAIBackend(_settings(base_url, "PROSEPY_UNSET_KEY"))
    with pytest.raises(ModelError, match="NAME of an environment variable") as info:
        OpenAIBackend(_settings(base_url, "sk-abc123-pasted-key"))
    assert "sk-abc123" not in str(info.value)


def test_unreachable_endpoint_fails_at_load(key_env: str) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    with pytest.raises(ModelError, match="cannot reach") as info:
        OpenAIBackend(_settings(f"http://127.0.0.1:{port}/v1", key_env))
    assert "model.baseUrl" in info.value.fix
    with pytest.raises(ModelError, match="needs an endpoint"):
        OpenAIBackend(_settings("", key_env))


def test_through_the_manager(base_url: str, key_env: str) -> None:
    manager = ModelManager(_settings(base_url, key_env))
    assert manager.status.model == f"coder @ {base_url}"
    result = manager.generate(_request())
    assert result.text == "".join(REPLY) and manager.status.state == "ready"
    manager.close()
