"""``textDocument/publishDiagnostics`` (source ``review``): what the review found in generated
code, and what checking it showed ("passed 2 of 2 examples", "ran without error", "not
checked: ..."), kept on the generated lines while the user edits.

Generation records each inserted block in ``ls.services.regions`` with its review findings;
the block is only in the document once the client has applied the edit, so the regions
settle (and their diagnostics are published) on the ``didChange`` that follows. Edits move
the diagnostics with the code; a block edited away takes its diagnostics with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from prosepy.server.generation.regions import Region
from prosepy.server.generation.review import Finding

if TYPE_CHECKING:
    from prosepy.server.lsp.server import ProsepyServer

SOURCE = "review"


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


def _check_diagnostic(region: Region) -> types.Diagnostic | None:
    """The verdict on the first generated line: a Hint when it passed or ran, else more."""
    verdict = region.verdict
    if verdict is None or not region.lines:
        return None
    first = region.lines[0]
    start = len(first) - len(first.lstrip())
    severity = {
        "passed": types.DiagnosticSeverity.Hint,
        "ran": types.DiagnosticSeverity.Hint,
        "unchecked": types.DiagnosticSeverity.Information,
        "failed": types.DiagnosticSeverity.Warning,
    }[verdict.kind]
    mark = "✓ " if verdict.good else ""
    return types.Diagnostic(
        range=types.Range(
            types.Position(region.start, start), types.Position(region.start, len(first))
        ),
        message=f"generated code {mark}{verdict.summary}",
        severity=severity,
        code=f"check-{verdict.kind}",
        source="prosepy check",
    )


def publish(ls: ProsepyServer, uri: str) -> None:
    regions = ls.services.regions.regions(uri)
    diags = [_diagnostic(r, f) for r in regions for f in r.findings]
    diags += [d for r in regions if (d := _check_diagnostic(r)) is not None]
    if diags or ls.diagnostics_of(uri, SOURCE):
        ls.publish_diagnostics(uri, SOURCE, diags)


def on_change(ls: ProsepyServer, params: types.DidChangeTextDocumentParams) -> None:
    regions = ls.services.regions
    uri = params.text_document.uri
    for change in params.content_changes:
        if isinstance(change, types.TextDocumentContentChangePartial):
            r = change.range
            span = (r.start.line, r.start.character, r.end.line, r.end.character)
            regions.changed(uri, span, change.text)
        else:
            regions.changed(uri, None, change.text)
    before = [(r.start, len(r.findings), r.verdict) for r in regions.regions(uri)]
    changed = regions.settle(uri, ls.workspace.get_text_document(uri).lines)
    after = [(r.start, len(r.findings), r.verdict) for r in regions.regions(uri)]
    if changed or before != after or ls.diagnostics_of(uri, SOURCE):
        publish(ls, uri)


def register(server: ProsepyServer) -> None:
    server.on_document("change", lambda params: on_change(server, params))
    server.on_document(
        "close", lambda params: server.services.regions.close(params.text_document.uri)
    )
