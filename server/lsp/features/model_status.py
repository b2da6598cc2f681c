"""``prosepy/modelStatus`` notifications and ``$/progress`` while the model loads; the
``prosepy.modelStatus`` and ``prosepy.loadModel`` commands.

The model manager (``ls.services.models``) reports every state change from whatever thread
it runs on; this feature moves each report onto the event loop and sends:

- ``prosepy/modelStatus`` ``{"state", "detail", "model", "tokens"}`` on every change (the
  VS Code status bar shows it);
- work-done progress begin/end around a load, when the client supports it.

Nothing is sent before ``initialized``. With ``model.loadAtStart`` the model loads in the
background after ``initialized`` and whenever the model settings change. Model work never
runs on the event loop.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import TYPE_CHECKING, Any

from prosepy.server.config import Settings
from prosepy.server.lsp.progress import work_done
from prosepy.server.models.base import ModelError
from prosepy.server.models.manager import ModelStatus

if TYPE_CHECKING:
    from prosepy.server.lsp.server import ProsepyServer

logger = logging.getLogger(__name__)

NOTIFICATION = "prosepy/modelStatus"
COMMAND_STATUS = "prosepy.modelStatus"
COMMAND_LOAD = "prosepy.loadModel"


class StatusForwarder:
    """Turns manager status reports (any thread) into notifications (event loop only)."""

    def __init__(self, ls: ProsepyServer) -> None:
        self.ls = ls
        #: Set at ``initialized``: reports before then are not sent.
        self.loop: asyncio.AbstractEventLoop | None = None
        #: Set while a load's progress is shown; holds the end message once it is over.
        self._loaded: asyncio.Future[str] | None = None

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
        except Exception:  # a closed pipe must not take the model down
            logger.debug("could not send model status", exc_info=True)
        if status.state == "loading" and self._loaded is None:
            self._loaded = asyncio.get_running_loop().create_future()
            asyncio.ensure_future(self._show_load(status, self._loaded))
        elif status.state != "loading" and self._loaded is not None:
            message = status.detail if status.state != "error" else "failed: " + status.detail
            self._loaded.set_result(message)
            self._loaded = None

    async def _show_load(self, status: ModelStatus, loaded: asyncio.Future[str]) -> None:
        async with work_done(
            self.ls, "prosepy: loading model", message=status.model, prefix="prosepy-model"
        ) as progress:
            progress.end_message = await loaded


def load_in_background(ls: ProsepyServer) -> asyncio.Future[None]:
    """Start loading on a worker thread; failures become an error status, never a crash."""
    manager = ls.services.models

    async def run() -> None:
        try:
            await asyncio.to_thread(manager.get)
        except ModelError as exc:
            logger.warning("model did not load: %s", exc)

    return asyncio.ensure_future(run())


def register(server: ProsepyServer) -> None:
    forwarder = StatusForwarder(server)
    server.services.model_status_listeners.append(forwarder)

    def initialized() -> None:
        forwarder.loop = asyncio.get_running_loop()
        forwarder(server.services.models.status)  # the client learns the starting state
        if server.settings.model.load_at_start:
            load_in_background(server)

    def settings_changed(old: Settings, new: Settings) -> None:
        started = forwarder.loop is not None
        if started and new.model.load_at_start and new.model != old.model:
            load_in_background(server)

    server.on_initialized(initialized)
    server.on_settings_changed(settings_changed)

    # Command handlers annotate ``ls`` as Any: pygls resolves their type hints at run time,
    # where ProsepyServer (imported for type checking only) is not defined.
    @server.command(COMMAND_STATUS)
    def model_status(ls: Any, *args: Any) -> dict[str, Any]:
        return dataclasses.asdict(ls.services.models.status)

    @server.command(COMMAND_LOAD)
    async def load_model(ls: Any, *args: Any) -> dict[str, Any]:
        """Load now (e.g. from a status-bar click); returns the resulting status.

        An explicit request also retries a model process that failed repeatedly."""
        manager = ls.services.models
        manager.reset_failures()
        try:
            await asyncio.to_thread(manager.get)
        except ModelError:
            pass  # the status carries the message and the fix
        return dataclasses.asdict(manager.status)
