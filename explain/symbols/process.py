"""One jedi worker process (``python -m prosepy.explain.symbols.worker ROLE``) seen from the
server: started on first use, restarted when it dies (a few times), messages read on a
thread of its own and written on another (a document's text does not fit in the pipe,
and a busy worker drains it slowly: up to 0.13 s measured, which the event loop, where
documents open and hovers ask, must not wait)."""

from __future__ import annotations

import io
import json
import logging
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, cast

logger = logging.getLogger(__name__)

#: Restarts of a worker that keeps dying, within RESTART_WINDOW_S, before giving up.
MAX_RESTARTS = 5
RESTART_WINDOW_S = 300.0
#: Bytes read from the worker's pipe a call (a batch of answers is up to ~100 KB).
READ_BUFFER = 1 << 20


class WorkerProcess:
    """One jedi worker process (``role`` "requests" or "background"), restarted when it
    dies (up to MAX_RESTARTS in RESTART_WINDOW_S); its messages go to ``receive``."""

    def __init__(
        self,
        role: str,
        receive: Callable[[WorkerProcess, dict[str, Any]], None],
        on_start: Callable[[WorkerProcess], None],
    ) -> None:
        self.role = role
        self.command = [sys.executable, "-m", "prosepy.explain.symbols.worker", role]
        self.receive = receive
        self.on_start = on_start
        self.proc: subprocess.Popen[bytes] | None = None
        #: what the writer thread of the running process writes, in order (None: stop)
        self.writes: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.restarts: list[float] = []
        self.ready = threading.Event()
        #: What it is busy with for longer than a moment: {"kind": "reading", "subject":
        #: "`big.py`", "lines": 60000} and the like (see ``worker.Worker._doing``).
        self.busy: dict[str, Any] | None = None
        self.stopped = False

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> bool:
        """Start it unless it runs; False when it cannot (stopped, or dying too often)."""
        with self.lock:
            if self.alive():
                return True
            if self.stopped:
                return False
            now = time.monotonic()
            self.restarts = [t for t in self.restarts if now - t < RESTART_WINDOW_S]
            if len(self.restarts) >= MAX_RESTARTS:
                return False  # it keeps dying: hovers go on without jedi
            self.restarts.append(now)
            self.ready.clear()
            self.busy = None
            self.proc = subprocess.Popen(
                self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0
            )
            self.writes = queue.SimpleQueue()
            threading.Thread(
                target=self._read, args=(self.proc,), name=f"jedi-{self.role}", daemon=True
            ).start()
            threading.Thread(
                target=self._write,
                args=(self.proc, self.writes),
                name=f"jedi-{self.role}-writer",
                daemon=True,
            ).start()
        self.on_start(self)
        return True

    def send(self, message: dict[str, Any]) -> bool:
        """Queue ``message`` for the worker (False when it cannot run)."""
        if not self.start():
            return False
        self.writes.put(json.dumps(message, separators=(",", ":")).encode() + b"\n")
        return True

    @staticmethod
    def _write(proc: subprocess.Popen[bytes], writes: queue.SimpleQueue[bytes | None]) -> None:
        stream = proc.stdin
        assert stream is not None
        while (data := writes.get()) is not None:
            try:
                view = memoryview(data)
                while view:  # a raw pipe write may take only part of it
                    written = stream.write(view)
                    view = view[written or 0 :]
            except (BrokenPipeError, OSError, ValueError):
                return  # the worker is gone: the reader thread restarts it

    def stop(self, wait: float | None = None) -> None:
        """Ask the worker to leave (the background one keeps its answers first); with
        ``wait``, kill it if it has not left by then (it may be in a long jedi step)."""
        with self.lock:
            self.stopped = True
            proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        self.writes.put(b'{"op":"shutdown"}\n')  # after what is queued
        self.writes.put(None)
        if wait is not None:
            try:
                proc.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                proc.kill()

    def _read(self, proc: subprocess.Popen[bytes]) -> None:
        raw = proc.stdout
        assert raw is not None
        # the pipe is unbuffered (bufsize=0, for the writes): reading lines from it as it is
        # takes one byte a call, and a 100 KB batch of answers took 100 ms of GIL turns
        stream = io.BufferedReader(cast(io.RawIOBase, raw), buffer_size=READ_BUFFER)
        for line in stream:
            try:
                message = json.loads(line)
            except ValueError:
                logger.warning("unreadable message from the jedi worker: %r", line[:80])
                continue
            if message.get("op") == "ready":
                self.ready.set()
            elif message.get("op") == "busy":
                self.busy = message.get("what")
            elif message.get("op") == "idle":
                self.busy = None
            try:
                self.receive(self, message)
            except Exception:
                logger.exception("handling the jedi worker's %s failed", message.get("op"))
        with self.lock:
            if self.proc is proc:
                self.proc = None
        self.receive(self, {"op": "stopped"})
        if not self.stopped:
            logger.warning("the jedi %s worker stopped (exit code %s)", self.role, proc.wait())
