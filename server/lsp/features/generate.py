"""``textDocument/codeAction`` + ``codeAction/resolve``, ``textDocument/codeLens`` and the
``prosepy.generate`` command: `# nl:` requests become generated Python.

Listing actions is a line scan (no model, no jedi). The work (``Generator.run``, the same
call as ``prosepy generate``) happens in ``codeAction/resolve`` for clients that resolve
edits, otherwise in the command, which applies its result with ``workspace/applyEdit``.
Edits carry the document version they were computed against; if the user typed during
generation, the edit is re-anchored to the request comment in the current text, or nothing
is inserted and the user is told. The actions' kind, ``quickfix.prosepy.generate``, lets a
client pick them out without reading titles.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.workspace import TextDocument

from prosepy.server.generation.pipeline import Target
from prosepy.server.generation.place import Edit
from prosepy.server.generation.regions import Region
from prosepy.server.generation.requests import (
    NlRequest,
    find_anchor,
    find_requests,
    request_at,
    requests_in_range,
)
from prosepy.server.lines import split_lines
from prosepy.server.lsp.features import generated_results
from prosepy.server.lsp.features.hover import language_of
from prosepy.server.lsp.progress import work_done
from prosepy.server.lsp.providers import CodeActionProvider
from prosepy.server.models.base import CancelToken

if TYPE_CHECKING:
    from prosepy.server.lsp.server import ProsepyServer

logger = logging.getLogger(__name__)

COMMAND = "prosepy.generate"
KIND = "quickfix.prosepy.generate"
WAITING = "waiting for the model (loading if needed)"
#: How often a worker waiting for the event loop checks that the loop still runs.
LOCATE_POLL_S = 0.25
STOPPING = "the server is shutting down; nothing inserted"


def _wants_resolve(ls: ProsepyServer) -> bool:
    caps = ls.client_capabilities
    action = caps.text_document.code_action if caps and caps.text_document else None
    support = action.resolve_support if action else None
    return bool(support and "edit" in support.properties and action and action.data_support)


def _kind_allowed(only: Sequence[str] | None) -> bool:
    return not only or any(KIND == k or KIND.startswith(str(k) + ".") or k == "" for k in only)


class GenerateActions(CodeActionProvider):
    """ "Generate code" / "Regenerate code" for the `# nl:` requests in the range."""

    name = "generate"

    def __init__(self) -> None:
        #: Generations running now by (uri, request key): a newer one cancels the older.
        self.running: dict[tuple[str, str], CancelToken] = {}

    def actions(self, ls: ProsepyServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        if not _kind_allowed(params.context.only):
            return []
        uri = params.text_document.uri
        lines = ls.workspace.get_text_document(uri).lines
        found = requests_in_range(lines, params.range.start.line, params.range.end.line)
        out: list[types.CodeAction] = []
        for request in found:
            region = ls.services.regions.for_request(uri, lines, request)
            for regenerate in [False, True] if region is not None else [False]:
                data = {
                    "provider": self.name,
                    "uri": uri,
                    "line": request.start_line,
                    "key": request.key,
                    "regenerate": regenerate,
                }
                title = ("Regenerate code: " if regenerate else "Generate code: ") + request.title()
                action = types.CodeAction(title=title, kind=KIND, data=data)
                if not _wants_resolve(ls):
                    action.command = types.Command(title=title, command=COMMAND, arguments=[data])
                out.append(action)
        return out

    async def resolve(self, ls: ProsepyServer, action: types.CodeAction) -> types.CodeAction:
        data = action.data if isinstance(action.data, dict) else {}
        edit = await self.edit(ls, data)
        if edit is not None:
            action.edit = edit
        return action

    async def edit(self, ls: ProsepyServer, data: dict[str, Any]) -> types.WorkspaceEdit | None:
        """Generate for the request named by ``data``: the edit, or None (the user is told why)."""
        uri = str(data.get("uri", ""))
        try:
            document = ls.workspace.get_text_document(uri)
            text, version = document.source, document.version or 0
        except Exception:
            ls.show_message(f"prosepy: unknown document {uri}", types.MessageType.Error)
            return None
        request = _find_request(document.lines, data)
        if request is None:
            ls.show_message(
                "prosepy: no `# nl:` request there any more; nothing inserted",
                types.MessageType.Warning,
            )
            return None
        regenerate = bool(data.get("regenerate"))
        if regenerate:
            # The model must not see the code it is replacing: prepare as for the first time.
            region = ls.services.regions.for_request(uri, document.lines, request)
            if region is not None:
                kept = split_lines(text)
                text = "".join(kept[: region.start] + kept[region.end :])

        def locate(asked: NlRequest) -> Target | str:  # on the event loop
            now = ls.workspace.get_text_document(uri)
            if (now.version or 0) != version:
                moved = find_anchor(now.lines, asked, hint=asked.start_line)
                if moved is None:
                    return "document changed, nothing inserted (the request comment is gone)"
                asked = moved
            region = ls.services.regions.for_request(uri, now.lines, asked) if regenerate else None
            replace = (region.start, region.end) if region is not None else None
            return Target(now.source, asked, replace, now.version or 0)

        slot = (uri, request.key)
        previous = self.running.get(slot)
        if previous is not None:
            previous.cancel("superseded by a newer request")
        cancel = self.running[slot] = CancelToken()
        tokens = 0
        phase = "generating"
        start = time.monotonic()

        def on_token(_piece: str) -> None:  # the model's thread (an int increment is safe)
            nonlocal tokens
            tokens += 1

        def waiting() -> str:
            elapsed = time.monotonic() - start
            if tokens == 0 and phase == "generating":
                return f"{WAITING} · {elapsed:.1f} s"
            return f"{phase} · {tokens} tokens · {elapsed:.1f} s"

        loop = asyncio.get_running_loop()
        shown: list[Callable[[str], None]] = []

        def on_phase(text: str) -> None:  # the generator's thread: report on the loop
            nonlocal phase
            phase = text
            if shown:
                loop.call_soon_threadsafe(shown[0], waiting())

        title = f"prosepy: {request.title(40)}"
        async with work_done(
            ls, title, message=WAITING, cancel=cancel, prefix="prosepy-generate"
        ) as progress:
            progress.keep_reporting(waiting)
            shown.append(progress.report)
            run = functools.partial(
                ls.services.generator.run,
                text,
                request,
                document.path,
                cancel=cancel,
                on_token=on_token,
                locate=_from_worker(loop, locate),
                on_phase=on_phase,
                language=language_of(ls),
            )
            try:
                generated = await loop.run_in_executor(None, run)
            except Exception as exc:  # a bug must cost this request only, never the server
                logger.exception("generation failed")
                progress.end_message = "failed"
                ls.show_message(f"prosepy: generation failed: {exc!r}", types.MessageType.Error)
                return None
            finally:
                if self.running.get(slot) is cancel:
                    self.running.pop(slot, None)
            answer = generated.answer
            progress.end_message = (
                f"{answer.tokens} tokens in {answer.seconds:.1f} s"
                + (" (cached)" if answer.cached else "")
                + (f" · {story}" if (story := answer.check_story()) else "")
                if answer.draft is not None
                else answer.message
            )
        placement, target = generated.placement, generated.target
        if not generated.ok or placement is None or target is None:
            if answer.draft is None and cancel.reason.startswith("superseded"):
                return None
            cancelled = answer.finish_reason == "cancelled"
            kind = types.MessageType.Info if cancelled else types.MessageType.Warning
            ls.show_message(f"prosepy: {generated.message}", kind)
            return None
        region = Region(
            target.request.key,
            placement.code_start,
            placement.code_lines,
            generated.findings,
            answer.verdict,
        )
        ls.services.regions.expect(uri, region)
        if answer.checked is not None and not target.request.indent:
            generated_results.expect(ls, uri, region, answer.checked)
        return _edit(ls, uri, target.version or 0, placement.edits)


def _from_worker(
    loop: asyncio.AbstractEventLoop, locate: Callable[[NlRequest], Target | str]
) -> Callable[[NlRequest], Target | str]:
    """``locate`` callable from the generator's worker thread: it runs on the event loop
    (where documents and regions change), and the worker waits for its answer."""

    def call(request: NlRequest) -> Target | str:
        answer: concurrent.futures.Future[Target | str] = concurrent.futures.Future()

        def on_loop() -> None:
            try:
                answer.set_result(locate(request))
            except Exception as exc:
                answer.set_exception(exc)

        try:
            loop.call_soon_threadsafe(on_loop)
        except RuntimeError:  # the loop is closed
            return STOPPING
        while True:  # a stopped loop (server exit) must not keep this thread, or exit, waiting
            try:
                return answer.result(timeout=LOCATE_POLL_S)
            except concurrent.futures.TimeoutError:
                if not loop.is_running():
                    return STOPPING

    return call


def code_lenses(ls: ProsepyServer, document: TextDocument) -> list[types.CodeLens]:
    """ "Generate code" (and "Regenerate code") above every `# nl:` request."""
    if not ls.settings.generate.code_lens:
        return []
    lines = document.lines
    lenses = []
    for request in find_requests(lines):
        at = types.Range(
            types.Position(request.start_line, 0), types.Position(request.start_line, 0)
        )
        region = ls.services.regions.for_request(document.uri, lines, request)
        for regenerate in [False, True] if region is not None else [False]:
            data = {
                "uri": document.uri,
                "line": request.start_line,
                "key": request.key,
                "regenerate": regenerate,
            }
            title = "$(sparkle) Regenerate code" if regenerate else "$(sparkle) Generate code"
            command = types.Command(title=title, command=COMMAND, arguments=[data])
            lenses.append(types.CodeLens(range=at, command=command))
    return lenses


def _find_request(lines: Sequence[str], data: dict[str, Any]) -> NlRequest | None:
    line = data.get("line")
    request = request_at(lines, line) if isinstance(line, int) else None
    key = data.get("key")
    if request is not None and (not key or request.key == key):
        return request
    if isinstance(key, str) and key:
        probe = NlRequest(int(line or 0), int(line or 0), "", key, tuple(key.split("\n")))
        return find_anchor(lines, probe, hint=int(line or 0))
    return request


def _edit(ls: ProsepyServer, uri: str, version: int, edits: list[Edit]) -> types.WorkspaceEdit:
    text_edits = [
        types.TextEdit(
            range=types.Range(
                types.Position(e.start_line, e.start_char), types.Position(e.end_line, e.end_char)
            ),
            new_text=e.text,
        )
        for e in edits
    ]
    caps = ls.client_capabilities
    workspace = caps.workspace if caps else None
    versioned = bool(
        workspace and workspace.workspace_edit and workspace.workspace_edit.document_changes
    )
    if not versioned:
        return types.WorkspaceEdit(changes={uri: text_edits})
    document = types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version)
    return types.WorkspaceEdit(
        document_changes=[types.TextDocumentEdit(text_document=document, edits=list(text_edits))]
    )


def register(server: ProsepyServer) -> None:
    actions = GenerateActions()
    server.add_code_action_provider(actions)
    server.code_lens_providers.append(code_lenses)

    @server.command(COMMAND)
    async def generate_command(ls: Any, *args: Any) -> dict[str, Any]:
        # (``ls`` is not annotated as ProsepyServer: pygls evaluates these hints at runtime)
        data = args[0] if args and isinstance(args[0], dict) else {}
        for attempt in range(2):
            edit = await actions.edit(ls, data)
            if edit is None:
                return {"applied": False}
            result = await ls.workspace_apply_edit_async(
                types.ApplyWorkspaceEditParams(edit=edit, label="prosepy: generate code")
            )
            if result.applied:
                return {"applied": True}
            logger.info("edit not applied (%s), attempt %d", result.failure_reason, attempt + 1)
        ls.show_message(
            "prosepy: the editor did not apply the generated code (document changed?)",
            types.MessageType.Warning,
        )
        return {"applied": False}
