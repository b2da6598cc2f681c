"""Sessions: one sandboxed interpreter per document, like a notebook kernel (or fresh per run).

:class:`SandboxManager` is the asyncio face of the sandbox: ``await run(...)`` never blocks
the event loop (the supervisor's blocking I/O runs on a small thread pool), runs of one
document queue behind each other, and a run that had to be killed replaces the session and
says that its state was lost.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from prosepy.server.config import RunSettings
from prosepy.server.sandbox import layers as layer_info
from prosepy.server.sandbox.bwrap import probe_bwrap
from prosepy.server.sandbox.pool import WarmPool
from prosepy.server.sandbox.result import LineValue, RunError, RunResult
from prosepy.server.sandbox.supervisor import Outcome, Sandbox, SandboxError, Spec, resolve_python

NOFILE = 256


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
    return real, ""


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
        self._run_ids = 0

    # -- configuration ----------------------------------------------------------------------
    def spec(self) -> Spec:
        if os.name != "posix":
            raise SandboxError(
                "running snippets needs Linux (all layers) or macOS (process limits only); "
                "on Windows, run prosepy inside WSL"
            )
        python = resolve_python(self.settings.python)
        return Spec(
            python=python,
            network=self.settings.allow_network,
            bwrap=self.namespaces and probe_bwrap(python)[0],
            disk_bytes=self.settings.disk_mb * 1024 * 1024,
        )

    def update_settings(self, settings: RunSettings) -> None:
        """New limits apply at the next run; a changed interpreter or network restarts sessions."""
        self.settings = settings

    def prewarm(self) -> None:
        """Start a warm interpreter in the background so the first run skips start-up."""
        try:
            self.pool.refill(self.spec())
        except SandboxError:
            pass

    def _init_config(self, folder: str | None) -> dict[str, Any]:
        s = self.settings
        cpu = int(s.timeout_s) + 1
        return {
            "folder": folder,
            "network": s.allow_network,
            "limits": {
                # A session keeps one interpreter: CPU is budgeted per run (soft limit).
                "cpu_s": [cpu, cpu if s.mode == "fresh" else -1],
                "as_bytes": s.memory_mb * 1024 * 1024,
                "fsize_bytes": s.disk_mb * 1024 * 1024,
                "nofile": NOFILE,
            },
        }

    # -- sessions ---------------------------------------------------------------------------
    def _start(self, folder: str | None) -> tuple[Sandbox, list[str]]:
        shared, why = shared_folder(folder)
        box, _ = self.pool.take(self.spec())
        box.init(self._init_config(shared))
        return box, [why] if why else []

    async def run(
        self, key: str, code: str, first_line: int, filename: str, folder: str | None
    ) -> RunResult:
        """Run ``code`` (document lines from ``first_line``) in ``key``'s session."""
        loop = asyncio.get_running_loop()
        session = self.sessions.setdefault(key, _Session())
        async with session.lock:
            self.sessions.setdefault(key, session)  # queued behind a close: adopt it again
            session.cancelled = False
            fresh = self.settings.mode == "fresh"
            restarted_notes: list[str] = []
            try:
                spec = self.spec()
            except SandboxError as exc:
                return _failure("SandboxError", str(exc), first_line)
            fingerprint = (spec, folder, self._init_config(folder)["limits"]["as_bytes"])
            if session.box is not None and (
                fresh or not session.box.alive() or session.fingerprint != fingerprint
            ):
                if session.box.alive() and not fresh:
                    restarted_notes.append("settings changed: the session was restarted")
                elif not fresh:
                    restarted_notes.append("the session had ended: variables were lost")
                await loop.run_in_executor(self.executor, session.box.kill)
                session.box = None
            if session.box is None:
                try:
                    box, session.notes = await loop.run_in_executor(
                        self.executor, self._start, folder
                    )
                except SandboxError as exc:
                    return _failure("SandboxError", str(exc), first_line)
                session.box, session.fingerprint = box, fingerprint
            else:
                box = session.box
            box.clear_stop()
            if session.cancelled:  # cancelled while the session was starting
                box.stop("cancelled")
            self._run_ids += 1
            message = {
                "type": "run",
                "id": self._run_ids,
                "code": code,
                "first_line": first_line,
                "filename": filename,
                "cpu_s": self.settings.timeout_s,
            }
            try:
                outcome = await loop.run_in_executor(
                    self.executor,
                    box.execute,
                    message,
                    self.settings.timeout_s,
                    self.settings.output_bytes,
                )
            except (SandboxError, OSError) as exc:
                outcome = Outcome(message=None, killed=True, extra={"why": str(exc)})
            result = self._result(outcome, box, first_line, code, session.notes + restarted_notes)
            if outcome.killed or fresh or not box.alive():
                result.session_restarted = not fresh and (outcome.killed or not box.alive())
                if result.session_restarted:
                    result.notes.append(
                        "the session was restarted: variables from earlier runs were lost"
                    )
                loop.run_in_executor(self.executor, box.kill)  # cleanup, off the result's path
                session.box = None
            self.pool.refill(spec)  # the next session or fresh run starts warm
            return result

    def _result(
        self, outcome: Outcome, box: Sandbox, first_line: int, code: str, notes: list[str]
    ) -> RunResult:
        message = outcome.message or {}
        last_line = first_line + max(0, len(code.splitlines()) - 1)
        result = RunResult(
            ok=bool(message.get("ok")) and not outcome.killed,
            duration_ms=outcome.wall_ms,
            lines=_values(message.get("values")),
            stdout=outcome.stdout.decode("utf-8", errors="replace"),
            stderr=outcome.stderr.decode("utf-8", errors="replace"),
            output_dropped=outcome.dropped,
            layers=layer_info.ordered([layer_info.SUPERVISOR, *box.layers]),
            mode=self.settings.mode,
            first_line=first_line,
            last_line=last_line,
            notes=list(notes),
        )
        result.strength = layer_info.strength(result.layers)
        result.unrestricted = layer_info.unrestricted(result.layers, self.settings.allow_network)
        err = message.get("error")
        if isinstance(err, dict) and not isinstance(err.get("line", 0), int | type(None)):
            err["line"] = None
        if isinstance(err, dict):
            result.error = RunError(
                str(err.get("type")),
                str(err.get("message")),
                err.get("line"),
                str(err.get("traceback", "")),
            )
        limit = f"{self.settings.timeout_s:g} s"
        if outcome.stopped:
            line = result.error.line if result.error else None
            if outcome.stopped == "timeout":
                text = f"the run was stopped after {limit} (run.timeoutS)"
                result.error = RunError(
                    "Timeout", text, line, result.error.traceback if result.error else ""
                )
            else:
                result.error = RunError(
                    "Cancelled",
                    "the run was cancelled",
                    line,
                    result.error.traceback if result.error else "",
                )
            result.ok = False
        elif outcome.killed:
            result.error = RunError("SandboxKilled", _death(outcome, self.settings), None, "")
            result.ok = False
        if outcome.dropped:
            result.notes.append(
                f"output was cut at {self.settings.output_bytes} bytes "
                f"({outcome.dropped} bytes dropped)"
            )
        return result

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
        session = self.sessions.get(key)
        if session is None:
            return
        if session.box is not None and session.box.busy:
            session.box.stop("cancelled")
        async with session.lock:
            if session.box is not None:
                await asyncio.get_running_loop().run_in_executor(self.executor, session.box.kill)
                session.box = None

    async def close(self, key: str) -> None:
        """The document closed: free its session."""
        session = self.sessions.pop(key, None)
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


def _values(raw: Any) -> list[LineValue]:
    """Values from the child's message, checked: the snippet could have written it itself."""
    out: list[LineValue] = []
    for v in raw if isinstance(raw, list) else []:
        if (
            isinstance(v, dict)
            and isinstance(v.get("line"), int)
            and isinstance(v.get("text"), str)
        ):
            out.append(LineValue(v["line"], v["text"][:1000], str(v.get("full", ""))[:20000]))
    return out


def _death(outcome: Outcome, settings: RunSettings) -> str:
    status = outcome.exit_status
    if status is not None and status < 0:
        import signal

        name = (
            signal.Signals(-status).name
            if -status in signal.Signals._value2member_map_
            else str(-status)
        )
        why = {
            "SIGXCPU": f"it used more than its CPU time ({settings.timeout_s:g} s)",
            "SIGKILL": "it was killed (CPU or memory limit, or the sandbox)",
            "SIGSEGV": "the interpreter crashed (segmentation fault)",
            "SIGABRT": "the interpreter aborted",
            "SIGSYS": "it made a forbidden system call",
        }.get(name, f"it died from {name}")
        return f"the sandboxed interpreter stopped: {why}"
    if outcome.extra.get("why"):
        return f"the sandbox failed: {outcome.extra['why']}"
    return f"the sandboxed interpreter exited (status {status}) before finishing the run"


def _failure(kind: str, text: str, line: int) -> RunResult:
    result = RunResult(ok=False, duration_ms=0.0, error=RunError(kind, text, line, ""))
    result.notes.append("the sandbox could not start; nothing was run")
    result.strength = layer_info.strength([])
    result.unrestricted = []
    result.first_line = result.last_line = line
    return result
