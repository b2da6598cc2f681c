"""A JSON-RPC protocol that answers every request, however malformed.

pygls logs and drops messages it cannot structure, which leaves a client waiting forever
for a response. Here every request gets a result or a JSON-RPC error:

- a body that is not JSON: ``-32700 Parse error`` with ``id: null``;
- JSON that is not a JSON-RPC object: ``-32600 Invalid request``;
- params of the wrong shape: ``-32602 Invalid params`` with the request's own id;
- a notification method sent with an id: ``-32600 Invalid request``;
- a request before ``initialize``: ``-32002 Server not initialized``;
- a request after ``shutdown``: ``-32600 Invalid request``.

Documents split lines at LSP line breaks only (``prosepy.server.lines``): pygls uses
``str.splitlines``, which also breaks at form feeds, ``\x85``, ``\u2028`` and more, so an
edit after such a character landed on the wrong line of the server's copy.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lsprotocol import types
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method
from pygls.workspace import TextDocument, Workspace

from prosepy.server.lines import split_lines

logger = logging.getLogger(__name__)

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
INVALID_PARAMS = -32602
SERVER_NOT_INITIALIZED = -32002

_ALLOWED_BEFORE_INIT = {types.INITIALIZE, types.EXIT}


@dataclass
class _Unstructurable:
    """A request that could not be structured; answered with an error instead of dropped."""

    id: Any
    method: str
    code: int
    reason: str


class LspTextDocument(TextDocument):
    """A pygls document whose lines end only where the client's do."""

    @property
    def lines(self) -> Sequence[str]:
        return tuple(split_lines(self.source))


class LspWorkspace(Workspace):
    def _create_text_document(self, *args: Any, **kwargs: Any) -> TextDocument:
        document = super()._create_text_document(*args, **kwargs)
        document.__class__ = LspTextDocument
        return document


def _valid_id(value: Any) -> bool:
    return isinstance(value, str | int) and not isinstance(value, bool)


class ProsepyProtocol(LanguageServerProtocol):
    """LanguageServerProtocol that never leaves a request unanswered."""

    _initialized_seen = False

    @property
    def _workspace(self) -> Workspace | None:
        return self.__dict__.get("_lsp_workspace")

    @_workspace.setter
    def _workspace(self, value: Workspace | None) -> None:
        # pygls creates a plain Workspace in ``initialize``; make its documents LSP-lined.
        if value is not None and type(value) is Workspace:
            value.__class__ = LspWorkspace
        self.__dict__["_lsp_workspace"] = value

    def structure_message(self, data: dict[str, Any]) -> Any:
        is_request = "jsonrpc" in data and "method" in data and "id" in data
        try:
            message = super().structure_message(data)
        except Exception:
            if is_request:
                reason = f"Invalid params for {data.get('method')}"
                return _Unstructurable(data["id"], str(data.get("method")), INVALID_PARAMS, reason)
            raise
        if is_request and getattr(message, "id", None) is None:
            # A notification method sent with an id: answer rather than leave it hanging.
            reason = f"{data.get('method')} is a notification, not a request"
            return _Unstructurable(data["id"], str(data.get("method")), INVALID_REQUEST, reason)
        return message

    def handle_message(self, message: Any) -> None:
        if isinstance(message, _Unstructurable):
            msg_id = message.id if _valid_id(message.id) else None
            self._send_error(msg_id, message.code, message.reason)
            return
        if not hasattr(message, "jsonrpc"):
            msg_id = message.get("id") if isinstance(message, dict) else None
            self._send_error(
                msg_id if _valid_id(msg_id) else None,
                INVALID_REQUEST,
                "Not a JSON-RPC 2.0 message",
            )
            return
        method = getattr(message, "method", None)
        is_request = method is not None and getattr(message, "id", None) is not None
        if is_request and method == types.INITIALIZE:
            self._initialized_seen = True
        elif is_request and not self._initialized_seen and method not in _ALLOWED_BEFORE_INIT:
            self._send_error(message.id, SERVER_NOT_INITIALIZED, "Server not initialized")
            return
        if is_request and self._shutdown and method != types.EXIT:
            self._send_error(message.id, INVALID_REQUEST, "Server is shutting down")
            return
        super().handle_message(message)

    @lsp_method(types.SHUTDOWN)
    def lsp_shutdown(self, *args: Any) -> Any:
        """pygls's shutdown, iterating over a copy: cancelling a pending request's future
        removes it from ``_request_futures`` and broke pygls's loop mid-iteration."""
        if (user_handler := self.fm.features.get(types.SHUTDOWN)) is not None:
            yield user_handler, args, None
        current_id = self.msg_id
        for msg_id, future in list(self._request_futures.items()):
            if msg_id != current_id and not future.done():
                future.cancel()
        self._shutdown = True
        return None

    def _send_error(self, msg_id: Any, code: int, message: str) -> None:
        """Write an error response directly: pygls's typed response needs a valid id."""
        if self.writer is None:
            return
        body = {"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message}}
        raw = json.dumps(body)
        header = f"Content-Length: {len(raw.encode())}\r\n\r\n"
        self.writer.write((header + raw).encode())

    def report_unreadable(self, error: Exception) -> None:
        """Called for a body that failed before it reached ``handle_message``."""
        if isinstance(error, json.JSONDecodeError | UnicodeDecodeError):
            self._send_error(None, PARSE_ERROR, f"Parse error: {error}")
        else:
            self._send_error(None, INVALID_REQUEST, f"Invalid request: {error}")
