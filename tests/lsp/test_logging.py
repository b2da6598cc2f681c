"""The server's log: each record reaches the editor once, at the level ``logLevel`` asks for.

Over stdio an editor shows the server's stderr and its ``window/logMessage`` notifications in
the same output channel, so a record written to both appeared twice there.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from lsprotocol import types

from tests.conftest import ROOT, server_env
from tests.rawlsp import frame, read_message


def _session(tmp_path: Path, options: dict[str, Any], later: dict[str, Any] | None = None):
    """Initialize with ``options``, optionally change settings, shut down; return what came."""
    stderr_path = tmp_path / "stderr.txt"
    with stderr_path.open("wb") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "prosepy.server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            cwd=ROOT,
            env=server_env(),
        )
        assert proc.stdin is not None and proc.stdout is not None
        messages: list[dict[str, Any]] = []
        reader = threading.Thread(
            target=lambda: messages.extend(iter(lambda: read_message(proc.stdout), None)),
            daemon=True,
        )
        reader.start()
        params: dict[str, Any] = {"processId": None, "rootUri": None, "capabilities": {}}
        requests: list[dict[str, Any]] = [
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {**params, "initializationOptions": options},
            },
            {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        ]
        if later is not None:
            requests.append(
                {
                    "jsonrpc": "2.0",
                    "method": "workspace/didChangeConfiguration",
                    "params": {"settings": {"prosepy": later}},
                }
            )
        requests += [
            {"jsonrpc": "2.0", "id": 2, "method": "shutdown"},
            {"jsonrpc": "2.0", "method": "exit"},
        ]
        for request in requests:
            proc.stdin.write(frame(request))
            proc.stdin.flush()
        proc.wait(timeout=60)
        reader.join(timeout=10)
    logs = [
        (m["params"]["type"], m["params"]["message"])
        for m in messages
        if m.get("method") == "window/logMessage"
    ]
    return logs, stderr_path.read_text(errors="replace")


def test_each_record_is_written_once_to_the_client(tmp_path: Path) -> None:
    logs, stderr = _session(tmp_path, {})
    serving = [(kind, text) for kind, text in logs if " serving " in text]
    assert serving == [(types.MessageType.Info.value, serving[0][1])], logs
    # not also on stderr, which the editor shows in the same channel
    assert " serving " not in stderr, stderr
    # the default level is info: no debug records
    assert not [text for kind, text in logs if kind == types.MessageType.Debug.value], logs


def test_log_level_setting_filters_and_follows_changes(tmp_path: Path) -> None:
    logs, stderr = _session(tmp_path, {"logLevel": "error"}, later={"logLevel": "debug"})
    before_change = [text for _, text in logs if "didChangeConfiguration" not in text]
    # at "error" the info line about serving is not sent
    assert not [text for text in before_change if " serving " in text], logs
    # after the change to "debug", debug records arrive, with the Debug message type
    debug = [text for kind, text in logs if kind == types.MessageType.Debug.value]
    assert any("settings from workspace/didChangeConfiguration applied" in t for t in debug), logs
    assert "settings from" not in stderr
