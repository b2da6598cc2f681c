"""``textDocument/hover``: the plain-language explanation, jedi's signature and docs, and
whatever other features add (``ls.hover_providers``: run output, run-error explanations).

The explanation is computed on the event loop (parse trees are cached per document
version; a hover costs well under a millisecond). jedi runs in a worker process
(``prosepy.explain.symbols``) that analyses the open documents' names ahead of time,
nearest the last hover first, and again when typing pauses; the hover reads its answer
from memory. A name the worker has not reached yet is asked of it before anything else,
and the hover waits up to ``explain.jediBudgetMs``; past that it says the signature is
loading (and what jedi is busy with), and the next hover there shows it.
"""

from __future__ import annotations

import asyncio
import atexit
import keyword
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from prosepy.explain import Parsed, explain_at, explain_fragment, parse, symbols
from prosepy.explain.slicing import LARGE_DOCUMENT_LINES, explain_large
from prosepy.explain.symbols.client import Answer, SymbolService
from prosepy.explain.symbols.index import Edit
from prosepy.server.lsp.providers import CodeActionProvider

if TYPE_CHECKING:
    from prosepy.server.config import Settings
    from prosepy.server.lsp.server import ProsepyServer

logger = logging.getLogger(__name__)

#: The worker gets a document's new text once typing has paused this long.
TYPING_PAUSE_S = 0.3
#: How long a hover waits for the answers an earlier session kept for its file while they
#: are read, when the file has just opened (tens of milliseconds for a large module; more
#: on a busy machine, where the first hover said "loading" although they were on disk).
KEPT_WAIT_S = 1.0
#: Parse trees kept, of open and recently closed documents.
MAX_PARSED = 16
#: Sent when jedi has analysed every name of a document: hovers there need not wait.
READY_NOTIFICATION = "prosepy/symbolsReady"


def language_of(ls: ProsepyServer) -> str:
    """The explanation language: the setting, or the client's locale when it is "auto"."""
    chosen = ls.settings.explain.language
    if chosen != "auto":
        return chosen
    return "zh" if (ls.client_locale or "").lower().startswith("zh") else "en"


@dataclass
class HoverService:
    """Per-document parse cache, and jedi's answers through the worker process."""

    symbols: SymbolService = field(default_factory=SymbolService)
    #: uri -> (version, hash of the text, its parse); closed documents' stay a while
    parsed: OrderedDict[str, tuple[Any, int, Parsed | None]] = field(default_factory=OrderedDict)
    typing_timers: dict[str, asyncio.TimerHandle] = field(default_factory=dict)

    def parse(self, uri: str, version: Any, source: str) -> Parsed | None:
        """The document's parse, made once per text: a file opened again as it was (a new
        version, the same text) is not parsed again on the event loop."""
        cached = self.parsed.get(uri)
        if cached is not None and cached[0] == version and version is not None:
            return cached[2]
        digest = hash(source)
        if cached is not None and cached[1] == digest:
            self.parsed[uri] = (version, digest, cached[2])
            return cached[2]
        result = parse(source)
        self.parsed[uri] = (version, digest, result)
        self.parsed.move_to_end(uri)
        while len(self.parsed) > MAX_PARSED:
            self.parsed.popitem(last=False)
        return result

    def forget(self, uri: str) -> None:
        timer = self.typing_timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        self.symbols.closed(uri)


def word_start(text: str, col: int) -> int:
    """Start of the identifier around ``col`` (or ``col``): hovers anywhere on a name share
    one jedi answer."""
    start = min(col, len(text))
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    return start


def word_at(text: str, start: int) -> str:
    end = start
    while end < len(text) and (text[end].isalnum() or text[end] == "_"):
        end += 1
    return text[start:end]


def _path_of(uri: str, document: Any) -> str | None:
    path = getattr(document, "path", None)
    return path if uri.startswith("file:") and path else None


def edits_of(changes: Any) -> list[Edit] | None:
    """LSP content changes as line edits; None when one replaces the whole text."""
    out = []
    for change in changes:
        if not isinstance(change, types.TextDocumentContentChangePartial):
            return None
        text = change.text
        breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
        out.append(Edit(change.range.start.line, change.range.end.line, breaks + 1))
    return out


_LOADING = {
    "en": "⏳ *The signature and docs of `{name}` are loading{why}; hover again in a moment.*",
    "zh": "⏳ *`{name}` 的签名和文档正在加载{why}，稍后再悬停即可看到。*",
}
_BUSY = {
    "en": {
        "starting": "jedi is starting",
        "environment": "jedi is loading the Python environment {subject}",
        "reading": "jedi is reading {subject} ({lines:,} lines)",
        "name": "jedi is working out `{subject}` in {where}",
    },
    "zh": {
        "starting": "jedi 正在启动",
        "environment": "jedi 正在加载 Python 环境 {subject}",
        "reading": "jedi 正在读取 {subject}（{lines:,} 行）",
        "name": "jedi 正在分析 {where} 中的 `{subject}`",
    },
}


def loading_note(name: str, busy: dict[str, Any] | None, language: str) -> str:
    """What the hover says when jedi's answer is not ready within the budget."""
    why = ""
    if busy and busy.get("kind") in _BUSY["en"]:
        try:
            why = _BUSY[language][busy["kind"]].format(**{"lines": 0, "where": "", **busy})
        except (KeyError, ValueError):
            why = ""
    if why:
        why = (": " if language == "en" else "：") + why
    return _LOADING[language].format(name=name or "…", why=why)


def explanation_at(
    service: HoverService, uri: str, document: Any, line: int, col: int, language: str
) -> str | None:
    """The plain-language explanation at 1-based ``line``, 0-based character ``col``."""
    source = document.source
    if len(document.lines) > LARGE_DOCUMENT_LINES:
        result = explain_large(document.lines, line, col, language)
    else:
        parsed = service.parse(uri, document.version, source)
        if parsed is not None:
            result = explain_at(parsed, line, col, language)
        else:
            result = explain_fragment(source, line, col, language)
    return result.markdown() if result else None


async def symbol_section(
    ls: ProsepyServer,
    service: HoverService,
    uri: str,
    document: Any,
    line: int,
    col: int,
    language: str,
    started: float | None = None,
) -> str | None:
    """jedi's section: from memory, else from the worker within the budget, else a note.
    The budget counts from ``started`` (when the hover began: the explanation's time is
    part of what the user waits for)."""
    lines = document.lines
    text = lines[line].rstrip("\r\n") if line < len(lines) else ""
    start = word_start(text, col)
    name = word_at(text, start)
    if not name or name[0].isdigit() or keyword.iskeyword(name):
        return None  # the explanation describes the statement; jedi has no definition here
    if uri not in service.symbols.docs:
        return None  # not a Python document the workers follow
    version = document.version
    path = _path_of(uri, document)
    answer = service.symbols.lookup(uri, version, line, start)
    reading = None if answer.known else service.symbols.reading_kept(uri)
    if reading is not None:  # the file's kept answers are being read: on disk, no jedi
        try:
            await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(reading)), KEPT_WAIT_S)
        except TimeoutError:
            pass
        answer = service.symbols.lookup(uri, version, line, start)
    if answer.known:
        service.symbols.focus(uri, line, start if answer.provisional else None)
        return service.symbols.section(answer, path, language)
    budget = ls.settings.explain.jedi_budget_ms / 1000
    if started is not None:
        budget = max(0.0, started + budget - time.monotonic())
    future = service.symbols.request(uri, version, line, start, document.source)
    try:
        answer = await asyncio.wait_for(asyncio.wrap_future(future), budget)
    except TimeoutError:
        answer = Answer(False)
    if answer.known:
        return service.symbols.section(answer, path, language)
    if not service.symbols.alive():
        return None  # no worker (it could not start): the hover goes on without jedi
    return loading_note(name, service.symbols.busy, language)


async def build_hover(
    ls: ProsepyServer, params: types.HoverParams, service: HoverService
) -> str | None:
    """The hover's markdown for a position, or None when there is nothing to say."""
    started = time.monotonic()
    uri = params.text_document.uri
    document = ls.workspace.get_text_document(uri)
    position = document.position_from_client_units(params.position)
    line, col = position.line, position.character
    language = language_of(ls)
    explanation = None
    try:
        explanation = explanation_at(service, uri, document, line + 1, col, language)
    except Exception:
        logger.exception("explaining %s:%s:%s failed", uri, line + 1, col)
    symbol = None
    try:
        symbol = await symbol_section(ls, service, uri, document, line, col, language, started)
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


class CursorFocus(CodeActionProvider):
    """Offers no action. Clients ask for code actions wherever the cursor moves (VS Code
    does, for its light bulb), which says where the user reads: jedi's background worker
    analyses the names there first."""

    name = "hover-cursor"

    def __init__(self, service: HoverService) -> None:
        self.service = service

    def actions(self, ls: ProsepyServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        self.service.symbols.focus(params.text_document.uri, params.range.start.line)
        return []


def _configure(server: ProsepyServer, service: HoverService) -> None:
    settings = server.settings
    root = server.workspace.root_path if server.workspace else None
    explain = settings.explain
    service.symbols.configure(
        settings.run.python, root, explain.runtime_docs, explain.workspace_files
    )


def register(server: ProsepyServer) -> None:
    """Start the jedi worker and follow settings and documents; serve hovers."""
    service = HoverService()

    def text_of(uri: str) -> str | None:
        try:
            return server.workspace.get_text_document(uri).source
        except Exception:
            return None

    service.symbols.text_of = text_of
    service.symbols.start()  # jedi loads while the client initializes
    atexit.register(service.symbols.stop)
    loop: list[asyncio.AbstractEventLoop] = []

    def remember_loop() -> None:
        """The event loop, for the workers' reader threads' messages to the client: known
        from the first settings or document, whichever comes first (a warning about
        ``run.python`` can come before any document opens)."""
        if not loop:
            try:
                loop.append(asyncio.get_running_loop())
            except RuntimeError:  # called outside the event loop
                pass

    def environment_changed(message: dict[str, Any]) -> None:
        if message.get("error") and loop:
            text = (
                f"prosepy: hover docs use the server's Python instead of run.python: "
                f"{message['error']}"
            )
            loop[0].call_soon_threadsafe(server.show_message, text, types.MessageType.Warning)

    service.symbols.on_environment = environment_changed

    def analysed(uri: str, version: Any) -> None:
        # For clients that show it (and tests): every name's docs are ready for hovers.
        if loop:
            loop[0].call_soon_threadsafe(
                server.protocol.notify, READY_NOTIFICATION, {"uri": uri, "version": version}
            )

    service.symbols.on_analysed = analysed

    def settings_changed(old: Settings, new: Settings) -> None:
        remember_loop()
        _configure(server, service)  # a no-op unless one of its settings changed

    server.on_settings_changed(settings_changed)

    def on_open(params: types.DidOpenTextDocumentParams) -> None:
        doc = params.text_document
        if doc.language_id not in ("python", ""):
            return
        remember_loop()
        if not service.symbols.configured:  # no settings came before the first document
            _configure(server, service)
        document = server.workspace.get_text_document(doc.uri)
        if len(document.lines) <= LARGE_DOCUMENT_LINES:
            service.parse(doc.uri, document.version, document.source)  # the first hover is cheap
        service.symbols.opened(doc.uri, _path_of(doc.uri, document), doc.version, doc.text)

    def on_change(params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri not in service.symbols.docs:
            return
        version = params.text_document.version
        service.symbols.changed(uri, version, edits_of(params.content_changes))
        timer = service.typing_timers.pop(uri, None)
        if timer is not None:
            timer.cancel()

        def typing_paused() -> None:
            service.typing_timers.pop(uri, None)
            try:
                document = server.workspace.get_text_document(uri)
            except Exception:
                return
            service.symbols.sync(uri, document.version, document.source)

        service.typing_timers[uri] = asyncio.get_running_loop().call_later(
            TYPING_PAUSE_S, typing_paused
        )

    server.add_code_action_provider(CursorFocus(service))
    server.on_document("open", on_open)
    server.on_document("change", on_change)
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
