"""``textDocument/codeAction`` + ``codeAction/resolve`` and the ``prosepy.fixError`` command:
"Fix this error" on a run's error diagnostic.

Listing is cheap: one action per ``prosepy run`` diagnostic in the request's context. The
work (``generation.fix.find_fix``: the model proposes, a throwaway sandbox re-runs) happens
in ``codeAction/resolve`` for clients that resolve edits (VS Code), else in the command,
which applies the fix with ``workspace/applyEdit`` (Neovim 0.7 and other plain LSP
clients). No edit is offered unless the fixed code ran without the error; the user is told
what changed (the edit's change annotation, and a message) or that no fix that runs was
found.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from prosepy.server.generation.fix import Fix, RunFailure, find_fix
from prosepy.server.lsp.features.generate import _wants_resolve
from prosepy.server.lsp.features.hover import language_of
from prosepy.server.lsp.progress import work_done
from prosepy.server.lsp.providers import CodeActionProvider
from prosepy.server.models.base import CancelToken

if TYPE_CHECKING:
    from prosepy.server.lsp.server import ProsepyServer

logger = logging.getLogger(__name__)

COMMAND = "prosepy.fixError"
KIND = "quickfix.prosepy.fixError"
SOURCE = "prosepy run"


def _wanted(only: Sequence[str] | None) -> bool:
    return not only or any(KIND == k or KIND.startswith(str(k) + ".") or k == "" for k in only)


class FixErrorActions(CodeActionProvider):
    """ "Fix this error" for run errors in the range."""

    name = "fixError"

    def actions(self, ls: ProsepyServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        if not _wanted(params.context.only):
            return []
        uri = params.text_document.uri
        doc = ls.services.run_results.docs.get(uri)
        if doc is None or doc.error is None or doc.error_line is None:
            return []
        diagnostics = [d for d in params.context.diagnostics if d.source == SOURCE]
        if not diagnostics:
            return []
        error = doc.error
        data = {"provider": self.name, "uri": uri, "line": doc.error_line, "type": error.type}
        title = f"Fix this error ({error.type}) with the model"
        action = types.CodeAction(title=title, kind=KIND, diagnostics=diagnostics, data=data)
        if not _wants_resolve(ls):
            action.command = types.Command(title=title, command=COMMAND, arguments=[data])
        return [action]

    async def resolve(self, ls: ProsepyServer, action: types.CodeAction) -> types.CodeAction:
        data = action.data if isinstance(action.data, dict) else {}
        found = await self.fix(ls, data)
        if found is not None:
            fix, version = found
            action.edit = _edit(ls, str(data.get("uri")), version, fix)
            action.title = f"Fix {data.get('type', 'the error')}: {fix.description}"
        return action

    async def fix(self, ls: ProsepyServer, data: dict[str, Any]) -> tuple[Fix, int] | None:
        """Find a fix for the error named by ``data``; None (the user is told why) if none."""
        uri = str(data.get("uri", ""))
        doc = ls.services.run_results.docs.get(uri)
        if doc is None or doc.error is None or doc.error_line is None:
            ls.show_message(
                "prosepy: the error is gone (edited or run again)", types.MessageType.Info
            )
            return None
        try:
            document = ls.workspace.get_text_document(uri)
        except Exception:
            ls.show_message(f"prosepy: unknown document {uri}", types.MessageType.Error)
            return None
        run = doc.runs.get(doc.error_line)
        failure = RunFailure(
            doc.error.type,
            doc.error.message,
            doc.error_line,
            doc.error.traceback,
            run.last_line if run is not None else None,
        )
        text, version = document.source, document.version or 0
        path = document.path
        folder = None
        if path:
            import os

            folder = os.path.dirname(path)
        cancel = CancelToken()
        phase = "running the code again"

        def on_phase(text: str) -> None:
            nonlocal phase
            phase = text

        loop = asyncio.get_running_loop()
        async with work_done(
            ls,
            f"prosepy: fixing {failure.type}",
            message=phase,
            cancel=cancel,
            prefix="prosepy-fix",
        ) as progress:
            progress.keep_reporting(lambda: phase)
            call = functools.partial(
                find_fix,
                ls.services.generator,
                ls.services.trials,
                text,
                failure,
                path,
                folder,
                language_of(ls),
                cancel,
                on_phase,
            )
            try:
                result = await loop.run_in_executor(None, call)
            except Exception as exc:  # a bug costs this request only
                logger.exception("fix this error failed")
                progress.end_message = "failed"
                ls.show_message(f"prosepy: fix failed: {exc!r}", types.MessageType.Error)
                return None
            progress.end_message = result.description if isinstance(result, Fix) else result
        if isinstance(result, str):
            ls.show_message(f"prosepy: {result}", types.MessageType.Warning)
            return None
        now = ls.workspace.get_text_document(uri)
        if (now.version or 0) != version:
            ls.show_message(
                "prosepy: the document changed while looking for a fix; nothing changed",
                types.MessageType.Warning,
            )
            return None
        ls.show_message(
            f"prosepy: fix for {failure.type}: {result.description} ({result.checked} in a "
            "fresh sandbox)",
            types.MessageType.Info,
        )
        return result, version


def _edit(ls: ProsepyServer, uri: str, version: int, fix: Fix) -> types.WorkspaceEdit:
    text = "".join(line + "\n" for line in fix.lines)
    rng = types.Range(types.Position(fix.start, 0), types.Position(fix.end, 0))
    caps = ls.client_capabilities
    workspace = caps.workspace if caps else None
    edit_caps = workspace.workspace_edit if workspace else None
    if not (edit_caps and edit_caps.document_changes):
        return types.WorkspaceEdit(changes={uri: [types.TextEdit(range=rng, new_text=text)]})
    annotated = bool(edit_caps.change_annotation_support)
    edit: types.TextEdit | types.AnnotatedTextEdit = (
        types.AnnotatedTextEdit(range=rng, new_text=text, annotation_id="fix")
        if annotated
        else types.TextEdit(range=rng, new_text=text)
    )
    document = types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version)
    result = types.WorkspaceEdit(
        document_changes=[types.TextDocumentEdit(text_document=document, edits=[edit])]
    )
    if annotated:
        result.change_annotations = {
            "fix": types.ChangeAnnotation(
                label="Fix this error",
                description=f"{fix.description}; {fix.checked} in a fresh sandbox",
                needs_confirmation=False,
            )
        }
    return result


def register(server: ProsepyServer) -> None:
    actions = FixErrorActions()
    server.add_code_action_provider(actions)

    @server.command(COMMAND)
    async def fix_command(ls: Any, *args: Any) -> dict[str, Any]:
        data = args[0] if args and isinstance(args[0], dict) else {}
        found = await actions.fix(ls, data)
        if found is None:
            return {"applied": False}
        fix, version = found
        edit = _edit(ls, str(data.get("uri")), version, fix)
        result = await ls.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(edit=edit, label=f"prosepy: {fix.description}")
        )
        return {"applied": bool(result.applied), "description": fix.description}
