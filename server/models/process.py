"""``ProcessBackend``: a model loaded in its own process, behind the ordinary ``Backend`` contract.

The language server never loads native model code. This class starts
``python -m prosepy.server.models.worker``, loads the model there and streams tokens back
over a pipe; cancellation is forwarded within a token. When the process dies (SIGSEGV in
llama.cpp, abort, the kernel's OOM killer) or stops answering, the call in flight raises
``ModelCrashed`` naming the signal and what to do, and the backend is dead: the manager
decides whether to start another. Nothing here imports a runtime.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from typing import IO, Any

from prosepy.server.config import ModelSettings
from prosepy.server.models.base import (
    CancelToken,
    GenerationRequest,
    GenerationResult,
    ModelError,
    StreamCollector,
    TokenCallback,
)

logger = logging.getLogger(__name__)

#: How long a load may take before the process is taken for hung.
LOAD_TIMEOUT_S = 300.0
#: After a cancel, the process must answer within this or it is taken for hung.
CANCEL_GRACE_S = 5.0
#: Silence tolerated during a generation beyond its time budget (prompt evaluation).
STALL_GRACE_S = 30.0
#: Silence tolerated during a generation without a time budget.
STALL_S = 600.0
#: Poll interval while a cancel token is watched: well under one token's time.
CANCEL_POLL_S = 0.02

_SIGNAL_MEANING = {
    signal.SIGSEGV: "crashed with a segmentation fault (SIGSEGV) in native code",
    signal.SIGBUS: "crashed with a bus error (SIGBUS) in native code",
    signal.SIGILL: "hit an illegal instruction (SIGILL): the runtime uses CPU instructions "
    "this CPU lacks",
    signal.SIGABRT: "aborted (SIGABRT)",
    signal.SIGFPE: "crashed with an arithmetic fault (SIGFPE)",
    signal.SIGKILL: "was killed (SIGKILL; often the system ran out of memory)",
    signal.SIGTERM: "was terminated (SIGTERM)",
}


class ModelCrashed(ModelError):
    """The model process died or hung; ``cause`` is e.g. "SIGSEGV" or "hung"."""

    def __init__(self, message: str, fix: str, cause: str) -> None:
        super().__init__(message, fix)
        self.cause = cause


def describe_exit(returncode: int | None) -> tuple[str, str]:
    """(what happened, short cause) for a process's return code."""
    if returncode is None:
        return "stopped answering", "hung"
    if returncode < 0:
        try:
            sig = signal.Signals(-returncode)
        except ValueError:
            return f"was stopped by signal {-returncode}", f"signal {-returncode}"
        return _SIGNAL_MEANING.get(sig, f"was stopped by {sig.name}"), sig.name
    return f"exited unexpectedly with code {returncode}", f"exit {returncode}"


_ids = itertools.count(1)


class ProcessBackend:
    """One model in a supervised child process. Thread-safe: requests may overlap."""

    #: The worker batches when its runtime can, and queues requests when it cannot.
    concurrent = True

    def __init__(self, settings: ModelSettings, load_timeout_s: float = LOAD_TIMEOUT_S) -> None:
        self.settings = settings
        self.name = ""
        self.runtime = ""
        self.features: list[str] = []
        self.load_s = 0.0
        self.stderr_tail: deque[str] = deque(maxlen=60)
        self._queues: dict[int, queue.Queue[dict[str, Any]]] = {}
        self._control: queue.Queue[dict[str, Any]] = queue.Queue()
        self._write_lock = threading.Lock()
        self._dead: ModelCrashed | None = None
        self._closing = False
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "prosepy.server.models.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_worker_env(),
        )
        self.pid = self.proc.pid
        assert self.proc.stdout is not None and self.proc.stderr is not None
        threading.Thread(target=self._read_events, args=(self.proc.stdout,), daemon=True).start()
        threading.Thread(target=self._read_stderr, args=(self.proc.stderr,), daemon=True).start()
        try:
            self._load(load_timeout_s)
        except BaseException:
            self.close()
            raise

    # -- the pipe ---------------------------------------------------------------------
    def _send(self, command: dict[str, Any]) -> None:
        line = json.dumps(command, ensure_ascii=False) + "\n"
        try:
            with self._write_lock:
                assert self.proc.stdin is not None
                self.proc.stdin.write(line.encode("utf-8"))
                self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass  # the reader sees the death and reports it

    def _read_events(self, stream: IO[bytes]) -> None:
        for raw in stream:
            try:
                event = json.loads(raw)
            except ValueError:
                logger.debug("model process wrote a non-protocol line: %r", raw[:200])
                continue
            rid = event.get("id")
            target = self._queues.get(rid) if rid is not None else self._control
            if target is not None:
                target.put(event)
        # End of stream: the process is gone (or going). Wait for its code, then tell all.
        try:
            code: int | None = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        if self._dead is None:
            self._dead = self._crash(code, "running")
        died = {"ev": "died"}
        self._control.put(died)
        for q in list(self._queues.values()):
            q.put(died)

    def _read_stderr(self, stream: IO[bytes]) -> None:
        for raw in stream:
            line = raw.decode("utf-8", errors="replace").rstrip()
            if line:
                self.stderr_tail.append(line)
                logger.debug("model process: %s", line)

    def _crash(self, code: int | None, phase: str) -> ModelCrashed:
        what, cause = describe_exit(code)
        words = ("error", "fatal", "abort")
        lines = reversed(self.stderr_tail)
        hint = next((ln for ln in lines if any(w in ln.lower() for w in words)), "")
        message = f"the model process (pid {self.pid}) {what} while {phase}"
        if hint:
            message += f": {hint.strip()[:300]}"
        return ModelCrashed(
            message,
            "prosepy restarts it once by itself; if it happens again run `prosepy doctor`, "
            'or try another model.runtime (e.g. "xllamacpp") or model',
            cause,
        )

    def _fail(self, phase: str, hung: bool = False) -> ModelCrashed:
        """The process is dead (or ``hung``: then it is killed now); describe why."""
        if self._dead is not None and not hung:
            dead = self._dead
            dead.message = dead.message.replace("while running", f"while {phase}")
            return dead
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
            hung = True
        self._dead = self._crash(None if hung else self.proc.returncode, phase)
        return self._dead

    def crash(self, phase: str) -> ModelCrashed:
        """Why the process is gone (``alive`` is False)."""
        return self._fail(phase)

    @property
    def alive(self) -> bool:
        return self._dead is None and self.proc.poll() is None

    # -- load -------------------------------------------------------------------------
    def _load(self, timeout_s: float) -> None:
        self._send({"op": "load", "settings": dataclasses.asdict(self.settings)})
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                event = self._control.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise self._fail(f"loading (no answer in {timeout_s:.0f} s)", hung=True) from None
            kind = event.get("ev")
            if kind == "ready":
                continue
            if kind == "died":
                raise self._fail("loading the model")
            if kind == "error":
                raise ModelError(event.get("message", "loading failed"), event.get("fix", ""))
            if kind == "loaded":
                self.name = event["name"]
                self.runtime = event.get("runtime", "")
                self.features = list(event.get("features", []))
                self.load_s = float(event.get("load_s", 0.0))
                return

    # -- generate ---------------------------------------------------------------------
    def generate(
        self,
        request: GenerationRequest,
        cancel: CancelToken | None = None,
        on_token: TokenCallback | None = None,
    ) -> GenerationResult:
        if not self.alive:
            raise self._fail("idle")
        rid = next(_ids)
        events: queue.Queue[dict[str, Any]] = queue.Queue()
        self._queues[rid] = events
        collector = StreamCollector(request, None, on_token)  # timing as the caller sees it
        budget = request.time_budget_s
        stall = budget + STALL_GRACE_S if budget is not None else STALL_S
        cancel_sent: float | None = None
        last = time.monotonic()
        try:
            self._send({"op": "generate", "id": rid, "request": dataclasses.asdict(request)})
            while True:
                wait = CANCEL_POLL_S if cancel is not None and cancel_sent is None else 0.5
                try:
                    event = events.get(timeout=wait)
                except queue.Empty:
                    event = None
                now = time.monotonic()
                if cancel is not None and cancel.cancelled and cancel_sent is None:
                    self._send({"op": "cancel", "id": rid})
                    cancel_sent = now
                if event is None:
                    if cancel_sent is not None and now - cancel_sent > CANCEL_GRACE_S:
                        raise self._fail("generating (no answer to a cancel)", hung=True)
                    if now - last > stall:
                        raise self._fail(f"generating (silent for {stall:.0f} s)", hung=True)
                    continue
                last = now
                kind = event.get("ev")
                if kind == "token":
                    collector.add(event["text"])
                elif kind == "done":
                    return self._result(event["result"], collector)
                elif kind == "error":
                    message = event.get("message", "generation failed")
                    raise ModelError(message, event.get("fix", ""))
                elif kind == "died":
                    raise self._fail("generating")
        finally:
            self._queues.pop(rid, None)

    @staticmethod
    def _result(raw: dict[str, Any], collector: StreamCollector) -> GenerationResult:
        mine = collector.result("stop", "")
        return GenerationResult(
            text=raw["text"],
            tokens=raw["tokens"],
            finish_reason=raw["finish_reason"],
            first_token_s=mine.first_token_s if raw["first_token_s"] is not None else None,
            total_s=mine.total_s,
            model=raw["model"],
        )

    def close(self) -> None:
        """End the process; its memory returns to the system at once."""
        if self._closing:
            return
        self._closing = True
        if self.proc.poll() is None:
            self._send({"op": "close"})
            try:
                self.proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._dead is None:
            self._dead = ModelCrashed("the model process was closed", "", "closed")
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass


def _worker_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env
