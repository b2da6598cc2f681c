"""Generated hostile traffic against the real server over stdio: every request is answered.

The benchmark version (``scripts/fuzz_protocol.py``) sends 10,000+ messages; this one a few
hundred, so that the suite stays quick.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.rawlsp import RawServer
from tests.robustness.fuzz import Probe, huge_request, requests, traffic

_ids = [1000]


@pytest.fixture(scope="module")
def server():
    raw = RawServer()
    raw.initialize()
    raw.open_document("file:///tmp/fuzz.py", "# nl: 计算 1 到 100 的和\nx = 1\n# %%\nprint(x)\n")
    yield raw
    assert raw.proc.poll() is None, "the server died during fuzzing"
    raw.close()


def _alive(raw: RawServer) -> None:
    _ids[0] += 1
    assert "result" in raw.ping(_ids[0])


def _exchange(raw: RawServer, probes: list[Probe]) -> None:
    for probe in probes:
        raw.send_bytes(probe.body)
    for probe in probes:
        if probe.expect_id is not None:
            response = raw.wait_response(probe.expect_id, timeout=60)
            assert ("result" in response) != ("error" in response), response
            if "error" in response:
                assert isinstance(response["error"]["code"], int)
                assert isinstance(response["error"]["message"], str)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(batch=st.lists(traffic(_ids), min_size=1, max_size=8))
def test_every_request_is_answered_and_server_keeps_serving(server: RawServer, batch) -> None:
    _exchange(server, batch)
    _alive(server)


def test_huge_payload(server: RawServer) -> None:
    _ids[0] += 1
    probe = huge_request(_ids[0], megabytes=8)
    _exchange(server, [probe])
    _alive(server)


def test_wrong_content_length_does_not_kill_the_server(server: RawServer) -> None:
    # A header that promises fewer bytes than sent: the rest is read as the next header.
    body = json.dumps({"jsonrpc": "2.0", "method": "$/noop", "params": {}}).encode()
    assert server.proc.stdin is not None
    server.proc.stdin.write(b"Content-Length: 5\r\n\r\n" + body + b"\r\n")
    server.proc.stdin.flush()
    _alive(server)


@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    before=st.lists(requests(_ids), min_size=1, max_size=10),
    after=st.lists(requests(_ids), min_size=1, max_size=10),
)
def test_before_initialize_and_after_shutdown(before: list[Probe], after: list[Probe]) -> None:
    """Generated requests before ``initialize`` and after ``shutdown`` are refused, none
    served (-32002 / -32600, or -32602 when malformed anyway); the
    server then initializes normally, and ``exit`` after ``shutdown`` ends it with status 0."""
    raw = RawServer()
    try:
        for probe in before:
            raw.send_bytes(probe.body)
        for probe in before:
            # -32002 not initialized; a malformed one may be refused as such first
            assert raw.wait_response(probe.expect_id)["error"]["code"] in (-32002, -32600, -32602)
        assert "capabilities" in raw.initialize()["result"]
        _alive(raw)
        raw.request("bye", "shutdown", None)
        assert raw.wait_response("bye")["result"] is None
        for probe in after:
            raw.send_bytes(probe.body)
        for probe in after:
            assert raw.wait_response(probe.expect_id)["error"]["code"] in (-32600, -32602)
        raw.send({"jsonrpc": "2.0", "method": "exit", "params": None})
        assert raw.proc.wait(timeout=30) == 0
    finally:
        if raw.proc.poll() is None:
            raw.proc.kill()
