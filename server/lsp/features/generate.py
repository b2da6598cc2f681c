"""``textDocument/codeAction`` + ``codeAction/resolve``, ``textDocument/codeLens`` and the
``prosepy.generate`` command: `# nl:` requests become generated Python.

Listing actions is a line scan (no model, no jedi). The work happens in ``codeAction/resolve``
for clients that resolve edits, otherwise in the command, which applies its result with
``workspace/applyEdit``. Edits carry the document version they were computed against; if
the user typed during generation, the edit is re-anchored to the request comment in the
current text, or nothing is inserted and the user is told.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from prosepy.server.generation.pipeline import Generator, Job
from prosepy.server.generation.regions import Region, Regions
from prosepy.server.generation.requests import (
    NlRequest,
    find_anchor,
    find_requests,
    request_at,
    requests_in_range,
)
from prosepy.server.generation.review import Finding, review
from prosepy.server.lsp.features.generate_progress import GenerationProgress
from prosepy.server.models.base import (
    CancelToken,
    GenerationRequest,
    GenerationResult,
    ModelError,
    TokenCallback,
)

if TYPE_CHECKING:
    from prosepy.server.lsp.server import ProsepyServer

logger = logging.getLogger(__name__)

COMMAND = "prosepy.generate"
KIND = types.CodeActionKind.QuickFix
SOURCE = "review"


def _model(ls: ProsepyServer) -> Any:
    try:
        from prosepy.server.lsp.features.model_status import get_models

        return get_models(ls)
    except ImportError:
        return ls.services.get("models")


@dataclass
class GenerationService:
    """Per-server state: the pipeline, generated regions, running generations."""

    ls: ProsepyServer
    generator: Generator = field(init=False)
    regions: Regions = field(default_factory=Regions)
    running: dict[tuple[str, str], CancelToken] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.generator = Generator(self._call_model, self.ls.settings.generate, self._model_name)

    def _call_model(
        self, request: GenerationRequest, cancel: CancelToken | None, on_token: TokenCallback | None
    ) -> GenerationResult:
        manager = _model(self.ls)
        if manager is None:
            raise ModelError("no model runtime in this server", "run `prosepy doctor`")
        result: GenerationResult = manager.generate(request, cancel, on_token)
        return result

    def _model_name(self) -> str:
        manager = _model(self.ls)
        status = getattr(manager, "status", None)
        status = status() if callable(status) else status
        return str(getattr(status, "model", "") or getattr(status, "path", "") or status or "")


def service(ls: ProsepyServer) -> GenerationService:
    svc = ls.services.get("generation")
    if svc is None:
        svc = ls.services["generation"] = GenerationService(ls)
    return svc  # type: ignore[no-any-return]


# -- listing (cheap) ------------------------------------------------------------------------
def _wants_resolve(ls: ProsepyServer) -> bool:
    caps = ls.client_capabilities
    action = caps.text_document.code_action if caps and caps.text_document else None
    support = action.resolve_support if action else None
    return bool(support and "edit" in support.properties and action and action.data_support)


def _kind_allowed(only: Sequence[str] | None) -> bool:
    return not only or any(KIND == k or KIND.startswith(str(k) + ".") or k == "" for k in only)


def _lines(ls: ProsepyServer, uri: str) -> list[str]:
    return list(ls.workspace.get_text_document(uri).lines)


class GenerateActions:
    """The provider for the code action aggregator."""

    def actions(self, ls: ProsepyServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        if not _kind_allowed(params.context.only):
            return []
        uri = params.text_document.uri
        lines = _lines(ls, uri)
        found = requests_in_range(lines, params.range.start.line, params.range.end.line)
        out: list[types.CodeAction] = []
        svc = service(ls)
        for request in found:
            region = svc.regions.for_request(uri, lines, request)
            variants = [False, True] if region is not None else [False]
            for regenerate in variants:
                data = {
                    "provider": "generate",
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
        edit = await generate_edit(ls, data)
        if edit is not None:
            action.edit = edit
        return action


def code_lenses(ls: ProsepyServer, document: Any) -> list[types.CodeLens]:
    if not ls.settings.generate.code_lens:
        return []
    lines = document.lines
    svc = service(ls)
    lenses = []
    for request in find_requests(lines):
        at = types.Range(
            types.Position(request.start_line, 0), types.Position(request.start_line, 0)
        )
        region = svc.regions.for_request(document.uri, lines, request)
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


# -- the work -------------------------------------------------------------------------------
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


def _edit(ls: ProsepyServer, uri: str, version: int, edits: list[Any]) -> types.WorkspaceEdit:
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


def _diagnostic(region: Region, finding: Finding) -> types.Diagnostic:
    line = region.start + min(finding.line, len(region.lines) - 1)
    end_line = region.start + min(finding.end_line, len(region.lines) - 1)
    severity = (
        types.DiagnosticSeverity.Warning
        if finding.severity == "warning"
        else types.DiagnosticSeverity.Information
    )
    end_char = finding.end_column + len(region.lines[0]) - len(region.lines[0].lstrip())
    start_char = finding.column + len(region.lines[0]) - len(region.lines[0].lstrip())
    if finding.end_line == finding.line and end_char <= start_char:
        end_char = len(region.lines[min(finding.line, len(region.lines) - 1)])
    return types.Diagnostic(
        range=types.Range(types.Position(line, start_char), types.Position(end_line, end_char)),
        message=f"generated code: {finding.message}",
        severity=severity,
        code=finding.code,
        source="prosepy review",
    )


def publish_review(ls: ProsepyServer, uri: str) -> None:
    diags = [_diagnostic(r, f) for r in service(ls).regions.regions(uri) for f in r.findings]
    if diags or ls.diagnostics_of(uri, SOURCE):
        ls.publish_diagnostics(uri, SOURCE, diags)


async def generate_edit(ls: ProsepyServer, data: dict[str, Any]) -> types.WorkspaceEdit | None:
    """Generate for the request named by ``data``; the edit, or None (the user is told why)."""
    svc = service(ls)
    _model(ls)  # created on the event loop, so its status reports reach the client
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
    if data.get("regenerate"):
        # The model must not see the code it is replacing: prepare as for the first time.
        region = svc.regions.for_request(uri, document.lines, request)
        if region is not None:
            kept = text.splitlines(keepends=True)
            text = "".join(kept[: region.start] + kept[region.end :])
    loop = asyncio.get_running_loop()
    job: Job = await loop.run_in_executor(
        None, svc.generator.prepare_request, text, request, document.path
    )
    slot = (uri, request.key)
    previous = svc.running.get(slot)
    if previous is not None:
        previous.cancel("superseded by a newer request")
    cancel = svc.running[slot] = CancelToken()
    progress = GenerationProgress(ls, f"prosepy: {request.title(40)}", cancel)
    await progress.begin()
    try:
        outcome = await loop.run_in_executor(
            None, svc.generator.generate, job, cancel, progress.on_token
        )
    except asyncio.CancelledError:
        cancel.cancel("request cancelled")
        progress.end("cancelled")
        raise
    except Exception as exc:  # a bug must cost this request only, never the server
        logger.exception("generation failed")
        progress.end("failed")
        ls.show_message(f"prosepy: generation failed: {exc!r}", types.MessageType.Error)
        return None
    finally:
        if svc.running.get(slot) is cancel:
            svc.running.pop(slot, None)
    if outcome.draft is None:
        progress.end(outcome.message)
        if cancel.reason.startswith("superseded"):
            return None
        kind = (
            types.MessageType.Info
            if outcome.finish_reason == "cancelled"
            else types.MessageType.Warning
        )
        ls.show_message(f"prosepy: {outcome.message}", kind)
        return None
    progress.end(
        f"{outcome.tokens} tokens in {outcome.seconds:.1f} s"
        + (" (cached)" if outcome.cached else "")
    )
    return await _placed_edit(
        ls, svc, job, outcome.draft, uri, request, version, bool(data.get("regenerate"))
    )


async def _placed_edit(
    ls: ProsepyServer,
    svc: GenerationService,
    job: Job,
    draft: Any,
    uri: str,
    request: NlRequest,
    version: int,
    regenerate: bool,
) -> types.WorkspaceEdit | None:
    """Place ``draft`` in the document as it is now (re-anchored if it changed)."""
    document = ls.workspace.get_text_document(uri)
    lines = document.lines
    if (document.version or 0) != version:
        moved = find_anchor(lines, request, hint=request.start_line)
        if moved is None:
            ls.show_message(
                "prosepy: document changed, nothing inserted (the request comment is gone)",
                types.MessageType.Warning,
            )
            return None
        request = moved
    region = svc.regions.for_request(uri, lines, request) if regenerate else None
    replace = (region.start, region.end) if region is not None else None
    placement = svc.generator.place(job, draft, document.source, request, replace)
    if placement.error:
        ls.show_message(
            f"prosepy: the code would not parse here ({placement.error}); nothing inserted",
            types.MessageType.Warning,
        )
        return None
    findings: list[Finding] = []
    if ls.settings.generate.review:
        in_function = job.context.function is not None
        findings = await asyncio.get_running_loop().run_in_executor(
            None, review, draft.code, placement.imports_added, in_function
        )
    svc.regions.expect(
        uri, Region(request.key, placement.code_start, placement.code_lines, findings)
    )
    return _edit(ls, uri, document.version or 0, placement.edits)


def _on_change(ls: ProsepyServer, params: types.DidChangeTextDocumentParams) -> None:
    svc = service(ls)
    uri = params.text_document.uri
    for change in params.content_changes:
        if isinstance(change, types.TextDocumentContentChangePartial):
            r = change.range
            svc.regions.changed(
                uri, (r.start.line, r.start.character, r.end.line, r.end.character), change.text
            )
        else:
            svc.regions.changed(uri, None, change.text)
    before = [(r.start, len(r.findings)) for r in svc.regions.regions(uri)]
    changed = svc.regions.settle(uri, _lines(ls, uri))
    after = [(r.start, len(r.findings)) for r in svc.regions.regions(uri)]
    if changed or before != after or ls.diagnostics_of(uri, SOURCE):
        publish_review(ls, uri)


def register(server: ProsepyServer) -> None:
    server.code_action_providers["generate"] = GenerateActions()
    server.code_lens_providers.append(code_lenses)
    server.on_document("change", lambda params: _on_change(server, params))
    server.on_document(
        "close", lambda params: service(server).regions.close(params.text_document.uri)
    )
    server.on_settings_changed(
        lambda _old, new: setattr(service(server).generator, "settings", new.generate)
    )

    @server.command(COMMAND)
    async def generate_command(ls: Any, *args: Any) -> dict[str, Any]:
        # (``ls`` is not annotated as ProsepyServer: pygls evaluates these hints at runtime)
        data = args[0] if args and isinstance(args[0], dict) else {}
        for attempt in range(2):
            edit = await generate_edit(ls, data)
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
