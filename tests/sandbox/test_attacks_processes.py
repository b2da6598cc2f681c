"""Review item 2: reaching other processes of the same user, and files' metadata (both modes).

This test process stands in for the language server: the snippet knows its pid and tries to
set its CPU limit, priority, CPU affinity and I/O priority, to change the mode, owner, times
and extended attributes of the document's files (also through a read-only descriptor), and
to undo its own parent-death signal. A last test kills a real server process and checks that
its sandboxes die with it.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from tests.sandbox.conftest import Env, sandbox_processes

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox's layers are Linux's")
ROOT = Path(__file__).resolve().parents[2]


async def test_limits_and_scheduling_of_the_server_cannot_be_changed(env: Env):
    me = os.getpid()
    before = (
        resource.prlimit(me, resource.RLIMIT_CPU),
        os.getpriority(os.PRIO_PROCESS, me),
        os.sched_getaffinity(me),
    )
    result = await env.run(
        f"""
        import ctypes, os, resource
        libc = ctypes.CDLL(None, use_errno=True)
        attempts = {{
            "prlimit": lambda: resource.prlimit({me}, resource.RLIMIT_CPU, (1, 1)),
            "setpriority": lambda: os.setpriority(os.PRIO_PROCESS, {me}, 19),
            "setpriority_user": lambda: os.setpriority(os.PRIO_USER, os.getuid(), 19),
            "affinity": lambda: os.sched_setaffinity({me}, {{0}}),
            "scheduler": lambda: os.sched_setscheduler({me}, os.SCHED_IDLE, os.sched_param(0)),
        }}
        for name, attempt in attempts.items():
            try:
                attempt()
                print(name, "changed")
            except OSError as e:
                print(name, type(e).__name__)
        # ioprio_set(IOPRIO_WHO_PROCESS, pid, IOPRIO_CLASS_IDLE << 13)
        print("ioprio", libc.syscall(251, 1, {me}, 3 << 13), ctypes.get_errno())
        # SIGIO to the server whenever the control pipe gets data (its default: terminate)
        import fcntl, struct
        for name, attempt in (
            ("sigio", lambda fd: fcntl.fcntl(fd, fcntl.F_SETOWN, {me})),
            ("sigio_ioctl", lambda fd: fcntl.ioctl(fd, 0x8901, struct.pack("i", {me}))),
        ):
            for fd in range(3, 20):
                try:
                    attempt(fd)
                    print(name, "set", fd)
                    break
                except OSError as e:
                    if e.errno != 9:  # EBADF: no such descriptor
                        print(name, type(e).__name__)
                        break
        print("own_prlimit", resource.prlimit(0, resource.RLIMIT_NOFILE, (100, 100)))
        """
    )
    rows = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    for name in ("prlimit", "setpriority", "setpriority_user", "affinity", "scheduler"):
        assert rows[name] == "PermissionError", (name, result.stdout)
    assert rows["ioprio"] == "-1 1"  # EPERM
    assert rows["sigio"] == rows["sigio_ioctl"] == "PermissionError"
    assert rows["own_prlimit"].startswith("(")  # its own limits it may still lower
    after = (
        resource.prlimit(me, resource.RLIMIT_CPU),
        os.getpriority(os.PRIO_PROCESS, me),
        os.sched_getaffinity(me),
    )
    assert after == before


async def test_file_metadata_cannot_be_changed_anywhere(env: Env):
    data = env.project / "data.csv"
    before = [(p.stat().st_mode, p.stat().st_mtime_ns) for p in (data, env.project)]
    devnull = os.stat("/dev/null").st_mode
    result = await env.run(
        f"""
        import os
        data, folder = {str(data)!r}, {str(env.project)!r}
        fd = os.open(data, os.O_RDONLY)
        attempts = {{
            "chmod": lambda: os.chmod(data, 0o777),
            "chmod_folder": lambda: os.chmod(folder, 0o777),
            "fchmod_readonly_fd": lambda: os.fchmod(fd, 0o777),
            "utime": lambda: os.utime(data, (0, 0)),
            "futime_readonly_fd": lambda: os.utime(fd, (0, 0)),
            "chown": lambda: os.chown(data, os.getuid(), os.getgid()),
            "setxattr": lambda: os.setxattr(data, "user.pwned", b"1"),
            "fsetxattr": lambda: os.setxattr(fd, "user.pwned", b"1"),
            "chmod_devnull": lambda: os.chmod("/dev/null", 0o600),
            "own_file": lambda: (open("mine.txt", "w").close(), os.chmod("mine.txt", 0o600)),
        }}
        for name, attempt in attempts.items():
            try:
                attempt()
                print(name, "changed")
            except OSError as e:
                print(name, type(e).__name__)
        """
    )
    rows = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    assert len(rows) == 10 and "changed" not in rows.values(), result.stdout
    after = [(p.stat().st_mode, p.stat().st_mtime_ns) for p in (data, env.project)]
    assert after == before and os.stat("/dev/null").st_mode == devnull
    assert not os.listxattr(data)


async def test_metadata_refusal_says_why(env: Env):
    """Usability: shutil.copy (which copies the mode) fails with a clear hint."""
    result = await env.run(
        "import shutil\nshutil.copyfile('data.csv', 'a.csv')\nshutil.copy('data.csv', 'b.csv')"
    )
    assert result.error is not None and result.error.type == "PermissionError"
    assert "shutil.copyfile" in result.error.message and result.error.line == 2


async def test_the_parent_death_signal_and_dumpable_flag_cannot_be_undone(env: Env):
    result = await env.run(
        """
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        print(libc.prctl(1, 0, 0, 0, 0), ctypes.get_errno())  # PR_SET_PDEATHSIG 0
        print(libc.prctl(4, 1, 0, 0, 0), ctypes.get_errno())  # PR_SET_DUMPABLE 1
        sig = ctypes.c_int(-1)
        libc.prctl(2, ctypes.byref(sig), 0, 0, 0)  # PR_GET_PDEATHSIG
        print(sig.value)
        """
    )
    assert result.stdout.split() == ["-1", "1", "-1", "1", str(int(signal.SIGKILL))], result.stdout


SERVER = """
import asyncio, sys
from prosepy.server.config import RunSettings
from prosepy.server.sandbox.session import SandboxManager

async def main():
    manager = SandboxManager(RunSettings(timeout_s=600))
    await manager.run("doc", "x = 1", 0, sys.argv[1], None)
    print("ready", flush=True)
    code = "import os\\nos._exit = lambda *a: None\\nwhile True: pass\\n"
    await manager.run("doc", code, 0, sys.argv[1], None)

asyncio.run(main())
"""


async def test_sandboxes_die_with_the_server(tmp_path: Path):
    """The server is killed outright (no cleanup) while a snippet that replaced os._exit
    spins: nothing of the sandbox may survive it."""
    script = tmp_path / "server.py"
    script.write_text(textwrap.dedent(SERVER))
    server = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path / "doc.py")],
        stdout=subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == b"ready"
        time.sleep(0.5)  # the spinning run is going
        boxes = sandbox_processes(psutil.Process(server.pid))
        assert boxes, "the server should have a sandbox running"
        spinning = [p for p in boxes if p.cpu_percent(interval=0.2) > 10]
        assert spinning, "one sandbox should be spinning"
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        gone, alive = psutil.wait_procs(boxes, timeout=10)
        assert not alive, [p.pid for p in alive]
    finally:
        if server.poll() is None:
            server.kill()
