"""``prosepy/modelStatus`` notifications and ``$/progress`` while the model loads.

The model core (``prosepy.server.models.manager``) reports every state change from whatever thread
it runs on; this adapter moves each report onto the event loop and sends:

- ``prosepy/modelStatus`` ``{"state", "detail", "model", "tokens"}`` on every change (the
  VS Code status bar shows it);
- ``window/workDoneProgress/create`` + ``$/progress`` begin/end around a load, when the
  client supports work-done progress.

``get_models(ls)`` creates the manager lazily in ``ls.services["models"]`` and keeps it in
step with settings. With ``model.loadAtStart`` the model loads in the background after
``initialized`` (this module chains onto the ``initialized`` handler registered by the
lifecycle feature, since pygls takes one handler per method). Model work never runs on the
event loop.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import uuid
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from prosepy.server.config import Settings
from prosepy.server.models.base import ModelError
from prosepy.server.models.manager import ModelManager, ModelStatus

if TYPE_CHECKING:
    from prosepy.server.lsp.server import ProsepyServer

logger = logging.getLogger(__name__)

NOTIFICATION = "prosepy/modelStatus"
COMMAND_STATUS = "prosepy.modelStatus"
COMMAND_LOAD = "prosepy.loadModel"


class _StatusForwarder:
    """Turns manager status reports (any thread) into notifications (event loop only)."""

    def __init__(self, ls: ProsepyServer) -> None:
        self.ls = ls
        self.loop: asyncio.AbstractEventLoop | None = None
        self.progress_token: str | None = None
        self._begun: asyncio.Future[None] | None = None

    def __call__(self, status: ModelStatus) -> None:
        loop = self.loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._send(status)
        else:
            loop.call_soon_threadsafe(self._send, status)

    def _send(self, status: ModelStatus) -> None:
        if self.ls.protocol.writer is None:
            return
        try:
            self.ls.protocol.notify(NOTIFICATION, dataclasses.asdict(status))
            self._progress(status)
        except Exception:  # a closed pipe must not take the model down
            logger.debug("could not send model status", exc_info=True)

    def _progress(self, status: ModelStatus) -> None:
        """begin/end around a load; end is always sent after the create and the begin."""
        if status.state == "loading" and self.progress_token is None:
            if not _supports_progress(self.ls):
                return
            token = f"prosepy-model-{uuid.uuid4().hex[:8]}"
            self.progress_token = token
            self._begun = asyncio.ensure_future(self._begin(token, status))
        elif status.state != "loading" and self.progress_token is not None:
            token, self.progress_token = self.progress_token, None
            message = status.detail if status.state != "error" else "failed: " + status.detail
            asyncio.ensure_future(self._end(token, message, self._begun))

    async def _begin(self, token: str, status: ModelStatus) -> None:
        try:
            await self.ls.work_done_progress.create_async(token)
        except Exception as exc:
            logger.debug("client refused progress token: %s", exc)
        self.ls.work_done_progress.begin(
            token,
            types.WorkDoneProgressBegin(
                title="prosepy: loading model", message=status.model, cancellable=False
            ),
        )

    async def _end(self, token: str, message: str, begun: asyncio.Future[None] | None) -> None:
        if begun is not None:
            await asyncio.wait([begun])  # a fast load may end before the client answered
        self.ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message=message))


def _supports_progress(ls: ProsepyServer) -> bool:
    caps = ls.client_capabilities
    return bool(caps and caps.window and caps.window.work_done_progress)


def get_models(ls: ProsepyServer) -> ModelManager:
    """The server's model manager, created on first use and updated with the settings."""
    manager = ls.services.get("models")
    if manager is None:
        forwarder = _StatusForwarder(ls)
        try:
            forwarder.loop = asyncio.get_running_loop()
        except RuntimeError:
            pass
        manager = ModelManager(ls.settings.model, on_status=forwarder)
        ls.services["models"] = manager
        ls.services["models.forwarder"] = forwarder

        def on_settings(old: Settings, new: Settings) -> None:
            manager.update_settings(new.model)
            if new.model.load_at_start and new.model != old.model:
                load_in_background(ls)

        ls.on_settings_changed(on_settings)
    return manager


def load_in_background(ls: ProsepyServer) -> asyncio.Future[Any] | None:
    """Start loading on a worker thread; failures become an error status, never a crash."""
    manager = get_models(ls)
    forwarder = ls.services["models.forwarder"]
    try:
        forwarder.loop = forwarder.loop or asyncio.get_running_loop()
    except RuntimeError:
        return None

    async def run() -> None:
        try:
            await asyncio.to_thread(manager.get)
        except ModelError as exc:
            logger.warning("model did not load: %s", exc)

    return asyncio.ensure_future(run())


def register(server: ProsepyServer) -> None:
    previous = server.protocol.fm.features.get(types.INITIALIZED)

    async def initialized(params: types.InitializedParams) -> None:
        if previous is not None:
            result = previous(params)
            if asyncio.iscoroutine(result):
                await result
        manager = get_models(server)
        forwarder = server.services["models.forwarder"]
        forwarder.loop = asyncio.get_running_loop()  # even if a worker created the manager
        forwarder(manager.status)  # the client learns the starting state
        if server.settings.model.load_at_start:
            load_in_background(server)

    server.protocol.fm.features[types.INITIALIZED] = initialized

    # Command handlers annotate ``ls`` as Any: pygls resolves their type hints at run time,
    # where ProsepyServer (imported for type checking only) is not defined.
    @server.command(COMMAND_STATUS)
    def model_status(ls: Any, *args: Any) -> dict[str, Any]:
        return dataclasses.asdict(get_models(ls).status)

    @server.command(COMMAND_LOAD)
    async def load_model(ls: Any, *args: Any) -> dict[str, Any]:
        """Load now (e.g. from a status-bar click); returns the resulting status."""
        manager = get_models(ls)
        try:
            await asyncio.to_thread(manager.get)
        except ModelError:
            pass  # the status carries the message and the fix
        return dataclasses.asdict(manager.status)
