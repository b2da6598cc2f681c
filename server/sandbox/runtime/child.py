"""The sandboxed interpreter: ``python -I -u -X utf8 child.py CTL_FD RESULT_FD``.

Started warm (interpreter up, modules imported) before any run is asked for. The
supervisor then sends ``init`` on the control pipe; the process confines itself (rlimits,
capabilities, no_new_privs, Landlock, seccomp) and answers ``ready`` with the layers that
took. Each ``run`` executes in one persistent namespace (a notebook-like session) and the
result goes back on RESULT_FD, a pipe of its own: the snippet's stdout and stderr are plain
pipes that the supervisor only ever treats as text.

Standard library only, no ``server`` imports: this file runs in the user's environment.
"""

from __future__ import annotations

import asyncio
import builtins
import importlib.util
import inspect
import json
import os
import queue
import signal
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def _load(name: str):
    spec = importlib.util.spec_from_file_location(
        f"_prosepy_{name}", os.path.join(HERE, name + ".py")
    )
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = module  # type: ignore[union-attr]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


confine = _load("confine")
instrument = _load("instrument")
RUNTIME_FILES = {os.path.join(HERE, f) for f in ("child.py", "confine.py", "instrument.py")}
MAX_VALUES = 1000


class Channel:
    """JSON lines in on the control fd, out on the result fd."""

    def __init__(self, ctl_fd: int, res_fd: int) -> None:
        self.ctl = os.fdopen(ctl_fd, "rb", buffering=0)
        self.res_fd = res_fd
        self.lock = threading.Lock()
        self._buf = b""

    def read(self) -> dict | None:
        while b"\n" not in self._buf:
            chunk = self.ctl.read(65536)
            if not chunk:
                return None
            self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\n")
        return json.loads(line)

    def send(self, message: dict) -> None:
        data = json.dumps(message, ensure_ascii=False, default=str).encode("utf-8") + b"\n"
        with self.lock:
            view = memoryview(data)
            while view:
                written = os.write(self.res_fd, view)
                view = view[written:]


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


def setup(message: dict) -> dict:
    """Apply every layer asked for; report what took."""
    layers: list[str] = []
    problems: list[str] = []
    workdir = message["workdir"]
    os.chdir(workdir)
    if message.get("folder"):
        link_folder(message["folder"], workdir)
    limits = message.get("limits", {})
    problems += confine.apply_rlimits(limits)
    if not problems:
        layers.append("rlimits")
    if message.get("drop_caps", True):
        confine.drop_capabilities()
    confine.no_core_dumps()
    if confine.no_new_privs():
        layers.append("no_new_privs")
    network = bool(message.get("network"))
    if message.get("landlock", True):
        devices = ["/dev/null", "/dev/zero", "/dev/urandom", "/dev/random", "/dev/full"]
        abi = confine.apply_landlock(
            read_paths(message.get("folder"), network), [workdir], devices, network
        )
        if abi:
            layers.append("landlock")
        else:
            problems.append("Landlock is not available in this kernel")
    if message.get("seccomp", True):
        if confine.apply_seccomp(network):
            layers.append("seccomp")
        else:
            problems.append("seccomp filter could not be installed")
    return {
        "type": "ready",
        "layers": layers,
        "problems": problems,
        "landlock_abi": confine.landlock_abi(),
        "pid": os.getpid(),
    }


class Session:
    """One persistent namespace; runs arrive one at a time."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.namespace: dict = {"__name__": "__main__", "__builtins__": builtins}
        self.inbox: queue.Queue = queue.Queue()
        self.running = threading.Event()
        self.main_ident = threading.get_ident()

    def reader(self) -> None:
        """Control messages during a run: interrupts are delivered as SIGINT to the main thread."""
        while True:
            message = self.channel.read()
            if message is None:
                os._exit(0)  # the supervisor is gone
            if message.get("type") == "interrupt":
                if self.running.is_set():
                    signal.pthread_kill(self.main_ident, signal.SIGINT)
            else:
                self.inbox.put(message)

    def serve(self) -> None:
        threading.Thread(target=self.reader, name="prosepy-control", daemon=True).start()
        while True:
            try:
                message = self.inbox.get()
            except KeyboardInterrupt:
                continue
            if message.get("type") == "run":
                self.channel.send(self.run(message))

    def run(self, message: dict) -> dict:
        code, filename = message["code"], message["filename"]
        first_line = int(message.get("first_line", 0))
        confine.set_cpu_budget(float(message.get("cpu_s", 10)))
        recorder = instrument.Recorder()
        self.namespace[instrument.SHOW] = recorder.show
        self.namespace["__file__"] = filename
        sys.argv[:] = [filename]
        error = None
        ok = True
        start = time.perf_counter()
        self.running.set()
        try:
            instrument.register_source(filename, code, first_line)
            compiled = instrument.instrument(code, filename, first_line)
            outcome = eval(compiled, self.namespace)
            if compiled.co_flags & inspect.CO_COROUTINE:
                asyncio.run(outcome)
        except SystemExit as exc:
            if exc.code not in (None, 0):
                ok, error = False, instrument.describe_error(exc, filename, RUNTIME_FILES)
        except BaseException as exc:  # the snippet's own errors, KeyboardInterrupt included
            ok, error = False, instrument.describe_error(exc, filename, RUNTIME_FILES)
        finally:
            self.running.clear()
        elapsed = (time.perf_counter() - start) * 1000
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        values = sorted(recorder.values.values(), key=lambda v: v["line"])[:MAX_VALUES]
        return {
            "type": "result",
            "id": message.get("id"),
            "ok": ok,
            "values": values,
            "error": error,
            "execMs": round(elapsed, 3),
        }


def main() -> None:
    ctl_fd, res_fd = int(sys.argv[1]), int(sys.argv[2])
    os.set_inheritable(ctl_fd, False)
    os.set_inheritable(res_fd, False)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    channel = Channel(ctl_fd, res_fd)
    channel.send({"type": "hello", "pid": os.getpid(), "python": sys.version.split()[0]})
    message = channel.read()
    if message is None or message.get("type") != "init":
        return
    try:
        channel.send(setup(message))
    except Exception as exc:
        channel.send({"type": "ready", "layers": [], "problems": [f"setup failed: {exc!r}"]})
        return
    Session(channel).serve()


if __name__ == "__main__":
    main()
