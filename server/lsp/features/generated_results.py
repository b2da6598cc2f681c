"""Inline results of generated module-level code: ``textDocument/inlayHint`` values and the
``prosepy/runResult`` notification, right after the code is inserted.

Checking already ran the code (the file up to the request plus the code, in a throwaway
sandbox); what its lines printed or evaluated to is shown as a run's results would be, so
``# nl: 计算 1 到 100 的和`` ends with ``→ 5050`` without another command. The values are
only placed once the client has applied the edit (the ``didChange`` that shows the
generated lines), so they land on the right lines. ``generate.showResult`` turns it off.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from prosepy.server.generation.checking import Checked
from prosepy.server.generation.regions import Region
from prosepy.server.generation.trials import shown_lines
from prosepy.server.lsp.features import run_results
from prosepy.server.sandbox.result import LineValue, RunResult

if TYPE_CHECKING:
    from lsprotocol import types

    from prosepy.server.lsp.server import ProsepyServer

logger = logging.getLogger(__name__)
NOTIFICATION = "prosepy/runResult"
#: Document changes to wait for the edit before forgetting the result.
TTL = 20


@dataclass
class _Pending:
    region: Region
    checked: Checked
    ttl: int = TTL


_pending: dict[str, list[_Pending]] = {}


def expect(ls: ProsepyServer, uri: str, region: Region, checked: Checked) -> None:
    """Show ``checked``'s output on ``region``'s lines once the client has inserted them."""
    if not ls.settings.generate.show_result:
        return
    report = checked.verdict.report
    if report is None or not report.ran:
        return
    if not shown_lines(report, checked.trial) and not report.stdout:
        return
    _pending.setdefault(uri, []).append(_Pending(region, checked))


def result_for(region: Region, checked: Checked) -> RunResult:
    """The checked run as a run result on the region's lines."""
    report = checked.verdict.report
    assert report is not None
    lines = [
        LineValue(region.start + offset, text, full)
        for offset, text, full in shown_lines(report, checked.trial)
        if offset < len(region.lines)
    ]
    result = RunResult(
        ok=report.error is None,
        duration_ms=report.seconds * 1000,
        lines=lines,
        stdout=report.stdout,
        first_line=region.start,
        last_line=region.end - 1,
        mode="fresh",
        notes=[f"generated code, checked in a throwaway sandbox: {checked.verdict.summary}"],
    )
    return result


def on_change(ls: ProsepyServer, params: types.DidChangeTextDocumentParams) -> None:
    uri = params.text_document.uri
    pending = _pending.get(uri)
    if not pending:
        return
    active = ls.services.regions.regions(uri)
    still: list[_Pending] = []
    for item in pending:
        placed = next(
            (r for r in active if r.key == item.region.key and r.lines == item.region.lines),
            None,
        )
        if placed is None:
            item.ttl -= 1
            if item.ttl > 0:
                still.append(item)
            continue
        result = result_for(placed, item.checked)
        document = ls.workspace.get_text_document(uri)
        ls.services.run_results.add(uri, result)
        run_results.publish(ls, uri)
        run_results.refresh_hints(ls)
        ls.protocol.notify(NOTIFICATION, result.to_protocol(uri, document.version))
    if still:
        _pending[uri] = still
    else:
        _pending.pop(uri, None)


def register(server: ProsepyServer) -> None:
    server.on_document("change", lambda params: on_change(server, params))
    server.on_document("close", lambda params: _pending.pop(params.text_document.uri, None))
