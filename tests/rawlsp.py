"""A minimal raw JSON-RPC client over stdio, for sending what a real client never would."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from typing import Any

from tests.conftest import ROOT, server_env


def read_message(stream: Any) -> dict[str, Any] | None:
    """Read one ``Content-Length``-framed JSON message; None at end of stream."""
    length = 0
    while True:
        line = stream.readline()
        if not line:
            return None
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
        elif line in (b"\r\n", b"\n"):
            break
    return json.loads(stream.read(length))


def frame(message: dict[str, Any]) -> bytes:
    """The bytes of one framed JSON message."""
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class RawServer:
    """Start ``python -m prosepy.server`` and exchange framed messages byte for byte."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "prosepy.server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=open(os.environ.get("PROSEPY_TEST_STDERR", os.devnull), "wb"),
            cwd=ROOT,
            env=server_env(),
        )
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.responses: dict[Any, dict[str, Any]] = {}
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.proc.stdout
        assert stream is not None
        while (message := read_message(stream)) is not None:
            self.messages.put(message)

    def send_bytes(self, body: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)  # maybe not JSON
        self.proc.stdin.flush()

    def send(self, message: dict[str, Any]) -> None:
        self.send_bytes(json.dumps(message).encode())

    def request(self, msg_id: Any, method: str, params: Any = None) -> None:
        self.send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})

    def wait_response(self, msg_id: Any, timeout: float = 10.0) -> dict[str, Any]:
        """Wait for the response with ``msg_id``, skipping notifications and server requests.

        Responses to other ids that arrive meanwhile are kept for their own wait.
        """
        if msg_id in self.responses:
            return self.responses.pop(msg_id)
        while True:
            message = self.messages.get(timeout=timeout)
            if "method" in message and "id" in message:
                # a server->client request (e.g. workspace/configuration): answer it
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": [None]})
                continue
            if "method" in message:
                continue
            if message.get("id") == msg_id:
                return message
            self.responses[message.get("id")] = message

    def initialize(self) -> dict[str, Any]:
        self.request(1, "initialize", {"processId": None, "rootUri": None, "capabilities": {}})
        result = self.wait_response(1)
        self.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        return result

    def open_document(self, uri: str, text: str, version: int = 1) -> None:
        self.send(
            {
                "jsonrpc": "2.0",
                "method": "textDocument/didOpen",
                "params": {
                    "textDocument": {
                        "uri": uri,
                        "languageId": "python",
                        "version": version,
                        "text": text,
                    }
                },
            }
        )

    def ping(self, msg_id: Any, timeout: float = 60.0) -> dict[str, Any]:
        """A cheap request every feature set answers: code lenses of an unknown document."""
        self.request(msg_id, "textDocument/codeLens", {"textDocument": {"uri": "file:///ping.py"}})
        return self.wait_response(msg_id, timeout=timeout)

    def close(self) -> int:
        try:
            self.request("shutdown", "shutdown", None)
            self.wait_response("shutdown", timeout=10)
            self.send({"jsonrpc": "2.0", "method": "exit", "params": None})
            return self.proc.wait(timeout=10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
