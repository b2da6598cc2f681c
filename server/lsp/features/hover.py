"""``textDocument/hover``: the plain-language explanation, jedi's signature and docs, and
whatever other features add (``ls.hover_providers``: run output, run-error explanations).

The explanation is computed on the event loop (parse trees are cached per document
version, a hover costs well under a millisecond). jedi runs on one worker thread with a
time budget (``explain.jediBudgetMs``): when it has not answered in time the hover is sent
without it, and its answer is kept for the next hover at the same place.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import re
import sys
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from prosepy.explain import Parsed, explain_at, explain_fragment, parse, symbols

if TYPE_CHECKING:
    from prosepy.server.lsp.server import ProsepyServer

logger = logging.getLogger(__name__)

JediKey = tuple[str, Any, int, int]

#: Above this many lines a hover reads only the top-level statement under the cursor:
#: parsing a 50,000-line file takes seconds and would hold up every other request.
LARGE_DOCUMENT_LINES = 5000


def language_of(ls: ProsepyServer) -> str:
    """The explanation language: the setting, or the client's locale when it is "auto"."""
    chosen = ls.settings.explain.language
    if chosen != "auto":
        return chosen
    return "zh" if (ls.client_locale or "").lower().startswith("zh") else "en"


@dataclass
class _Job:
    key: JediKey
    abandoned: bool = False


@dataclass
class HoverService:
    """Per-document parse cache and the jedi worker."""

    parsed: dict[str, tuple[Any, Parsed | None]] = field(default_factory=dict)
    jedi_results: OrderedDict[JediKey, str | None] = field(default_factory=OrderedDict)
    #: jedi_results is written by the worker thread and read on the event loop.
    lock: threading.Lock = field(default_factory=threading.Lock)
    pool: concurrent.futures.ThreadPoolExecutor = field(
        default_factory=lambda: concurrent.futures.ThreadPoolExecutor(1, "prosepy-jedi")
    )
    latest: JediKey | None = None
    #: The job jedi is computing right now (None when the worker is idle).
    running: JediKey | None = None

    def parse(self, uri: str, version: Any, source: str) -> Parsed | None:
        key = version if version is not None else hash(source)
        cached = self.parsed.get(uri)
        if cached is not None and cached[0] == key:
            return cached[1]
        result = parse(source)
        self.parsed[uri] = (key, result)
        return result

    def forget(self, uri: str) -> None:
        self.parsed.pop(uri, None)
        with self.lock:
            for key in [k for k in self.jedi_results if k[0] == uri]:
                del self.jedi_results[key]

    def _remember(self, key: JediKey, value: str | None) -> None:
        with self.lock:
            self.jedi_results[key] = value
            self.jedi_results.move_to_end(key)
            while len(self.jedi_results) > 512:
                self.jedi_results.popitem(last=False)

    def _run_jedi(
        self, job: _Job, source: str, path: str | None, line: int, col: int
    ) -> str | None:
        if job.abandoned and job.key != self.latest:
            return None  # nobody waits for it and a newer hover came: skip the work
        self.running = job.key
        try:
            result = symbols.symbol_markdown(source, path, line, col)
        except Exception:
            logger.exception("jedi failed at %s:%s:%s", path, line, col)
            result = None
        finally:
            self.running = None
        self._remember(job.key, result)
        return result

    async def jedi(
        self, key: JediKey, source: str, path: str | None, line: int, col: int, budget_s: float
    ) -> str | None:
        """jedi's answer if it comes within the budget, else None (kept for next time)."""
        with self.lock:
            if key in self.jedi_results:
                return self.jedi_results[key]
        self.latest = key
        job = _Job(key)
        busy = self.running is not None
        future = self.pool.submit(self._run_jedi, job, source, path, line, col)
        if busy:  # jedi is still on an earlier question: ours cannot start within the budget
            job.abandoned = True
            return None
        waiter = asyncio.wrap_future(future)
        done, _ = await asyncio.wait({waiter}, timeout=budget_s)
        if not done:
            job.abandoned = True
            return None
        return waiter.result()

    def warm(self, source: str, path: str | None) -> None:
        self.pool.submit(symbols.warm, source, path)


def top_level_span(lines: Sequence[str], index: int) -> tuple[int, int]:
    """The 0-based [start, end) lines of the top-level statement around line ``index``:
    from the nearest code line at column 0 (with its decorators) to the next one."""

    clause = re.compile(r"(else|elif|except|finally)\b")

    def starts_statement(text: str) -> bool:
        return bool(text) and not text[0].isspace() and not text.startswith(("#", ")", "]", "}"))

    start = index
    while start > 0 and (not starts_statement(lines[start]) or clause.match(lines[start])):
        start -= 1
    while start > 0 and lines[start - 1].startswith("@"):
        start -= 1
    end = index + 1
    while end < len(lines) and not starts_statement(lines[end]):
        end += 1
    while end < len(lines) and clause.match(lines[end]):
        end += 1
        while end < len(lines) and not starts_statement(lines[end]):
            end += 1
    return start, end


def explain_large(lines: Sequence[str], line: int, col: int, language: str) -> Any:
    """Explain from the enclosing top-level statement alone (see LARGE_DOCUMENT_LINES)."""
    start, end = top_level_span(lines, line - 1)
    piece = "".join(lines[start:end])
    parsed = parse(piece)
    if parsed is None:
        return explain_fragment(piece, line - start, col, language)
    return explain_at(parsed, line - start, col, language)


def word_start(text: str, col: int) -> int:
    """Start of the identifier around ``col`` (or ``col``): hovers anywhere on a name share
    one jedi answer."""
    start = min(col, len(text))
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    return start


def _path_of(uri: str, document: Any) -> str | None:
    path = getattr(document, "path", None)
    return path if uri.startswith("file:") and path else None


async def build_hover(
    ls: ProsepyServer, params: types.HoverParams, service: HoverService
) -> str | None:
    """The hover's markdown for a position, or None when there is nothing to say."""
    uri = params.text_document.uri
    document = ls.workspace.get_text_document(uri)
    source = document.source
    position = document.position_from_client_units(params.position)
    line, col = position.line + 1, position.character
    language = language_of(ls)
    explanation = None
    try:
        large = len(document.lines) > LARGE_DOCUMENT_LINES
        parsed = None if large else service.parse(uri, document.version, source)
        if large:
            result = explain_large(document.lines, line, col, language)
        elif parsed is not None:
            result = explain_at(parsed, line, col, language)
        else:
            result = explain_fragment(source, line, col, language)
        explanation = result.markdown() if result else None
    except Exception:
        logger.exception("explaining %s:%s:%s failed", uri, line, col)
    symbol = None
    budget = ls.settings.explain.jedi_budget_ms / 1000
    line_text = document.lines[position.line] if position.line < len(document.lines) else ""
    version = document.version if document.version is not None else hash(source)
    key: JediKey = (uri, version, line, word_start(line_text, col))
    try:
        symbol = await service.jedi(key, source, _path_of(uri, document), line, col, budget)
    except Exception:
        logger.exception("jedi hover failed")
    extras: list[str] = []
    for provider in list(ls.hover_providers):
        try:
            text = provider(ls, params)
            if text:
                extras.append(str(text))
        except Exception:
            logger.exception("hover provider %r failed", provider)
    return symbols.compose(explanation, symbol, extras)


def register(server: ProsepyServer) -> None:
    # jedi works on a thread for up to seconds; with the default 5 ms switch interval the event
    # loop can wait that long for the GIL at every wake-up, which shows in every request.
    sys.setswitchinterval(0.001)
    service = HoverService()

    def on_open(params: types.DidOpenTextDocumentParams) -> None:
        doc = params.text_document
        if doc.language_id in ("python", "") and doc.uri.startswith("file:"):
            document = server.workspace.get_text_document(doc.uri)
            if len(document.lines) > LARGE_DOCUMENT_LINES:
                return  # hovers there read one statement at a time
            # Parse now (the first hover then costs well under a millisecond) and let jedi
            # read the file on its thread meanwhile.
            service.parse(doc.uri, document.version, document.source)
            service.warm(doc.text, _path_of(doc.uri, document))

    server.on_document("open", on_open)
    server.on_document("close", lambda params: service.forget(params.text_document.uri))

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: ProsepyServer, params: types.HoverParams) -> types.Hover | None:
        try:
            text = await build_hover(ls, params, service)
        except Exception:
            logger.exception("hover failed")
            return None
        if not text:
            return None
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text))
