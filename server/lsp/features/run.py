"""``workspace/executeCommand`` for running code, the ``prosepy/runResult`` notification, and
"Run cell" code lenses (``textDocument/codeLens``, aggregated by ``code_lens.py``).

Commands (each accepts one object argument or the positional form in brackets):

- ``prosepy.run`` ``{"uri", "range"?}`` [uri, range]: the selection; an empty or missing range
  with ``"line"`` (or a range's start) runs the whole top-level statement under the cursor.
- ``prosepy.runCell`` ``{"uri", "line"}`` [uri, line]: the ``# %%`` cell holding ``line``.
- ``prosepy.runFile`` ``{"uri"}`` [uri]; ``prosepy.restartSession`` ``{"uri"}``;
  ``prosepy.cancelRun`` ``{"uri"}``.

Each run command returns the structured result, also sent as the notification
``prosepy/runResult``::

    {"uri": str, "version": int | null, "ok": bool, "durationMs": float,
     "lines": [{"line": int (0-based), "text": "→ 5050", "full": "5050"}],
     "stdout": str, "stderr": str, "outputDropped": int,
     "error": {"type": str, "message": str, "line": int | null, "traceback": str} | null,
     "sessionRestarted": bool, "notes": [str], "layers": [str], "strength": str,
     "unrestricted": [str], "mode": "session" | "fresh",
     "range": {"firstLine": int, "lastLine": int}}

``layers`` lists the sandbox layers that were active, ``strength`` is ``strong``, ``medium``
or ``weak`` and ``unrestricted`` says in plain words what the missing layers leave open.
Runs never block the event loop: hover and other requests keep being answered meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any, TypeGuard
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams
from pygls.workspace import TextDocument

from prosepy.server.lines import line_texts, split_lines
from prosepy.server.lsp.features import run_results
from prosepy.server.lsp.server import ProsepyServer  # at run time: pygls reads command annotations
from prosepy.server.sandbox import selection

logger = logging.getLogger(__name__)
NOTIFICATION = "prosepy/runResult"


# -- arguments -----------------------------------------------------------------------------
def _args(command: str, args: tuple[Any, ...], names: list[str]) -> dict[str, Any]:
    """One dict argument, or positional values in ``names`` order; uri is required."""
    if len(args) == 1 and isinstance(args[0], dict):
        found = dict(args[0])
    elif len(args) == 1 and isinstance(args[0], list):
        found = dict(zip(names, args[0], strict=False))
    else:
        found = dict(zip(names, args, strict=False))
    uri = found.get("uri")
    if not isinstance(uri, str) or not uri:
        shape = "{" + ", ".join(f'"{n}"' for n in names) + "}"
        raise JsonRpcInvalidParams(f"{command}: expected {shape} or [{', '.join(names)}]")
    return found


def _line(command: str, value: Any) -> int:
    if isinstance(value, dict):  # a Position
        value = value.get("line")
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise JsonRpcInvalidParams(f"{command}: line must be a 0-based line number, got {value!r}")
    return value


def _position(command: str, value: Any) -> tuple[int, int]:
    if not isinstance(value, dict):
        raise JsonRpcInvalidParams(f"{command}: expected a position, got {value!r}")
    line, char = value.get("line"), value.get("character", 0)
    if not (_index(line) and _index(char)):
        raise JsonRpcInvalidParams(f"{command}: bad position {value!r}")
    return line, char


def _index(value: Any) -> TypeGuard[int]:
    """A 0-based line or character: an int (not a bool) that is not negative."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _code_points(ls: ProsepyServer, text: str, at: tuple[int, int]) -> tuple[int, int]:
    """A client position (UTF-16 units unless negotiated otherwise) as a code-point column."""
    lines = split_lines(text)
    if at[0] >= len(lines):
        return at
    position = ls.workspace.position_codec.position_from_client_units(
        lines, types.Position(line=at[0], character=at[1])
    )
    return position.line, position.character


def _document(ls: ProsepyServer, command: str, uri: str) -> tuple[str, int | None]:
    if uri in ls.workspace.text_documents:
        doc = ls.workspace.get_text_document(uri)
        return doc.source, doc.version
    path = _path(uri)
    if path and os.path.isfile(path):
        try:
            with open(path, encoding="utf-8") as handle:
                return handle.read(), None
        except (OSError, UnicodeDecodeError) as exc:
            raise JsonRpcInvalidParams(f"{command}: cannot read {path}: {exc}") from None
    raise JsonRpcInvalidParams(f"{command}: {uri} is not open and not a file on disk")


def _path(uri: str) -> str | None:
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme == "file" else None


# -- running -------------------------------------------------------------------------------
async def execute(ls: ProsepyServer, command: str, uri: str, pick: Any) -> dict[str, Any]:
    """Pick the snippet, run it, store and announce the result; returns the protocol dict."""
    text, version = _document(ls, command, uri)
    try:
        snippet = pick(text)
    except selection.NothingToRun as exc:
        raise JsonRpcInvalidParams(f"{command}: {exc}") from None
    path = _path(uri)
    filename = path or uri
    folder = os.path.dirname(path) if path else None
    result = await ls.services.sandbox.run(uri, snippet.code, snippet.first_line, filename, folder)
    payload = result.to_protocol(uri, version)
    current = ls.workspace.text_documents.get(uri)
    unchanged = (
        current is None
        or current.version == version
        or _same_lines(current.source, text, snippet.first_line, snippet.last_line)
    )
    ls.services.run_results.set_variables(uri, result)  # session state, whatever the lines
    if unchanged:
        ls.services.run_results.add(uri, result, snippet.code)
        run_results.publish(ls, uri)
        run_results.refresh_hints(ls)
    ls.protocol.notify(NOTIFICATION, payload)
    return payload


def _same_lines(now: str, then: str, first: int, last: int) -> bool:
    return line_texts(now)[first : last + 1] == line_texts(then)[first : last + 1]


def cell_lenses(ls: ProsepyServer, document: TextDocument) -> list[types.CodeLens]:
    """▶ Run cell above every ``# %%`` marker."""
    return [
        types.CodeLens(
            range=types.Range(types.Position(line, 0), types.Position(line, 0)),
            command=types.Command(
                title="▶ Run cell",
                command="prosepy.runCell",
                arguments=[{"uri": document.uri, "line": line}],
            ),
        )
        for line in selection.cell_markers(document.source)
    ]


def register(server: ProsepyServer) -> None:
    sandbox = server.services.sandbox
    server.code_lens_providers.append(cell_lenses)

    def prewarm(params: types.DidOpenTextDocumentParams) -> None:
        if params.text_document.language_id == "python":
            path = _path(params.text_document.uri)
            folder = os.path.dirname(path) if path else None
            asyncio.get_running_loop().run_in_executor(None, sandbox.prewarm, folder)

    server.on_document("open", prewarm)
    server.on_document("close", lambda p: asyncio.ensure_future(sandbox.close(p.text_document.uri)))

    @server.command("prosepy.run")
    async def run(ls: ProsepyServer, *args: Any) -> dict[str, Any]:
        found = _args("prosepy.run", args, ["uri", "range"])
        rng, line = found.get("range"), found.get("line", found.get("position"))
        if rng is not None:
            if not isinstance(rng, dict):
                raise JsonRpcInvalidParams(f"prosepy.run: range must be an LSP Range, got {rng!r}")
            start = _position("prosepy.run", rng.get("start"))
            end = _position("prosepy.run", rng.get("end"))
            return await execute(
                ls,
                "prosepy.run",
                found["uri"],
                lambda text: selection.selection(
                    text, _code_points(ls, text, start), _code_points(ls, text, end)
                ),
            )
        if line is None:
            raise JsonRpcInvalidParams("prosepy.run: give a range (or a line for the statement)")
        at = _line("prosepy.run", line)
        return await execute(
            ls, "prosepy.run", found["uri"], lambda text: selection.statement_at(text, at)
        )

    @server.command("prosepy.runCell")
    async def run_cell(ls: ProsepyServer, *args: Any) -> dict[str, Any]:
        found = _args("prosepy.runCell", args, ["uri", "line"])
        at = _line("prosepy.runCell", found.get("line"))
        return await execute(
            ls, "prosepy.runCell", found["uri"], lambda text: selection.cell_at(text, at)
        )

    @server.command("prosepy.runFile")
    async def run_file(ls: ProsepyServer, *args: Any) -> dict[str, Any]:
        found = _args("prosepy.runFile", args, ["uri"])
        return await execute(ls, "prosepy.runFile", found["uri"], selection.whole_file)

    @server.command("prosepy.restartSession")
    async def restart(ls: ProsepyServer, *args: Any) -> dict[str, Any]:
        found = _args("prosepy.restartSession", args, ["uri"])
        await ls.services.sandbox.restart(found["uri"])
        ls.services.run_results.variables.pop(found["uri"], None)  # the session is empty now
        return {"uri": found["uri"], "restarted": True}

    @server.command("prosepy.cancelRun")
    async def cancel(ls: ProsepyServer, *args: Any) -> dict[str, Any]:
        found = _args("prosepy.cancelRun", args, ["uri"])
        return {"uri": found["uri"], "cancelled": await ls.services.sandbox.cancel(found["uri"])}
