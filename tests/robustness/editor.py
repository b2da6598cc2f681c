"""A synchronous editor double for robustness tests: the real server over stdio, documents
kept the way VS Code keeps them (LSP line breaks, UTF-16 positions), edits applied only when
their version matches.

Unlike pytest-lsp this client is plain threads, so hypothesis can drive it, and requests can
be left in flight while others are sent (``request`` returns an id, ``response`` waits).
Every character remembers where it came from (``o`` original, ``u`` typed, ``g`` applied
from the server), which is what the "nothing lost" property checks.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest_lsp
from lsprotocol import converters

from tests.conftest import ROOT, server_env
from tests.rawlsp import read_message

#: LSP line breaks: only these three (str.splitlines also splits at \f, \v, \x1c-\x1e, \x85,
#: \u2028 and \u2029, which editors keep inside a line).
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def lsp_lines(text: str) -> list[str]:
    return _LINE.findall(text)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def offset_of(text: str, line: int, character: int) -> int:
    """Code-point offset of an LSP position (UTF-16 units), clamped like VS Code."""
    lines = lsp_lines(text)
    if line >= len(lines):
        return len(text)
    start = sum(len(x) for x in lines[:line])
    content = lines[line].rstrip("\r\n")
    units = 0
    for i, ch in enumerate(content):
        if units >= character:
            return start + i
        units += utf16_len(ch)
    return start + len(content)


def position_of(text: str, offset: int) -> dict[str, int]:
    """The LSP position (UTF-16 units) of a code-point offset."""
    before = text[:offset]
    lines = lsp_lines(before)
    if not lines:
        return {"line": 0, "character": 0}
    last = lines[-1]
    if last.endswith(("\n", "\r")) and not (
        last.endswith("\r") and text[offset : offset + 1] == "\n"
    ):
        return {"line": len(lines), "character": 0}
    return {"line": len(lines) - 1, "character": utf16_len(last.rstrip("\r\n"))}


def vscode_capabilities(resolve: bool = True) -> dict[str, Any]:
    caps: dict[str, Any] = converters.get_converter().unstructure(
        pytest_lsp.client_capabilities("visual-studio-code")
    )
    if not resolve:
        caps["textDocument"]["codeAction"].pop("resolveSupport", None)
    return caps


class Doc:
    """The editor's copy of one open document."""

    def __init__(self, editor: Editor, uri: str, text: str) -> None:
        self.editor = editor
        self.uri = uri
        self.chars: list[tuple[str, str]] = [(c, "o") for c in text]
        self.version = 1
        self.refused = 0
        #: (text before, edit) for every server edit applied: what to look at when one fails
        self.applied: list[tuple[str, dict[str, Any]]] = []
        editor.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
        )

    @property
    def text(self) -> str:
        return "".join(c for c, _ in self.chars)

    def kept(self, origins: str = "ou") -> str:
        return "".join(c for c, o in self.chars if o in origins)

    def replace(self, start: int, end: int, new: str, origin: str = "u") -> None:
        """Replace code points ``start:end`` and tell the server (one ranged didChange)."""
        with self.editor.lock:
            text = self.text
            for at in (start, end):  # an editor's cursor is never between \r and \n
                assert not (0 < at < len(text) and text[at - 1 : at + 1] == "\r\n"), at
            rng = {"start": position_of(text, start), "end": position_of(text, end)}
            self.chars[start:end] = [(c, origin) for c in new]
            self.version += 1
            self.editor.notify(
                "textDocument/didChange",
                {
                    "textDocument": {"uri": self.uri, "version": self.version},
                    "contentChanges": [{"range": rng, "text": new}],
                },
            )

    def type_at(self, offset: int, new: str) -> None:
        self.replace(offset, offset, new, "u")

    def apply(self, edit: dict[str, Any] | None) -> bool:
        """Apply a WorkspaceEdit like VS Code: refused unless its version is current."""
        if not edit:
            return False
        with self.editor.lock:
            if edit.get("documentChanges"):
                (change,) = edit["documentChanges"]
                if change["textDocument"]["uri"] != self.uri:
                    return False
                if change["textDocument"].get("version") not in (None, self.version):
                    self.refused += 1
                    return False
                edits = change["edits"]
            else:
                edits = edit.get("changes", {}).get(self.uri, [])
            text = self.text
            spans = [
                (
                    offset_of(text, e["range"]["start"]["line"], e["range"]["start"]["character"]),
                    offset_of(text, e["range"]["end"]["line"], e["range"]["end"]["character"]),
                    e["newText"],
                )
                for e in edits
            ]
            self.applied.append((text, edit))
            for start, end, new in sorted(spans, reverse=True):
                self.replace(start, end, new, "g")
            return True

    def close(self) -> None:
        self.editor.notify("textDocument/didClose", {"textDocument": {"uri": self.uri}})


class Editor:
    """The real server over stdio, driven like an editor; see the module docstring."""

    def __init__(
        self,
        env: dict[str, str] | None = None,
        options: dict[str, Any] | None = None,
        resolve: bool = True,
        initialize: bool = True,
    ) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "prosepy.server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=ROOT,
            env=server_env(**(env or {})),
        )
        self.lock = threading.RLock()
        self._write_lock = threading.Lock()
        self._cond = threading.Condition()
        self._responses: dict[Any, dict[str, Any]] = {}
        self.notifications: list[dict[str, Any]] = []
        self.docs: dict[str, Doc] = {}
        self._next = 0
        self.on_request: dict[str, Callable[[Any], Any]] = {
            "workspace/applyEdit": self._apply_edit,
            "workspace/configuration": lambda p: [options] * len(p.get("items", [None])),
        }
        threading.Thread(target=self._read, daemon=True).start()
        if initialize:
            self.call(
                "initialize",
                {
                    "processId": None,
                    "rootUri": ROOT.as_uri(),
                    "capabilities": vscode_capabilities(resolve),
                    "initializationOptions": options,
                    "locale": "en",
                },
            )
            self.notify("initialized", {})

    # -- wire -------------------------------------------------------------------------------
    def _read(self) -> None:
        stream = self.proc.stdout
        assert stream is not None
        while (message := read_message(stream)) is not None:
            if "method" in message and "id" in message:
                threading.Thread(target=self._answer, args=(message,), daemon=True).start()
            elif "method" in message:
                with self._cond:
                    self.notifications.append(message)
                    self._cond.notify_all()
            else:
                with self._cond:
                    self._responses[message.get("id")] = message
                    self._cond.notify_all()
        with self._cond:  # the server is gone: wake whoever waits
            self._cond.notify_all()

    def _answer(self, message: dict[str, Any]) -> None:
        handler = self.on_request.get(message["method"])
        result = handler(message.get("params") or {}) if handler else None
        self.send({"jsonrpc": "2.0", "id": message["id"], "result": result})

    def _apply_edit(self, params: dict[str, Any]) -> dict[str, Any]:
        edit = params.get("edit") or {}
        uris = [c["textDocument"]["uri"] for c in edit.get("documentChanges") or []]
        uris += list((edit.get("changes") or {}).keys())
        doc = self.docs.get(uris[0]) if uris else None
        applied = doc.apply(edit) if doc is not None else False
        return {"applied": applied} if applied else {"applied": False, "failureReason": "version"}

    def send_bytes(self, body: bytes) -> None:
        assert self.proc.stdin is not None
        with self._write_lock:
            self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.proc.stdin.flush()

    def send(self, message: dict[str, Any]) -> None:
        self.send_bytes(json.dumps(message).encode())

    def notify(self, method: str, params: Any) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: Any) -> int:
        with self._write_lock:
            self._next += 1
            msg_id = self._next
        self.send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        return msg_id

    def done(self, msg_id: int) -> bool:
        with self._cond:
            return msg_id in self._responses

    def response(self, msg_id: int, timeout: float = 120.0) -> dict[str, Any]:
        with self._cond:
            ok = self._cond.wait_for(
                lambda: msg_id in self._responses or self.proc.poll() is not None, timeout
            )
            if msg_id in self._responses:
                return self._responses.pop(msg_id)
        raise AssertionError("server died" if ok else f"no response to request {msg_id}")

    def call(self, method: str, params: Any, timeout: float = 120.0) -> Any:
        """Send a request and return its result; a JSON-RPC error raises AssertionError."""
        reply = self.response(self.request(method, params), timeout)
        assert "result" in reply, reply
        return reply["result"]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 60.0) -> None:
        with self._cond:
            if not self._cond.wait_for(predicate, timeout):
                raise AssertionError("condition not reached")

    @staticmethod
    def poll(predicate: Callable[[], bool], timeout: float = 60.0) -> None:
        """Wait for a condition outside the protocol (processes, files) to hold."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError("condition not reached")
            time.sleep(0.05)

    def messages(self, method: str) -> list[Any]:
        with self._cond:
            return [n.get("params") for n in self.notifications if n["method"] == method]

    # -- editor actions ---------------------------------------------------------------------
    def open(self, name: str, text: str, folder: Path | None = None) -> Doc:
        uri = ((folder or Path("/tmp/prosepy-robustness")) / name).as_uri()
        doc = self.docs[uri] = Doc(self, uri, text)
        return doc

    def hover(self, doc: Doc, line: int, character: int) -> int:
        return self.request(
            "textDocument/hover",
            {"textDocument": {"uri": doc.uri}, "position": {"line": line, "character": character}},
        )

    def code_actions(self, doc: Doc, line: int, end_line: int | None = None) -> int:
        end = line if end_line is None else end_line
        return self.request(
            "textDocument/codeAction",
            {
                "textDocument": {"uri": doc.uri},
                "range": {
                    "start": {"line": line, "character": 0},
                    "end": {"line": end, "character": 0},
                },
                "context": {"diagnostics": []},
            },
        )

    def generate_actions(self, doc: Doc, line: int) -> list[dict[str, Any]]:
        found = self.response(self.code_actions(doc, line))["result"] or []
        return [a for a in found if (a.get("data") or {}).get("provider") == "generate"]

    def command(self, name: str, *arguments: Any) -> int:
        return self.request(
            "workspace/executeCommand", {"command": name, "arguments": list(arguments)}
        )

    def alive(self) -> bool:
        """The server still answers a cheap request."""
        return self.proc.poll() is None and isinstance(
            self.call("textDocument/codeLens", {"textDocument": {"uri": "file:///ping.py"}}, 60),
            list,
        )

    def close(self) -> int:
        try:
            self.call("shutdown", None, timeout=30)
            self.notify("exit", None)
            return self.proc.wait(timeout=30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()


def scripted_model(folder: Path, name: str, replies: list[str], token_delay_s: float) -> Path:
    """A script for the model double (``server/models/scripted.py``)."""
    path = folder / f"{name}.json"
    path.write_text(json.dumps({"replies": replies, "token_delay_s": token_delay_s}))
    return path
