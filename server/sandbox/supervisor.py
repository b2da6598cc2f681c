"""Start, talk to, freeze and kill one sandboxed interpreter (the warm pool is in ``pool.py``).

A :class:`Sandbox` is one ``python -I`` process running ``runtime/child.py``, inside
bubblewrap when the start-up probe says namespaces work (strong mode), else on its own
(medium mode). It has three pipes to us: stdout and stderr (only ever treated as text,
capped) and a result pipe of its own (fd passed to the child), read by
:class:`~prosepy.server.sandbox.channel.ResultReader`, so a snippet printing or writing
anything cannot be mistaken for a result. The control pipe carries ``Init`` and ``Run``
(typed, ``runtime/protocol.py``); each request has a random id that its answer must carry.

Between requests the interpreter is *stopped* (SIGSTOP): a thread, timer or signal handler a
run left behind cannot execute between runs. A run is interrupted with SIGINT, and killed
after a grace period. Killing is SIGKILL of the interpreter and of bubblewrap's process
group (which takes down the PID namespace); outside bubblewrap seccomp forbids forking, so
no grandchild can escape, and a parent-death signal kills the interpreter with the server.

API (blocking; :mod:`~prosepy.server.sandbox.session` calls it from worker threads)::

    box = Sandbox(spec)             # started, not confined (the warm pool keeps these)
    ready = box.init(init)          # -> protocol.Ready: the layers that took
    outcome = box.execute(run, timeout_s, output_cap)   # -> RunOutcome, never raises
    box.stop("cancelled"); box.kill()
"""

from __future__ import annotations

import json
import os
import secrets
import selectors
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prosepy.server.sandbox.bwrap import bwrap_argv, clean_env
from prosepy.server.sandbox.channel import Output, ResultReader, drain
from prosepy.server.sandbox.runtime import protocol
from prosepy.server.sandbox.spec import SandboxError, Spec, resolve_python
from prosepy.server.sandbox.watch import DiskWatch

__all__ = ["RunOutcome", "Sandbox", "SandboxError", "Spec", "new_id", "resolve_python"]

CHILD = str(Path(__file__).resolve().parent / "runtime" / "child.py")
START_TIMEOUT_S = 30.0
INTERRUPT_GRACE_S = 1.0
THREADS_SETTLE_S = 0.3
FREEZE_SETTLE_S = 0.1


def new_id() -> str:
    """A request id nobody can guess ahead (results are matched on it)."""
    return secrets.token_hex(12)


@dataclass
class RunOutcome:
    """What one run produced, before ``report.py`` checks it and makes it a ``RunResult``."""

    result: protocol.Result | None
    stdout: bytes = b""
    stderr: bytes = b""
    dropped: int = 0
    stopped: str = ""  # "", "timeout" or "cancelled": we interrupted it
    killed: bool = False
    #: why the supervisor killed it, when it did (disk budget, unreadable pipe, ...)
    why: str = ""
    exit_status: int | None = None
    wall_ms: float = 0.0
    #: threads of the run still alive when it ended (the session must not be reused)
    threads_left: int = 0


class Sandbox:
    """One sandboxed interpreter process and its pipes."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.workdir = tempfile.mkdtemp(prefix="prosepy-run-")
        self.layers: list[str] = []
        self.problems: list[str] = []
        self.own_threads = 1
        self.busy = False
        self.watch: DiskWatch | None = None
        self._stop_reason = ""
        self._lock = threading.Lock()
        env = clean_env(self.workdir)
        ctl_r, ctl_w = os.pipe()
        res_r, res_w = os.pipe()
        hello_id = new_id()
        parent = "0" if spec.bwrap else str(os.getpid())
        argv = [spec.python, "-I", "-B", "-u", "-X", "utf8", CHILD, str(ctl_r), str(res_w)]
        argv += [hello_id, parent]
        if spec.bwrap:  # the child caps its working directory in inodes too, at once
            argv += [self.workdir, str(spec.disk_bytes), str(spec.disk_inodes)]
        child_fds = [ctl_r, res_w]
        info_r = -1
        if spec.bwrap:
            info_r, info_w = os.pipe()
            child_fds.append(info_w)
            argv = bwrap_argv(spec, self.workdir, env, info_w) + argv
        try:
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=child_fds,
                env=env,
                cwd=self.workdir,
                start_new_session=True,
            )
        except OSError as exc:
            for fd in (ctl_r, ctl_w, res_r, res_w, info_r, *child_fds[2:]):
                if fd >= 0:
                    os.close(fd)
            shutil.rmtree(self.workdir, ignore_errors=True)
            raise SandboxError(f"cannot start {argv[0]}: {exc}") from exc
        for fd in child_fds:
            os.close(fd)
        self.ctl_w = ctl_w
        self.reader = ResultReader(res_r)
        self.pid = self.proc.pid
        hello = self._await(protocol.Hello, hello_id, time.monotonic() + START_TIMEOUT_S)
        if spec.bwrap:
            self.pid = _host_pid(info_r) or self.proc.pid
            os.close(info_r)
        if hello is None:
            err = self._drain_stderr()
            self.kill()
            raise SandboxError(f"the sandboxed interpreter did not start: {err[-2000:]}")

    # -- messages -------------------------------------------------------------------------
    def send(self, message: protocol.Init | protocol.Run | protocol.TablePage) -> None:
        data = protocol.encode(message)
        with self._lock:
            view = memoryview(data)
            while view:
                view = view[os.write(self.ctl_w, view) :]

    def _await(self, kind: type[Any], request_id: str, deadline: float) -> Any:
        """The answer ``kind`` to ``request_id``; None at EOF or when ``deadline`` passes."""
        prefix = protocol.prefix(request_id)
        with selectors.DefaultSelector() as sel:
            sel.register(self.reader.fd, selectors.EVENT_READ)
            while True:
                while (line := self.reader.find(prefix)) is not None:
                    message = protocol.decode(line, kind)
                    if message is not None and message.id == request_id:
                        return message
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not sel.select(remaining) or not self.reader.fill():
                    return None

    def init(self, init: protocol.Init) -> protocol.Ready:
        """Confine the process (layers chosen in ``init``) and learn which layers took."""
        if self.spec.bwrap is False:
            self.watch = DiskWatch(self.workdir, self.spec.disk_bytes, self.spec.disk_inodes)
        self.send(init)
        ready = self._await(protocol.Ready, init.id, time.monotonic() + START_TIMEOUT_S)
        if ready is None:
            self.kill()
            raise SandboxError("the sandbox did not confirm its confinement")
        self.layers = list(ready.layers)
        if self.spec.bwrap:
            self.layers.append("namespaces")
        elif self.watch is not None:
            self.layers.append("disk_watch")
        self.problems = list(ready.problems)
        self.own_threads = max(1, ready.threads)
        return ready

    # -- one run --------------------------------------------------------------------------
    def execute(
        self, run: protocol.Run, timeout_s: float, output_cap: int, keep: bool = True
    ) -> RunOutcome:
        """Send one run and collect its result, output and fate; never blocks past the timeout
        (plus the grace period) and never raises: whatever went wrong ends in a kill.

        ``keep``: the interpreter serves later runs, so it is stopped until the next one (a
        throwaway interpreter, killed right after, is not).
        """
        start = time.monotonic()
        self.busy = True
        try:
            return self._execute(run, timeout_s, Output(output_cap), start, keep)
        except Exception as exc:  # the pipes' contents must never take the supervisor down
            self.kill()
            why = f"the supervisor stopped it ({type(exc).__name__}: {exc})"
            return RunOutcome(None, killed=True, why=why, wall_ms=_ms(start))
        finally:
            self.busy = False

    def _execute(
        self, run: protocol.Run, timeout_s: float, out: Output, start: float, keep: bool
    ) -> RunOutcome:
        outcome = RunOutcome(result=None)
        streams = {self.proc.stdout.fileno(): "stdout", self.proc.stderr.fileno(): "stderr"}  # type: ignore[union-attr]
        for fd in streams:
            os.set_blocking(fd, False)
        self.thaw()
        self.reader.discard()  # nothing written before the request can answer it
        drain(streams, None)  # leftovers of earlier runs
        self.send(run)
        prefix = protocol.prefix(run.id)
        deadline = start + timeout_s
        interrupted_at: float | None = None
        with selectors.DefaultSelector() as sel:
            for fd in streams:
                sel.register(fd, selectors.EVENT_READ)
            sel.register(self.reader.fd, selectors.EVENT_READ)
            while outcome.result is None and not outcome.killed:
                now = time.monotonic()
                reason = self._stop_reason or ("timeout" if now >= deadline else "")
                if reason and interrupted_at is None:
                    outcome.stopped, interrupted_at = reason, now
                    self._signal(signal.SIGINT)
                if interrupted_at is not None and now - interrupted_at > INTERRUPT_GRACE_S:
                    outcome.killed = True
                    break
                if self.watch is not None and self.watch.due(now):
                    outcome.why = self.watch.check()
                    if outcome.why:
                        outcome.killed = True
                        break
                wait = (deadline - now) if interrupted_at is None else INTERRUPT_GRACE_S
                for key, _ in sel.select(max(0.0, min(wait, 0.05))):
                    fd = int(key.fd)
                    if fd in streams:
                        if not _read_stream(fd, streams[fd], out):
                            sel.unregister(fd)
                    elif not self.reader.fill():
                        outcome.killed = True  # the interpreter died (crash, os._exit, signal)
                while outcome.result is None and (line := self.reader.find(prefix)) is not None:
                    message = protocol.decode(line, protocol.Result)
                    if message is not None and message.id == run.id:
                        outcome.result = message
        drain(streams, out)
        outcome.stdout, outcome.stderr, outcome.dropped = out.stdout, out.stderr, out.dropped
        if outcome.killed:
            try:  # it may be exiting on its own (crash, os._exit): learn how before killing
                self.proc.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                pass
            outcome.exit_status = self._status(self.proc.returncode)
            self.kill()
        else:
            left = outcome.result.threads_left if outcome.result else 0
            outcome.threads_left = max(left, self._extra_threads())
            if keep:
                self.freeze()
        outcome.wall_ms = _ms(start)
        return outcome

    def table_rows(self, page: protocol.TablePage, timeout_s: float) -> protocol.TableRows | None:
        """Ask for a window of a table between runs (the process is thawed for it, like for a
        run). None when it does not answer in time: then it is killed, since the value's own
        code (``__str__``, comparisons) may still be running."""
        self.busy = True
        try:
            self.thaw()
            self.reader.discard()
            self.send(page)
            rows = self._await(protocol.TableRows, page.id, time.monotonic() + timeout_s)
            if rows is None or self._extra_threads():
                self.kill()
                return None
            self.freeze()
            return rows
        except Exception:
            self.kill()
            return None
        finally:
            self.busy = False

    def _extra_threads(self) -> int:
        """Threads beyond the runtime's own, counted by the kernel (the runtime could lie)."""
        settle = time.monotonic() + THREADS_SETTLE_S
        while True:
            try:
                extra = len(os.listdir(f"/proc/{self.pid}/task")) - self.own_threads
            except OSError:
                return 0
            if extra <= 0 or time.monotonic() > settle:
                return max(0, extra)
            time.sleep(0.005)

    def cpu_seconds(self) -> float:
        """CPU time the interpreter used so far (user + system), from the kernel."""
        try:
            with open(f"/proc/{self.pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return 0.0

    def _status(self, code: int | None) -> int | None:
        """bubblewrap reports a child killed by signal N as exit status 128 + N."""
        if code is not None and self.spec.bwrap and code > 128:
            return -(code - 128)
        return code

    def _drain_stderr(self) -> str:
        try:
            os.set_blocking(self.proc.stderr.fileno(), False)  # type: ignore[union-attr]
            return (self.proc.stderr.read() or b"").decode(errors="replace")  # type: ignore[union-attr]
        except Exception:
            return ""

    # -- stopping -------------------------------------------------------------------------
    def _signal(self, sig: int) -> None:
        try:
            os.kill(self.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def freeze(self, wait: bool = False) -> None:
        """Stop every thread of the interpreter until the next request.

        The stop takes effect the next time each thread enters the kernel or is scheduled
        (within a scheduler tick); ``wait`` also waits until it has, which on a loaded
        machine can take a while, so the result path does not.
        """
        self._signal(signal.SIGSTOP)
        settle = time.monotonic() + FREEZE_SETTLE_S
        while wait and time.monotonic() < settle:
            try:
                with open(f"/proc/{self.pid}/stat") as handle:
                    state = handle.read().rsplit(")", 1)[1].split()[0]
            except (OSError, IndexError):
                return
            if state in ("T", "t", "Z", "X"):
                return
            time.sleep(0.0005)

    def thaw(self) -> None:
        self._signal(signal.SIGCONT)

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
        """Kill the interpreter and the process group (and with it the PID namespace)."""
        if self.proc.poll() is None:
            self._signal(signal.SIGKILL)
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        for fd in (self.ctl_w, self.reader.fd):
            try:
                os.close(fd)
            except OSError:
                pass
        self.ctl_w = self.reader.fd = -1
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    close = kill


def _read_stream(fd: int, name: str, out: Output) -> bool:
    """One chunk of stdout or stderr into ``out``; False at end of file."""
    try:
        chunk = os.read(fd, 1 << 16)
    except BlockingIOError:
        return True
    if not chunk:
        return False
    out.keep(name, chunk)
    return True


def _host_pid(info_fd: int) -> int | None:
    """The sandboxed interpreter's pid as we see it, from bubblewrap's ``--info-fd`` JSON."""
    os.set_blocking(info_fd, False)
    data = b""
    for _ in range(64):
        try:
            chunk = os.read(info_fd, 4096)
        except BlockingIOError:
            break
        if not chunk:
            break
        data += chunk
    try:
        pid = json.loads(data).get("child-pid")
    except (ValueError, AttributeError):
        return None
    return pid if isinstance(pid, int) and pid > 0 else None


def _ms(start: float) -> float:
    return (time.monotonic() - start) * 1000
