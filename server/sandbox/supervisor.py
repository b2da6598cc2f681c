"""Start, talk to and kill one sandboxed interpreter (the warm pool is in ``pool.py``).

A :class:`Sandbox` is one ``python -I`` process running ``runtime/child.py``, inside
bubblewrap when the start-up probe says namespaces work. It has three pipes to us: stdout and
stderr (only ever treated as text, capped) and a result pipe of its own (fd passed to the
child), so a snippet printing anything cannot be mistaken for a result. The control pipe
carries ``init``, ``run`` and ``interrupt``. Killing is ``killpg`` of the process group; inside
bubblewrap that takes down the PID namespace, and outside it seccomp forbids forking, so no
grandchild can escape by ``setsid()``.

Everything here blocks; :mod:`prosepy.server.sandbox.session` calls it from worker threads.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prosepy.server.sandbox.bwrap import bwrap_argv, clean_env

CHILD = str(Path(__file__).resolve().parent / "runtime" / "child.py")
MESSAGE_CAP = 32 * 1024 * 1024
START_TIMEOUT_S = 30.0
INTERRUPT_GRACE_S = 1.0


class SandboxError(Exception):
    """The sandbox could not be started or stopped answering."""


@dataclass(frozen=True)
class Spec:
    """What must be fixed when the process starts (everything else comes with ``init``)."""

    python: str
    network: bool = False
    bwrap: bool = True
    disk_bytes: int = 100 * 1024 * 1024


@dataclass
class Outcome:
    """What one run produced, before it becomes a :class:`RunResult`."""

    message: dict[str, Any] | None
    stdout: bytes = b""
    stderr: bytes = b""
    dropped: int = 0
    stopped: str = ""  # "", "timeout" or "cancelled": we interrupted it
    killed: bool = False
    exit_status: int | None = None
    wall_ms: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def resolve_python(configured: str) -> str:
    """The absolute interpreter path for ``run.python`` (empty: the server's own)."""
    if not configured:
        return sys.executable
    found = shutil.which(configured) or configured
    path = os.path.abspath(os.path.expanduser(found))
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise SandboxError(f"run.python {configured!r} is not an executable Python interpreter")
    return path


class Sandbox:
    """One sandboxed interpreter process and its pipes."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.workdir = tempfile.mkdtemp(prefix="prosepy-run-")
        self.layers: list[str] = []
        self.problems: list[str] = []
        self._buf = b""
        self._stop_reason = ""
        self._lock = threading.Lock()
        self.busy = False
        env = clean_env(self.workdir)
        ctl_r, ctl_w = os.pipe()
        res_r, res_w = os.pipe()
        argv = [spec.python, "-I", "-B", "-u", "-X", "utf8", CHILD, str(ctl_r), str(res_w)]
        if spec.bwrap:
            argv = bwrap_argv(spec, self.workdir, env) + argv
        try:
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=(ctl_r, res_w),
                env=env,
                cwd=self.workdir,
                start_new_session=True,
            )
        except OSError as exc:
            for fd in (ctl_r, ctl_w, res_r, res_w):
                os.close(fd)
            shutil.rmtree(self.workdir, ignore_errors=True)
            raise SandboxError(f"cannot start {argv[0]}: {exc}") from exc
        os.close(ctl_r)
        os.close(res_w)
        self.ctl_w, self.res_r = ctl_w, res_r
        hello = self._recv(time.monotonic() + START_TIMEOUT_S)
        if hello is None or hello.get("type") != "hello":
            err = self._drain_stderr()
            self.kill()
            raise SandboxError(f"the sandboxed interpreter did not start: {err[-2000:]}")

    # -- messages -------------------------------------------------------------------------
    def send(self, message: dict[str, Any]) -> None:
        data = json.dumps(message).encode() + b"\n"
        with self._lock:
            view = memoryview(data)
            while view:
                view = view[os.write(self.ctl_w, view) :]

    def _recv(self, deadline: float) -> dict[str, Any] | None:
        """The next message on the result pipe, None on EOF or when ``deadline`` passes."""
        while b"\n" not in self._buf:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            sel = selectors.DefaultSelector()
            sel.register(self.res_r, selectors.EVENT_READ)
            ready = sel.select(remaining)
            sel.close()
            if not ready:
                return None
            chunk = os.read(self.res_r, 1 << 16)
            if not chunk:
                return None
            self._buf += chunk
            if len(self._buf) > MESSAGE_CAP:
                raise SandboxError("the sandbox sent an oversized message")
        line, _, self._buf = self._buf.partition(b"\n")
        try:
            message = json.loads(line)
        except ValueError as exc:
            raise SandboxError("the sandbox sent an unreadable message") from exc
        return message if isinstance(message, dict) else None

    def init(self, config: dict[str, Any]) -> dict[str, Any]:
        """Confine the process (layers chosen in ``config``) and learn which layers took."""
        self.send({"type": "init", "workdir": self.workdir, **config})
        ready = self._recv(time.monotonic() + START_TIMEOUT_S)
        if ready is None or ready.get("type") != "ready":
            self.kill()
            raise SandboxError("the sandbox did not confirm its confinement")
        self.layers = list(ready.get("layers", []))
        if self.spec.bwrap:
            self.layers.append("namespaces")
        self.problems = list(ready.get("problems", []))
        return ready

    # -- one run --------------------------------------------------------------------------
    def execute(self, run: dict[str, Any], timeout_s: float, output_cap: int) -> Outcome:
        """Send one run and collect its result, output and fate; never blocks past the timeout."""
        start = time.monotonic()
        self.busy = True
        try:
            return self._execute(run, timeout_s, output_cap, start)
        finally:
            self.busy = False

    def _execute(self, run: dict[str, Any], timeout_s: float, cap: int, start: float) -> Outcome:
        out = Outcome(message=None)
        streams = {self.proc.stdout.fileno(): "stdout", self.proc.stderr.fileno(): "stderr"}  # type: ignore[union-attr]
        for fd in streams:
            os.set_blocking(fd, False)
        self._drain_into(out, streams, cap, record=False)  # leftovers of earlier background work
        self.send(run)
        deadline = start + timeout_s
        interrupted_at: float | None = None
        sel = selectors.DefaultSelector()
        for fd in streams:
            sel.register(fd, selectors.EVENT_READ)
        sel.register(self.res_r, selectors.EVENT_READ)
        try:
            while True:
                now = time.monotonic()
                reason = self._stop_reason or ("timeout" if now >= deadline else "")
                if reason and interrupted_at is None:
                    out.stopped = reason
                    interrupted_at = now
                    self._interrupt()
                if interrupted_at is not None and now - interrupted_at > INTERRUPT_GRACE_S:
                    self.kill()
                    out.killed = True
                    break
                wait = (deadline - now) if interrupted_at is None else INTERRUPT_GRACE_S
                for key, _ in sel.select(max(0.0, min(wait, 0.05))):
                    fd = int(key.fd)  # type: ignore[arg-type]
                    if fd in streams:
                        self._read_stream(out, fd, streams[fd], cap, sel)
                        continue
                    chunk = os.read(fd, 1 << 16)
                    if not chunk:
                        out.killed = True  # the interpreter died (crash, os._exit, signal)
                        break
                    self._buf += chunk
                    if len(self._buf) > MESSAGE_CAP:
                        self.kill()
                        out.killed = True
                        break
                if out.killed:
                    break
                message = self._take_result(run.get("id"))
                if message is not None:
                    out.message = message
                    break
        finally:
            sel.close()
        self._drain_into(out, streams, cap, record=True)
        if out.killed:
            try:  # it may be exiting on its own (crash, os._exit): learn how before killing
                self.proc.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                pass
            out.exit_status = self._status(self.proc.returncode)
            self.kill()
        out.wall_ms = (time.monotonic() - start) * 1000
        return out

    def _status(self, code: int | None) -> int | None:
        """bubblewrap reports a child killed by signal N as exit status 128 + N."""
        if code is not None and self.spec.bwrap and code > 128:
            return -(code - 128)
        return code

    def _take_result(self, run_id: Any) -> dict[str, Any] | None:
        while b"\n" in self._buf:
            line, _, self._buf = self._buf.partition(b"\n")
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if isinstance(message, dict) and message.get("type") == "result":
                if message.get("id") == run_id:
                    return message
        return None

    def _read_stream(self, out: Outcome, fd: int, name: str, cap: int, sel: Any) -> None:
        try:
            chunk = os.read(fd, 1 << 16)
        except BlockingIOError:
            return
        if not chunk:
            sel.unregister(fd)
            return
        self._keep(out, name, chunk, cap)

    @staticmethod
    def _keep(out: Outcome, name: str, chunk: bytes, cap: int) -> None:
        room = cap - len(out.stdout) - len(out.stderr)
        kept, lost = chunk[: max(0, room)], max(0, len(chunk) - max(0, room))
        out.dropped += lost
        if name == "stdout":
            out.stdout += kept
        else:
            out.stderr += kept

    def _drain_into(self, out: Outcome, streams: dict[int, str], cap: int, record: bool) -> None:
        """Read whatever the pipes already hold (written before the result was sent)."""
        for fd, name in streams.items():
            for _ in range(4096):
                try:
                    chunk = os.read(fd, 1 << 16)
                except (BlockingIOError, OSError):
                    break
                if not chunk:
                    break
                if record:
                    self._keep(out, name, chunk, cap)

    def _drain_stderr(self) -> str:
        try:
            os.set_blocking(self.proc.stderr.fileno(), False)  # type: ignore[union-attr]
            return (self.proc.stderr.read() or b"").decode(errors="replace")  # type: ignore[union-attr]
        except Exception:
            return ""

    # -- stopping -------------------------------------------------------------------------
    def _interrupt(self) -> None:
        try:
            self.send({"type": "interrupt"})
        except OSError:
            pass

    def stop(self, reason: str) -> None:
        """Ask the running snippet to stop (KeyboardInterrupt, then kill after a grace period).

        Sticky until :meth:`clear_stop`, so a stop asked just before a run starts still counts.
        """
        self._stop_reason = reason

    def clear_stop(self) -> None:
        self._stop_reason = ""

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """Kill the process group (and with it the PID namespace), then clean up."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        for fd in (self.ctl_w, self.res_r):
            try:
                os.close(fd)
            except OSError:
                pass
        self.ctl_w = self.res_r = -1
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    close = kill
