"""``textDocument/codeAction``: run the selection, statement, cell or file from the action list.

Editors without custom UI for prosepy's commands (Helix's ``:lsp-workspace-command`` sends
no arguments, for one) reach running through the code action menu, which every LSP editor
has. The actions carry their ``prosepy.run*`` command with its arguments, so nothing needs
resolving. Their kind is ``source.prosepy.run``: VS Code keeps source actions out of the
light bulb (its own commands and keybindings cover running), other editors list them.
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from prosepy.server.lsp.providers import CodeActionProvider
from prosepy.server.lsp.server import ProsepyServer
from prosepy.server.sandbox import selection

KIND = "source.prosepy.run"


def _wanted(params: types.CodeActionParams) -> bool:
    only = params.context.only
    return not only or any(KIND.startswith(str(kind)) for kind in only)


def _action(title: str, command: str, argument: dict[str, Any]) -> types.CodeAction:
    return types.CodeAction(
        title=title,
        kind=KIND,
        command=types.Command(title=title, command=command, arguments=[argument]),
    )


class RunActions(CodeActionProvider):
    """Run selection/statement/cell/file: cheap to list, nothing to resolve."""

    name = "run"

    def actions(self, ls: ProsepyServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        if not _wanted(params):
            return []
        uri = params.text_document.uri
        document = ls.workspace.get_text_document(uri)
        rng = params.range
        found: list[types.CodeAction] = []
        if rng.start != rng.end:
            found.append(_action("Run selection", "prosepy.run", {"uri": uri, "range": _json(rng)}))
        else:
            found.append(
                _action("Run statement", "prosepy.run", {"uri": uri, "line": rng.start.line})
            )
        source = document.source
        # (the substring test spares a scan of every line in files without cells)
        cells = selection.cell_markers(source) if "%%" in source else []
        if any(line <= rng.start.line for line in cells):
            found.append(
                _action("Run cell", "prosepy.runCell", {"uri": uri, "line": rng.start.line})
            )
        found.append(_action("Run file", "prosepy.runFile", {"uri": uri}))
        return found


def _json(rng: types.Range) -> dict[str, Any]:
    return {
        "start": {"line": rng.start.line, "character": rng.start.character},
        "end": {"line": rng.end.line, "character": rng.end.character},
    }


def register(server: ProsepyServer) -> None:
    server.add_code_action_provider(RunActions())
