"""Sessions: one sandboxed interpreter per document, like a notebook kernel (or fresh per run).

:class:`SandboxManager` is the asyncio face of the sandbox and the API the rest of prosepy
uses::

    manager = SandboxManager(settings.run)
    result = await manager.run(key, code, first_line, filename, folder)   # -> RunResult
    result = await manager.run_isolated(code, first_line, filename, folder)  # throwaway
    await manager.cancel(key); await manager.restart(key); await manager.close(key)
    manager.shutdown()

``run`` never raises and never blocks the event loop (the supervisor's blocking I/O runs on a
small thread pool); runs of one ``key`` (a document URI) queue behind each other and share
its variables in ``session`` mode. A session is replaced, with a note in the result saying its
variables were lost, when its interpreter died or was killed, when a run left threads running
(they could change later runs), when settings changed, and before its CPU budget runs out.
``run_isolated`` is for code that must not see or touch any session (generated candidates):
a new interpreter from the warm pool, discarded afterwards.
"""

from __future__ import annotations

import asyncio
import os
import re
import stat
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Literal

from prosepy.server.config import RunSettings
from prosepy.server.sandbox import report
from prosepy.server.sandbox.bwrap import probe_bwrap
from prosepy.server.sandbox.pool import WarmPool
from prosepy.server.sandbox.result import RunResult
from prosepy.server.sandbox.runtime import protocol
from prosepy.server.sandbox.spec import SandboxError, Spec, resolve_python
from prosepy.server.sandbox.supervisor import RunOutcome, Sandbox, new_id
from prosepy.server.sandbox.views import TableWindow, read_window

NOFILE = 256
#: A session's hard CPU limit, in runs of ``run.timeoutS`` (at least 10 minutes).
SESSION_CPU_RUNS = 100
_NEWLINE = re.compile(r"\r\n|\r|\n")


def shared_folder(folder: str | None) -> tuple[str | None, str]:
    """The document's folder if it is safe to expose, else None and the reason."""
    if not folder:
        return None, "the document has no folder on disk, so no files are shared"
    real = os.path.realpath(folder)
    home = os.path.realpath(os.path.expanduser("~"))
    if real == "/" or home == real or home.startswith(real.rstrip("/") + "/"):
        return (
            None,
            f"the document's folder {real} is your home folder or above it, so it is not shared",
        )
    try:
        mode = os.stat(real).st_mode
    except OSError:
        return None, f"the document's folder {real} cannot be read, so it is not shared"
    if mode & stat.S_ISVTX or mode & stat.S_IWOTH:
        return (
            None,
            f"the document's folder {real} is shared by all users (like /tmp), so it is not "
            "shared with the snippet; move the document into a folder of its own to read "
            "files next to it",
        )
    return real, ""


def line_span(code: str, first_line: int) -> tuple[int, int]:
    """The document lines ``code`` covers (lines end at \\r\\n, \\r or \\n only)."""
    breaks = len(_NEWLINE.findall(code))
    count = breaks + (0 if not code or code.endswith(("\n", "\r")) else 1)
    return first_line, first_line + max(1, count) - 1


@dataclass
class _Session:
    box: Sandbox | None = None
    fingerprint: tuple = ()
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    notes: list[str] = field(default_factory=list)
    cancelled: bool = False


class SandboxManager:
    """Runs snippets for documents (keys), keeping a session per key in ``session`` mode."""

    def __init__(self, settings: RunSettings | None = None, namespaces: bool = True) -> None:
        """``namespaces=False`` skips bubblewrap (tests of the in-process layers alone)."""
        self.settings = settings or RunSettings()
        self.namespaces = namespaces
        self.pool = WarmPool()
        self.executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="prosepy-run")
        self.sessions: dict[str, _Session] = {}
        self._isolated = 0

    # -- configuration ----------------------------------------------------------------------
    def spec(self, folder: str | None = None) -> Spec:
        """The interpreter to start for a document in ``folder`` (already :func:`shared_folder`)."""
        if os.name != "posix":
            raise SandboxError(
                "running snippets needs Linux (all layers) or macOS (process limits only); "
                "on Windows, run prosepy inside WSL"
            )
        python = resolve_python(self.settings.python)
        bwrap = self.namespaces and probe_bwrap(python)[0]
        return Spec(
            python=python,
            network=self.settings.allow_network,
            bwrap=bwrap,
            disk_bytes=self.settings.disk_mb * 1024 * 1024,
            folder=folder if bwrap else None,
        )

    def update_settings(self, settings: RunSettings) -> None:
        """New limits apply at the next run; a changed interpreter or network restarts sessions."""
        self.settings = settings

    def prewarm(self, folder: str | None = None) -> None:
        """Start a warm interpreter for a document in ``folder`` (its first run skips start-up)."""
        try:
            self.pool.refill(self.spec(shared_folder(folder)[0]))
        except SandboxError:
            pass

    @staticmethod
    def cpu_hard_s(settings: RunSettings) -> int:
        """The CPU seconds one interpreter may use in all (a run cannot raise its limit past it)."""
        per_run = int(settings.timeout_s) + 1
        if settings.mode == "fresh":
            return per_run
        return max(600, per_run * SESSION_CPU_RUNS)

    def init_message(
        self, s: RunSettings, spec: Spec, folder: str | None, workdir: str
    ) -> protocol.Init:
        per_run = int(s.timeout_s) + 1
        return protocol.Init(
            id=new_id(),
            workdir=workdir,
            folder=folder,
            network=s.allow_network,
            limits=protocol.Limits(
                cpu_soft_s=per_run,
                cpu_hard_s=self.cpu_hard_s(s),
                as_bytes=s.memory_mb * 1024 * 1024,
                fsize_bytes=s.disk_mb * 1024 * 1024,
                nofile=NOFILE,
            ),
        )

    # -- sessions ---------------------------------------------------------------------------
    def _start(self, settings: RunSettings, spec: Spec, folder: str | None) -> Sandbox:
        box, _ = self.pool.take(spec)
        box.init(self.init_message(settings, spec, folder, box.workdir))
        return box

    async def run(
        self,
        key: str,
        code: str,
        first_line: int,
        filename: str,
        folder: str | None,
        *,
        mode: Literal["session", "fresh"] | None = None,
    ) -> RunResult:
        """Run ``code`` (document lines from ``first_line``) in ``key``'s session.

        ``mode`` overrides ``run.mode`` for this run ("fresh": a new interpreter, discarded).
        """
        loop = asyncio.get_running_loop()
        settings = replace(self.settings, mode=mode) if mode else self.settings
        session = self.sessions.setdefault(key, _Session())
        async with session.lock:
            self.sessions.setdefault(key, session)  # queued behind a close: adopt it again
            session.cancelled = False
            fresh = settings.mode == "fresh"
            shared, why = shared_folder(folder)
            try:
                spec = self.spec(shared)
            except SandboxError as exc:
                return report.failure("SandboxError", str(exc), first_line)
            fingerprint = (spec, shared, settings.memory_mb, self.cpu_hard_s(settings))
            restarted_notes = await self._retire(session, settings, fingerprint)
            if session.box is None:
                try:
                    session.box = await loop.run_in_executor(
                        self.executor, self._start, settings, spec, shared
                    )
                except SandboxError as exc:
                    return report.failure("SandboxError", str(exc), first_line)
                session.fingerprint = fingerprint
                session.notes = [why] if why else []
            box = session.box
            box.clear_stop()
            if session.cancelled:  # cancelled while the session was starting
                box.stop("cancelled")
            span = line_span(code, first_line)
            message = protocol.Run(
                id=new_id(),
                code=code,
                first_line=span[0],
                last_line=span[1],
                filename=filename,
                cpu_s=settings.timeout_s,
                steps=settings.step_values,
            )
            outcome = await loop.run_in_executor(
                self.executor,
                box.execute,
                message,
                settings.timeout_s,
                settings.output_bytes,
                not fresh,
            )
            result = report.build(
                outcome, settings, span, box.layers, session.notes + restarted_notes
            )
            self._after(session, box, outcome, result, fresh, loop)
            self.pool.refill(spec)  # the next session or fresh run starts warm
            return result

    async def _retire(
        self, session: _Session, settings: RunSettings, fingerprint: tuple
    ) -> list[str]:
        """End the session's interpreter when it must not serve this run; the notes to show."""
        box = session.box
        if box is None:
            return []
        notes: list[str] = []
        budget = self.cpu_hard_s(settings)
        if settings.mode == "fresh":
            pass
        elif not box.alive():
            notes.append("the session had ended: variables were lost")
        elif session.fingerprint != fingerprint:
            notes.append("settings changed: the session was restarted")
        elif box.cpu_seconds() > budget - settings.timeout_s - 2:
            notes.append(
                f"the session used its CPU budget ({budget} s): it was restarted and "
                "variables were lost"
            )
        else:
            return []
        await asyncio.get_running_loop().run_in_executor(self.executor, box.kill)
        session.box = None
        return notes

    def _after(
        self,
        session: _Session,
        box: Sandbox,
        outcome: RunOutcome,
        result: RunResult,
        fresh: bool,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        """Keep the session, or end it (with a note) when it cannot be trusted or reused."""
        lingering = outcome.threads_left > 0 and not outcome.killed
        if lingering:
            result.notes.append(
                f"the run left {outcome.threads_left} thread(s) running; so that they cannot "
                "change later runs, the session was restarted and variables were lost"
            )
        if not (outcome.killed or fresh or lingering or not box.alive()):
            return
        result.session_restarted = not fresh
        if result.session_restarted and not lingering:
            result.notes.append("the session was restarted: variables from earlier runs were lost")
        loop.run_in_executor(self.executor, box.kill)  # cleanup, off the result's path
        session.box = None

    async def run_isolated(
        self, code: str, first_line: int, filename: str, folder: str | None
    ) -> RunResult:
        """Run ``code`` in a new interpreter that no session shares, then discard it.

        Uses the current limits with ``mode`` forced to ``fresh``; for checking generated
        code without touching the user's variables.
        """
        self._isolated += 1
        key = f"prosepy-isolated:{self._isolated}"
        try:
            return await self.run(key, code, first_line, filename, folder, mode="fresh")
        finally:
            self.sessions.pop(key, None)

    async def table_page(
        self,
        key: str,
        handle: str | None,
        name: str | None,
        offset: int,
        limit: int,
        sort_by: int | None,
        descending: bool,
    ) -> TableWindow | str:
        """Rows of a table in ``key``'s session (after its current run); or why there are none."""
        session = self.sessions.get(key)
        if session is None or session.box is None:
            return "the run session has ended: run the code again"
        page = protocol.TablePage(new_id(), handle, name, offset, limit, sort_by, descending)
        async with session.lock:
            box = session.box
            if box is None or not box.alive():
                return "the run session has ended: run the code again"
            rows = await asyncio.get_running_loop().run_in_executor(
                self.executor, box.table_rows, page, self.settings.timeout_s
            )
            if rows is None:  # killed: the next run says the session ended
                return "the sandbox stopped while reading the table: run the code again"
            return read_window(rows.window)

    async def cancel(self, key: str) -> bool:
        """Stop ``key``'s running snippet; False when nothing is running."""
        session = self.sessions.get(key)
        if session is None or not session.lock.locked():
            return False
        session.cancelled = True
        if session.box is not None:
            session.box.stop("cancelled")
        return True

    async def restart(self, key: str) -> None:
        """Drop ``key``'s variables: the next run starts from a clean interpreter."""
        await self._end(key, forget=False)

    async def close(self, key: str) -> None:
        """The document closed: free its session."""
        await self._end(key, forget=True)

    async def _end(self, key: str, forget: bool) -> None:
        session = self.sessions.pop(key, None) if forget else self.sessions.get(key)
        if session is None:
            return
        if session.box is not None and session.box.busy:
            session.box.stop("cancelled")
        async with session.lock:
            if session.box is not None:
                await asyncio.get_running_loop().run_in_executor(self.executor, session.box.kill)
                session.box = None

    def shutdown(self) -> None:
        for session in self.sessions.values():
            if session.box is not None:
                session.box.stop("cancelled")
                session.box.kill()
        self.sessions.clear()
        self.pool.close()
        self.executor.shutdown(wait=False)  # pending kills still run
