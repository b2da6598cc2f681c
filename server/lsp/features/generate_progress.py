"""``window/workDoneProgress/create``, ``$/progress`` and ``window/workDoneProgress/cancel``
for a generation: elapsed time and tokens so far, with a cancel button wired to the model.

Used by ``generate.py``; not a feature of its own (``register`` does nothing).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import TYPE_CHECKING

from lsprotocol import types

from prosepy.server.models.base import CancelToken

if TYPE_CHECKING:
    from prosepy.server.lsp.server import ProsepyServer

logger = logging.getLogger(__name__)


class GenerationProgress:
    """Reports a running generation; counts tokens from the model's thread."""

    def __init__(self, ls: ProsepyServer, title: str, cancel: CancelToken) -> None:
        self.ls = ls
        self.title = title
        self.cancel = cancel
        self.tokens = 0
        self.start = time.monotonic()
        self.token: str | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._last = ""

    def on_token(self, _piece: str) -> None:
        """Called on the model's thread for each token (an int increment is thread-safe)."""
        self.tokens += 1

    def _supported(self) -> bool:
        caps = self.ls.client_capabilities
        return bool(caps and caps.window and caps.window.work_done_progress)

    async def begin(self) -> None:
        if not self._supported():
            return
        token = f"prosepy-generate-{uuid.uuid4()}"
        try:
            await asyncio.wait_for(self.ls.work_done_progress.create_async(token), 5)
        except Exception as exc:  # the client may refuse; generation goes on without progress
            logger.info("client refused work done progress: %s", exc)
            return
        self.token = token
        future = self.ls.work_done_progress.tokens.get(token)
        if future is not None:
            future.add_done_callback(lambda _f: self.cancel.cancel("cancelled by the user"))
        self.ls.work_done_progress.begin(
            token,
            types.WorkDoneProgressBegin(
                title=self.title,
                cancellable=True,
                message="waiting for the model (loading if needed)",
            ),
        )
        self._ticker = asyncio.ensure_future(self._tick())

    def message(self) -> str:
        elapsed = time.monotonic() - self.start
        if self.tokens == 0:
            return f"waiting for the model (loading if needed) · {elapsed:.1f} s"
        return f"{self.tokens} tokens · {elapsed:.1f} s"

    async def _tick(self) -> None:
        while self.token is not None:
            text = self.message()
            if text != self._last:
                self._last = text
                self.ls.work_done_progress.report(
                    self.token, types.WorkDoneProgressReport(message=text)
                )
            await asyncio.sleep(0.5)

    def end(self, message: str) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
        if self.token is None:
            return
        token, self.token = self.token, None
        try:
            self.ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message=message))
        finally:
            self.ls.work_done_progress.tokens.pop(token, None)


def register(server: ProsepyServer) -> None:
    """Nothing to register: ``generate`` uses ``GenerationProgress`` directly."""
