"""The prosepy language server object: settings, shared services, events and providers.

Features live one per module in ``prosepy.server.lsp.features`` (listed in ``FEATURES``
there); :func:`build_server` creates the server, its services (``services.py``) and
registers every feature. This module only holds what features share.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, overload

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from prosepy.server import __version__
from prosepy.server.config import Settings, parse_settings
from prosepy.server.lsp.protocol import ProsepyProtocol
from prosepy.server.lsp.providers import CodeActionProvider, CodeLensProvider, HoverProvider

if TYPE_CHECKING:
    from prosepy.server.lsp.services import Services

logger = logging.getLogger("prosepy")

SettingsListener = Callable[[Settings, Settings], None]
DocumentEvent = Literal["open", "change", "close"]


class ClientLogHandler(logging.Handler):
    """Sends log records to the client as ``window/logMessage``, else to ``fallback``.

    Over stdio the client shows the server's stderr in the same place as its log messages,
    so a record goes to exactly one of them: the client once it is connected, stderr
    before that (start-up errors) or when sending fails.
    """

    _LEVELS = (
        (logging.ERROR, types.MessageType.Error),
        (logging.WARNING, types.MessageType.Warning),
        (logging.INFO, types.MessageType.Info),
    )

    def __init__(self, server: ProsepyServer, fallback: logging.Handler | None) -> None:
        super().__init__()
        self.server = server
        self.fallback = fallback
        self._sending = threading.local()

    def emit(self, record: logging.LogRecord) -> None:
        # a record logged while sending one (a broken pipe, say) must not loop back here
        if self.server.protocol.writer is None or getattr(self._sending, "active", False):
            self._fall_back(record)
            return
        self._sending.active = True
        try:
            kind = next(
                (kind for level, kind in self._LEVELS if record.levelno >= level),
                types.MessageType.Debug,
            )
            self.server.window_log_message(
                types.LogMessageParams(type=kind, message=self.format(record))
            )
        except Exception:  # logging must never take the server down
            self._fall_back(record)
        finally:
            self._sending.active = False

    def _fall_back(self, record: logging.LogRecord) -> None:
        if self.fallback is not None and record.levelno >= self.fallback.level:
            self.fallback.handle(record)


class ProsepyServer(LanguageServer):
    """pygls server carrying prosepy's settings, shared services, events and providers."""

    #: The helpers features share (model, sandbox, generation, run results), set by
    #: :func:`build_server` before any feature registers.
    services: Services

    def __init__(self) -> None:
        super().__init__("prosepy", __version__, protocol_cls=ProsepyProtocol)
        self.settings = Settings()
        self.client_locale: str | None = None
        self._settings_listeners: list[SettingsListener] = []
        #: Callbacks for document events; didOpen/didChange/didClose have one handler each in
        #: pygls, so features subscribe here instead of registering those methods themselves.
        self.document_listeners: dict[DocumentEvent, list[Callable[[Any], object]]] = {
            "open": [],
            "change": [],
            "close": [],
        }
        #: Called once the client sent ``initialized`` and the settings were pulled.
        self.initialized_listeners: list[Callable[[], None]] = []
        #: Several features contribute to one LSP method; pygls allows one handler per method,
        #: so the aggregating feature modules (hover, code_lens, code_actions) call these.
        self.hover_providers: list[HoverProvider] = []
        self.code_lens_providers: list[CodeLensProvider] = []
        self.code_action_providers: dict[str, CodeActionProvider] = {}
        self._diagnostics: dict[str, dict[str, list[types.Diagnostic]]] = {}

    # -- settings -------------------------------------------------------------------------
    def apply_settings(self, raw: Any, source: str) -> list[str]:
        """Validate and apply raw settings; report problems to the user, keep defaults."""
        settings, errors = parse_settings(raw)
        old = self.settings
        self.settings = settings
        if errors:
            text = f"prosepy: invalid settings in {source} (defaults used): " + "; ".join(errors)
            logger.warning(text)
            self.show_message(text, types.MessageType.Warning)
        for listener in self._settings_listeners:
            try:
                listener(old, settings)
            except Exception:
                logger.exception("settings listener failed")
        logger.debug("settings from %s applied: %s", source, raw)
        return errors

    def on_settings_changed(self, listener: SettingsListener) -> None:
        """Call ``listener(old, new)`` whenever settings are replaced."""
        self._settings_listeners.append(listener)

    @overload
    def on_document(
        self, event: Literal["open"], listener: Callable[[types.DidOpenTextDocumentParams], object]
    ) -> None: ...
    @overload
    def on_document(
        self,
        event: Literal["change"],
        listener: Callable[[types.DidChangeTextDocumentParams], object],
    ) -> None: ...
    @overload
    def on_document(
        self,
        event: Literal["close"],
        listener: Callable[[types.DidCloseTextDocumentParams], object],
    ) -> None: ...
    def on_document(self, event: DocumentEvent, listener: Callable[[Any], object]) -> None:
        """Subscribe ``listener(params)`` to "open", "change" or "close" of a text document."""
        self.document_listeners[event].append(listener)

    def emit_document(self, event: DocumentEvent, params: Any) -> None:
        for listener in self.document_listeners[event]:
            try:
                listener(params)
            except Exception:
                logger.exception("document %s listener failed", event)

    def on_initialized(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` once the session is initialized and the settings are in."""
        self.initialized_listeners.append(listener)

    def emit_initialized(self) -> None:
        for listener in self.initialized_listeners:
            try:
                listener()
            except Exception:
                logger.exception("initialized listener failed")

    # -- providers ------------------------------------------------------------------------
    def add_code_action_provider(self, provider: CodeActionProvider) -> None:
        """Offer ``provider``'s actions in ``textDocument/codeAction`` (see providers.py)."""
        self.code_action_providers[provider.name] = provider

    def publish_diagnostics(
        self, uri: str, source: str, diagnostics: list[types.Diagnostic], version: int | None = None
    ) -> None:
        """Publish ``source``'s diagnostics for ``uri`` merged with other sources' for it.

        ``publishDiagnostics`` replaces everything a client shows for a document, so the
        review of generated code and the errors of a run must be sent together.
        """
        per_source = self._diagnostics.setdefault(uri, {})
        if diagnostics:
            per_source[source] = list(diagnostics)
        else:
            per_source.pop(source, None)
        merged = [d for items in per_source.values() for d in items]
        if not per_source:  # nothing left for this document: keep no entry (closed files)
            del self._diagnostics[uri]
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=merged, version=version)
        )

    def diagnostics_of(self, uri: str, source: str) -> list[types.Diagnostic]:
        return list(self._diagnostics.get(uri, {}).get(source, []))

    def forget_diagnostics(self, uri: str) -> None:
        self._diagnostics.pop(uri, None)

    # -- messages -------------------------------------------------------------------------
    def show_message(self, text: str, kind: types.MessageType = types.MessageType.Info) -> None:
        self.window_show_message(types.ShowMessageParams(type=kind, message=text))

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Unreadable messages get a JSON-RPC error; other errors are logged, not shown."""
        from pygls.exceptions import JsonRpcException

        if source is JsonRpcException and isinstance(self.protocol, ProsepyProtocol):
            self.protocol.report_unreadable(error)
            return
        logger.error("server error (%s): %s", getattr(source, "__name__", source), error)


def build_server() -> ProsepyServer:
    """Create the server and its services, and register every feature."""
    # (imported here: feature modules import this one for ProsepyServer)
    from prosepy.server.lsp.features import FEATURES
    from prosepy.server.lsp.services import build_services

    server = ProsepyServer()
    server.services = build_services(server)
    for feature in FEATURES:
        feature.register(server)
    return server


LOG_LEVELS = {
    "error": logging.ERROR,
    "warning": logging.WARNING,
    "info": logging.INFO,
    "debug": logging.DEBUG,
}


def set_log_level(level: str) -> None:
    """Make prosepy's loggers (and the libraries' warnings) follow ``level``."""
    number = LOG_LEVELS.get(level, logging.INFO)
    logging.getLogger().setLevel(min(number, logging.WARNING))
    logging.getLogger("prosepy").setLevel(number)


def configure_logging(server: ProsepyServer, level: str = "info", stdio: bool = True) -> None:
    """Log to the client and, where it is not the client's own log, to stderr.

    stdout is reserved for the protocol. Over stdio each record is written once: to the client
    when it is connected, else to stderr. Over TCP stderr is the terminal that started the
    server, so it gets every record as well. ``level`` holds until the client's
    ``logLevel`` setting arrives; later changes of that setting apply at once.
    """
    root = logging.getLogger()
    stderr = logging.StreamHandler()
    stderr.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    client = ClientLogHandler(server, fallback=stderr if stdio else None)
    client.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    root.handlers[:] = [client] if stdio else [client, stderr]
    set_log_level(level)
    logging.getLogger("pygls").setLevel(logging.WARNING)
    server.on_settings_changed(lambda old, new: set_log_level(new.log_level))
