"""The sandboxed interpreter: ``python -I -B -u -X utf8 child.py CTL_FD RESULT_FD ID PARENT [...]``.

Started warm (interpreter up, modules imported) before any run is asked for. The supervisor
then sends :class:`~protocol.Init` on the control pipe; the process confines itself (private
working directory, rlimits, capabilities, no_new_privs, Landlock, seccomp) and answers
:class:`~protocol.Ready` with the layers that took. Each :class:`~protocol.Run` executes in one
persistent namespace (a notebook-like session, the ``__main__`` module) and its
:class:`~protocol.Result` goes back on RESULT_FD, a pipe of its own: the snippet's stdout and
stderr are plain pipes that the supervisor only ever treats as text.

A run is stopped by SIGINT from the supervisor, which raises KeyboardInterrupt only while a
run is going. After each run ``hygiene.py`` ends the run's threads and resets the hooks
through which its code could run later; between runs the supervisor keeps the process
stopped (SIGSTOP).

Standard library only, no ``server`` imports: this file runs in the user's environment.
"""

from __future__ import annotations

import asyncio
import builtins
import importlib.util
import inspect
import os
import signal
import sys
import threading
import time
import types
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))


def _load(name: str):
    spec = importlib.util.spec_from_file_location(
        f"_prosepy_{name}", os.path.join(HERE, name + ".py")
    )
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = module  # type: ignore[union-attr]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


protocol = _load("protocol")
confine = _load("confine")
seccomp = _load("seccomp")
hygiene = _load("hygiene")
instrument = _load("instrument")
views = _load("views")  # variables, tables, figures, loop histories (views.py and its modules)
RUNTIME_FILES = {
    os.path.join(HERE, f + ".py")
    for f in ("child", "confine", "seccomp", "hygiene", "instrument", "protocol", *views.MODULES)
}
MAX_VALUES = 1000


class Channel:
    """JSON lines in on the control fd, out on the result fd."""

    def __init__(self, ctl_fd: int, res_fd: int) -> None:
        self.ctl = os.fdopen(ctl_fd, "rb", buffering=0)
        self.res_fd = res_fd
        self._buf = b""

    def read(self) -> bytes | None:
        while b"\n" not in self._buf:
            chunk = self.ctl.read(65536)
            if not chunk:
                return None
            self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\n")
        return line

    def send(self, message: object) -> None:
        # A leading newline ends any partial line the snippet left on the pipe.
        view = memoryview(b"\n" + protocol.encode(message))
        while view:
            view = view[os.write(self.res_fd, view) :]


def read_paths(folder: str | None, network: bool) -> list[str]:
    """What the snippet may read: its interpreter and libraries, the document's folder."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    paths.update(p for p in sys.path if p and os.path.isabs(p))
    paths.update(
        [
            "/usr/lib",
            "/usr/lib64",
            "/lib",
            "/lib64",
            "/usr/local/lib",
            "/usr/share/zoneinfo",
            "/etc/localtime",
            "/etc/ld.so.cache",
            "/sys/devices/system/cpu",
            f"/proc/{os.getpid()}",
            HERE,
        ]
    )
    if network:
        paths.update(
            [
                "/etc/resolv.conf",
                "/etc/hosts",
                "/etc/nsswitch.conf",
                "/etc/gai.conf",
                "/etc/ssl",
                "/etc/ca-certificates",
                "/usr/share/ca-certificates",
                "/etc/services",
                "/etc/protocols",
            ]
        )
    if folder:
        paths.add(folder)
    return sorted(p for p in paths if p != "/" and os.path.exists(p))


def link_folder(folder: str, workdir: str, limit: int = 2000) -> None:
    """Mirror the document's folder into the working directory as symlinks.

    ``open("data.csv")`` then reads the real file (Landlock allows reading the folder) while
    new files land in the private working directory; overwriting a linked file fails.
    """
    try:
        names = sorted(os.listdir(folder))[:limit]
    except OSError:
        return
    for name in names:
        try:
            os.symlink(os.path.join(folder, name), os.path.join(workdir, name))
        except OSError:
            pass


def setup(init: Any, quota: str) -> Any:
    """Apply every layer asked for; report what took (``quota``: see :func:`main`)."""
    layers: list[str] = []
    problems: list[str] = []
    if quota == "yes":
        layers.append("disk_quota")
    elif quota == "failed":
        problems.append("the working directory could not get a private, capped tmpfs")
    os.chdir(init.workdir)
    if init.folder:
        link_folder(init.folder, init.workdir)
    limit_problems = confine.apply_rlimits(init.limits)
    problems += limit_problems
    if not limit_problems:
        layers.append("rlimits")
    confine.drop_capabilities()
    confine.no_core_dumps()
    if confine.no_new_privs():
        layers.append("no_new_privs")
    if init.landlock:
        devices = ["/dev/null", "/dev/zero", "/dev/urandom", "/dev/random", "/dev/full"]
        paths = read_paths(init.folder, init.network)
        if confine.apply_landlock(paths, [init.workdir], devices, init.network):
            layers.append("landlock")
        else:
            problems.append("Landlock is not available in this kernel")
    if init.seccomp:
        if seccomp.apply(os.getpid(), init.network):
            layers.append("seccomp")
        else:
            problems.append("seccomp filter could not be installed")
    hygiene.refuse_audit_hooks()
    return protocol.Ready(
        id=init.id,
        layers=layers,
        problems=problems,
        landlock_abi=confine.landlock_abi(),
        threads=hygiene.os_threads(),
    )


class Session:
    """One persistent ``__main__`` namespace; runs arrive one at a time."""

    def __init__(self, channel: Channel, own_threads: int) -> None:
        self.channel = channel
        self.own_threads = own_threads
        # The snippets' module is __main__ (pickle, dataclasses and typing look classes up
        # there); the runtime itself is not reachable as ``import __main__``.
        module = types.ModuleType("__main__")
        module.__dict__["__builtins__"] = builtins
        sys.modules["__main__"] = module
        self.namespace = module.__dict__
        self.running = False
        self.stdout, self.stderr = sys.stdout, sys.stderr
        signal.signal(signal.SIGINT, self.on_interrupt)
        self.views = views.Views(self.namespace)

    def on_interrupt(self, signum: int, frame: object) -> None:
        """The supervisor's stop: KeyboardInterrupt in the run; ignored outside runs."""
        if self.running:
            raise KeyboardInterrupt

    def serve(self) -> None:
        while True:
            line = self.channel.read()
            if line is None:
                os._exit(0)  # the supervisor is gone
            message = protocol.decode(line, protocol.Run)
            if message is None:
                page = protocol.decode(line, protocol.TablePage)
                if page is not None:
                    self.channel.send(self.page(page))
                continue
            try:
                result = self.run(message)
            except KeyboardInterrupt:  # arrived in the instant the run was ending
                failure = protocol.Failure("KeyboardInterrupt", "", None, "")
                result = protocol.Result(id=message.id, ok=False, error=failure)
            self.channel.send(result)

    def run(self, message: Any) -> Any:
        filename = message.filename
        span = (message.first_line, message.last_line)
        confine.set_cpu_budget(message.cpu_s)
        recorder = instrument.Recorder()
        self.namespace[instrument.SHOW] = self.views.show(recorder.show)
        self.views.start(filename, message.last_line, message.steps)
        self.namespace["__file__"] = filename
        sys.argv[:] = [filename]
        failure: BaseException | None = None
        before = {t.ident for t in threading.enumerate()}
        start = time.perf_counter()
        elapsed = 0.0
        self.running = True
        try:
            try:
                instrument.register_source(filename, message.code, message.first_line)
                compiled = instrument.instrument(
                    message.code, filename, message.first_line, self.views.transform
                )
                outcome = eval(compiled, self.namespace)
                if compiled.co_flags & inspect.CO_COROUTINE:
                    asyncio.run(outcome)
            except SystemExit as exc:
                if exc.code not in (None, 0):
                    failure = exc
            except BaseException as exc:  # the snippet's own errors, KeyboardInterrupt too
                failure = exc
            elapsed = (time.perf_counter() - start) * 1000
            left = hygiene.end_threads(before, self.own_threads)
        except BaseException as exc:  # stopped while its threads were being waited for
            failure = failure or exc
            left = max(0, hygiene.os_threads() - self.own_threads)
        finally:
            shown_views = self.views.finish(views.error_line(failure, filename))
            self.running = False
        for stream in {sys.stdout, sys.stderr, self.stdout, self.stderr}:
            try:
                stream.flush()
            except Exception:
                pass
        hygiene.reset_signals(self.on_interrupt)
        hygiene.reset_timers()
        hygiene.reset_hooks(self.stdout, self.stderr)
        error = None
        if failure is not None:
            error = protocol.Failure(
                **instrument.describe_error(failure, filename, RUNTIME_FILES, span)
            )
        shown = sorted(recorder.values.values(), key=lambda v: v["line"])[:MAX_VALUES]
        return protocol.Result(
            id=message.id,
            ok=failure is None,
            values=[protocol.Value(v["line"], v["text"], v["full"]) for v in shown],
            error=error,
            exec_ms=round(elapsed or (time.perf_counter() - start) * 1000, 3),
            threads_left=left,
            views=shown_views,
        )

    def page(self, message: Any) -> Any:
        """Rows of a table. The user's code runs here too (cells' ``__str__``, comparisons
        when sorting), so like a run it can be interrupted and what it leaves is cleared."""
        before = {t.ident for t in threading.enumerate()}
        self.running = True
        try:
            window = self.views.page(
                message.handle,
                message.name,
                message.offset,
                message.limit,
                message.sort_by,
                message.descending,
            )
            hygiene.end_threads(before, self.own_threads)
        except BaseException as exc:  # the value's own code failed, or the page was stopped
            window = {"error": f"the table could not be read ({type(exc).__name__}: {exc})"[:300]}
        finally:
            self.running = False
        hygiene.reset_signals(self.on_interrupt)
        hygiene.reset_timers()
        hygiene.reset_hooks(self.stdout, self.stderr)
        return protocol.TableRows(id=message.id, window=window)


def main() -> None:
    """argv: CTL_FD RESULT_FD HELLO_ID PARENT [WORKDIR BYTES INODES].

    With the last three (strong mode) the working directory becomes a private tmpfs capped in
    bytes and inodes right away, while the interpreter is a warm spare nobody waits for.
    """
    ctl_fd, res_fd, hello_id, parent = sys.argv[1:5]
    confine.die_with_parent(int(parent))
    quota = "no"
    if len(sys.argv) >= 8:
        workdir, size, inodes = sys.argv[5], int(sys.argv[6]), int(sys.argv[7])
        quota = "yes" if confine.private_workdir(workdir, size, inodes) else "failed"
    seccomp.prepare(os.getpid())  # while nobody waits: confining is then quicker
    os.set_inheritable(int(ctl_fd), False)
    os.set_inheritable(int(res_fd), False)
    channel = Channel(int(ctl_fd), int(res_fd))
    python = sys.version.split()[0]
    channel.send(protocol.Hello(id=hello_id, pid=os.getpid(), python=python))
    line = channel.read()
    init = protocol.decode(line, protocol.Init) if line is not None else None
    if init is None:
        return
    try:
        ready = setup(init, quota)
    except Exception as exc:
        ready = protocol.Ready(id=init.id, problems=[f"setup failed: {exc!r}"])
        channel.send(ready)
        return
    channel.send(ready)
    Session(channel, ready.threads).serve()


if __name__ == "__main__":
    main()
