"""Work-done progress: ``window/workDoneProgress/create``, ``$/progress`` begin/report/end, and
``window/workDoneProgress/cancel`` wired to a :class:`CancelToken`.

One helper for everything that shows progress (a generation, a model explanation, a model
load)::

    async with work_done(ls, "prosepy: explaining", cancel=cancel) as progress:
        progress.keep_reporting(lambda: f"{tokens} tokens")
        ...
        progress.end_message = "done"

Clients without work-done progress, or that refuse the token, get nothing and the work goes
on. The end is always sent, after the begin, however the block is left.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

from lsprotocol import types

from prosepy.server.models.base import CancelToken

if TYPE_CHECKING:
    from prosepy.server.lsp.server import ProsepyServer

logger = logging.getLogger(__name__)

#: How long the client may take to accept a progress token before the work goes on without.
CREATE_TIMEOUT_S = 5.0


def supports_progress(ls: ProsepyServer) -> bool:
    caps = ls.client_capabilities
    return bool(caps and caps.window and caps.window.work_done_progress)


class WorkDone:
    """One progress shown by the client; every method is a no-op when there is none."""

    def __init__(self, ls: ProsepyServer) -> None:
        self.ls = ls
        self.token: str | None = None
        #: Sent with the end notification; set it before leaving the ``async with`` block.
        self.end_message = "done"
        self._last = ""
        self._ticker: asyncio.Task[None] | None = None

    def report(self, message: str) -> None:
        """Show ``message`` (unchanged messages are not sent again)."""
        if self.token is None or message == self._last:
            return
        self._last = message
        self.ls.work_done_progress.report(self.token, types.WorkDoneProgressReport(message=message))

    def keep_reporting(self, message: Callable[[], str], interval_s: float = 0.5) -> None:
        """Report ``message()`` every ``interval_s`` until the progress ends."""
        if self.token is None or self._ticker is not None:
            return

        async def tick() -> None:
            while self.token is not None:
                self.report(message())
                await asyncio.sleep(interval_s)

        self._ticker = asyncio.ensure_future(tick())

    async def _begin(
        self, title: str, message: str | None, cancel: CancelToken | None, prefix: str
    ) -> None:
        if not supports_progress(self.ls):
            return
        token = f"{prefix}-{uuid.uuid4().hex[:12]}"
        try:
            await asyncio.wait_for(self.ls.work_done_progress.create_async(token), CREATE_TIMEOUT_S)
        except Exception as exc:  # the client may refuse; the work goes on without progress
            logger.info("client refused work done progress: %s", exc)
            return
        self.token = token
        future = self.ls.work_done_progress.tokens.get(token)
        if future is not None and cancel is not None:
            future.add_done_callback(lambda _f: cancel.cancel("cancelled by the user"))
        self._last = message or ""
        self.ls.work_done_progress.begin(
            token,
            types.WorkDoneProgressBegin(
                title=title, cancellable=cancel is not None, message=message
            ),
        )

    def _end(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
        if self.token is None:
            return
        token, self.token = self.token, None
        try:
            self.ls.work_done_progress.end(
                token, types.WorkDoneProgressEnd(message=self.end_message)
            )
        except Exception:  # a closed pipe must not turn finished work into a failure
            logger.debug("could not end progress %s", token, exc_info=True)
        finally:
            self.ls.work_done_progress.tokens.pop(token, None)


@contextlib.asynccontextmanager
async def work_done(
    ls: ProsepyServer,
    title: str,
    *,
    message: str | None = None,
    cancel: CancelToken | None = None,
    prefix: str = "prosepy",
) -> AsyncIterator[WorkDone]:
    """Progress for the block; cancellable (the client's cancel sets ``cancel``) if given one.

    Leaving by ``asyncio.CancelledError`` also sets ``cancel`` (the model stops between tokens)
    and ends with "cancelled"; another exception ends with "failed", unless the block set
    ``end_message`` itself.
    """
    progress = WorkDone(ls)
    await progress._begin(title, message, cancel, prefix)
    default = progress.end_message
    try:
        yield progress
    except asyncio.CancelledError:  # $/cancelRequest, or the server shutting down
        if cancel is not None:
            cancel.cancel("request cancelled")
        if progress.end_message == default:
            progress.end_message = "cancelled"
        raise
    except Exception:
        if progress.end_message == default:
            progress.end_message = "failed"
        raise
    finally:
        progress._end()
