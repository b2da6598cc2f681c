"""Bytes no real client would send: every request still gets an answer, and serving goes on."""

from __future__ import annotations

import pytest

from tests.rawlsp import RawServer


@pytest.fixture
def raw():
    server = RawServer()
    yield server
    server.close()


def test_request_before_initialize_is_refused(raw: RawServer) -> None:
    raw.request(
        7,
        "textDocument/hover",
        {"textDocument": {"uri": "file:///x.py"}, "position": {"line": 0, "character": 0}},
    )
    assert raw.wait_response(7)["error"]["code"] == -32002
    assert "result" in raw.initialize()


def test_malformed_json_gets_parse_error_and_server_keeps_serving(raw: RawServer) -> None:
    raw.initialize()
    raw.send_bytes(b'{"jsonrpc": "2.0", "id": 5, "method": ')
    error = raw.wait_response(None)
    assert error["error"]["code"] == -32700
    raw.request(6, "workspace/executeCommand", {"command": "prosepy.doctor"})
    assert "text" in raw.wait_response(6, timeout=30)["result"]


def test_not_an_object(raw: RawServer) -> None:
    raw.initialize()
    raw.send_bytes(b"[1, 2, 3]")
    assert raw.wait_response(None)["error"]["code"] == -32600
    raw.send_bytes(b'{"id": 9, "method": "shutdown"}')  # no "jsonrpc"
    assert raw.wait_response(9)["error"]["code"] == -32600


def test_wrong_param_types_get_invalid_params_with_their_id(raw: RawServer) -> None:
    raw.initialize()
    raw.request(11, "textDocument/hover", {"textDocument": 5, "position": "here"})
    assert raw.wait_response(11)["error"]["code"] == -32602
    raw.request(12, "workspace/executeCommand", {"command": "prosepy.doctor"})
    assert "text" in raw.wait_response(12, timeout=30)["result"]


def test_unknown_method(raw: RawServer) -> None:
    raw.initialize()
    raw.request(13, "prosepy/nope", {})
    assert raw.wait_response(13)["error"]["code"] == -32601


def test_request_after_shutdown_is_refused(raw: RawServer) -> None:
    raw.initialize()
    raw.request(20, "shutdown", None)
    assert raw.wait_response(20)["result"] is None
    raw.request(21, "workspace/executeCommand", {"command": "prosepy.doctor"})
    assert raw.wait_response(21)["error"]["code"] == -32600


def test_shutdown_with_a_request_still_running(raw: RawServer) -> None:
    raw.initialize()
    raw.open_document("file:///tmp/slow.py", "import time\ntime.sleep(30)\n")
    raw.request(
        30,
        "workspace/executeCommand",
        {"command": "prosepy.runFile", "arguments": [{"uri": "file:///tmp/slow.py"}]},
    )
    raw.request(31, "shutdown", None)
    assert raw.wait_response(31, timeout=30)["result"] is None
    # the pending run is answered too (cancelled or finished), not left hanging
    pending = raw.wait_response(30, timeout=30)
    assert "error" in pending or "result" in pending
