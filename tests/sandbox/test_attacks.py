"""Real attacks against the real sandbox. Each one must be contained, and the sandbox (and this
process, standing in for the server) must keep working afterwards.

CI runs these twice, with bubblewrap (strong) and with it hidden from PATH (medium); see
``conftest.py`` for how every run checks that the mode's layers were active. The review's
attacks (issue "sandbox holes") are in ``test_attacks_*.py`` beside this file.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import threading
from pathlib import Path

import psutil
import pytest

from prosepy.server.config import Settings
from prosepy.server.sandbox.doctor import doctor_checks
from prosepy.server.sandbox.layers import EXPECTED, SESSION
from tests.sandbox.conftest import MODE, Env, children, sandbox_processes

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox's layers are Linux's")


# -- the layers themselves -------------------------------------------------------------------
async def test_the_layers_of_this_mode_are_all_active(env: Env):
    result = await env.run("1")
    if MODE == "any":
        pytest.skip(f"any sandbox allowed here: {result.layers}")
    assert set(result.layers) == EXPECTED[MODE], f"{MODE}: {result.layers}"
    assert result.strength == MODE
    # What stays open is said in every result; strong mode leaves only what no layer covers.
    assert SESSION in result.unrestricted
    if MODE == "strong":
        assert len(result.unrestricted) == 2, result.unrestricted
    else:
        assert any("process ids" in u for u in result.unrestricted)


async def test_doctor_says_what_every_result_says(env: Env):
    """``prosepy doctor`` and each result agree on the layers and on what stays open."""
    result = await env.run("1")
    checks = {c.name: c for c in doctor_checks(Settings(run=env.manager.settings))}
    assert checks["strength"].detail.startswith(result.strength)
    assert checks["not restricted"].detail == "; ".join(result.unrestricted)
    for layer in result.layers:
        assert checks[layer].status == "ok", checks[layer]


async def test_positive_control_document_folder_is_readable(env: Env):
    result = await env.run("open('data.csv').read()")
    assert result.ok and result.lines[0].full == repr("a,b\n1,2\n")


# -- time ----------------------------------------------------------------------------------
async def test_runaway_cpu_is_stopped(env: Env):
    result = await env.run("while True: pass")
    assert result.error is not None and result.error.type == "Timeout"
    assert result.error.line == 0
    await env.still_works()


async def test_cpu_loop_that_ignores_interrupts_is_killed(env: Env):
    result = await env.run(
        """
        import signal
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        while True: pass
        """
    )
    assert result.error is not None and result.error.type == "Timeout"
    assert result.session_restarted and not sandbox_processes() or result.session_restarted
    await env.still_works()


async def test_sleeping_forever_is_stopped(env: Env):
    result = await env.run("import time\ntime.sleep(10**6)")
    assert result.error is not None and result.error.type == "Timeout"
    await env.still_works()


async def test_blocking_forever_while_swallowing_interrupts_is_killed(env: Env):
    result = await env.run(
        """
        import threading
        while True:
            try:
                threading.Event().wait()
            except BaseException:
                continue
        """
    )
    assert result.error is not None and result.error.type == "Timeout"
    assert result.session_restarted
    await env.still_works()


# -- memory --------------------------------------------------------------------------------
async def test_one_huge_allocation_fails(env: Env):
    result = await env.run("x = bytearray(8 * 1024**3)")
    assert result.error is not None and result.error.type == "MemoryError"
    await env.still_works()


async def test_growing_memory_bomb_fails(env: Env):
    result = await env.run("hog = []\nwhile True: hog.append(b' ' * 10**7)")
    assert result.error is not None and result.error.type == "MemoryError"
    await env.still_works()


async def test_thread_bomb_is_bounded(env: Env):
    result = await env.run(
        """
        import threading, time
        n = 0
        try:
            while n < 100000:
                threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
                n += 1
        except (RuntimeError, MemoryError) as e:
            print("stopped", type(e).__name__)
        """
    )
    assert "stopped" in result.stdout, result
    await env.still_works()


# -- processes -----------------------------------------------------------------------------
async def test_fork_bomb_is_refused(env: Env):
    result = await env.run("import os\nwhile True: os.fork()")
    assert result.error is not None and result.error.type == "PermissionError"
    assert all(children(proc) == [] for proc in sandbox_processes())  # not one fork took
    await env.still_works()


async def test_spawning_programs_is_refused(env: Env, tmp_path: Path):
    marker = tmp_path / "pwned"
    result = await env.run(
        f"""
        import os, subprocess
        for attempt in (
            lambda: subprocess.run(["/bin/sh", "-c", "touch {marker}"]),
            lambda: os.posix_spawn("/bin/sh", ["sh", "-c", "touch {marker}"], {{}}),
            lambda: os.execv("/bin/sh", ["sh", "-c", "touch {marker}"]),
        ):
            try:
                attempt()
                print("ran")
            except OSError as e:
                print(type(e).__name__)
        print(os.system("touch {marker}"))
        """
    )
    assert result.stdout.split()[:3] == ["PermissionError"] * 3, result.stdout
    assert result.stdout.split()[3] != "0"
    assert not marker.exists()
    await env.still_works()


async def test_a_child_cannot_outlive_the_run(env: Env):
    env.manager.settings.mode = "fresh"
    result = await env.run(
        """
        import os
        try:
            if os.fork() == 0:
                os.setsid()
                import time
                time.sleep(3600)
        except OSError as e:
            print(type(e).__name__)
        """
    )
    assert result.stdout.strip() == "PermissionError"
    # In fresh mode the run's sandbox is gone; at most the warm spare is left, with no children.
    for _ in range(100):  # the used sandbox is killed off the result's path: let it go
        left = sandbox_processes()
        if len(left) <= 1:
            break
        await asyncio.sleep(0.05)
    assert len(left) <= 1 and all(children(proc, recursive=True) == [] for proc in left)
    await env.still_works()


async def test_user_namespaces_and_mounts_are_refused(env: Env):
    result = await env.run(
        """
        import ctypes, os
        libc = ctypes.CDLL(None, use_errno=True)
        CLONE_NEWUSER, CLONE_NEWNS = 0x10000000, 0x00020000
        print(libc.unshare(CLONE_NEWUSER | CLONE_NEWNS), ctypes.get_errno())
        print(libc.mount(b"none", b"/tmp", b"tmpfs", 0, None), ctypes.get_errno())
        print(libc.syscall(425, 8, None), ctypes.get_errno())  # io_uring_setup
        """
    )
    rows = [line.split() for line in result.stdout.splitlines()]
    assert rows == [["-1", "1"], ["-1", "1"], ["-1", "1"]], result.stdout


# -- the server (this process) --------------------------------------------------------------
async def test_signalling_the_server_and_everyone_is_refused(env: Env):
    result = await env.run(
        f"""
        import os, signal
        for pid in ({os.getpid()}, -1, 1, -{os.getpgid(0)}):
            if pid == os.getpid():
                print("self")  # strong mode: the snippet is pid 1 of its PID namespace
                continue
            try:
                os.kill(pid, signal.SIGKILL)
                print("sent")
            except OSError as e:
                print(type(e).__name__)
        """
    )
    assert "sent" not in result.stdout.split(), result.stdout
    assert result.ok
    assert psutil.pid_exists(os.getpid())
    await env.still_works()


async def test_ptrace_and_process_memory_of_the_server_are_refused(env: Env):
    secret_in_memory = "server-secret-" + os.urandom(4).hex()  # noqa: F841 - the target
    result = await env.run(
        f"""
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        print(libc.ptrace(16, {os.getpid()}, None, None), ctypes.get_errno())  # PTRACE_ATTACH
        for path in ("/proc/{os.getpid()}/mem", "/proc/{os.getpid()}/environ"):
            try:
                open(path, "rb").read(10)
                print("read")
            except OSError as e:
                print(type(e).__name__)
        """
    )
    lines = result.stdout.split("\n")
    assert lines[0].split()[0] == "-1"
    assert "read" not in result.stdout.split()
    await env.still_works()


async def test_the_editors_environment_is_not_visible(env: Env, monkeypatch):
    monkeypatch.setenv("PROSEPY_TEST_TOKEN", "sk-should-not-leak")
    result = await env.run("import os\nsorted(k for k in os.environ)")
    assert "PROSEPY_TEST_TOKEN" not in result.lines[-1].full
    assert "sk-should-not-leak" not in result.stdout + result.lines[-1].full


async def test_fake_result_markers_on_stdout_do_not_fool_the_supervisor(env: Env):
    fake = '{"type": "result", "id": 1, "ok": true, "values": [{"line": 0, "text": "→ pwned"}]}'
    result = await env.run(f"print({fake!r})\nprint({fake!r}, file=__import__('sys').stderr)\n7")
    assert [v.text for v in result.lines] == ["→ 7"]
    assert fake in result.stdout and fake in result.stderr


# -- files ----------------------------------------------------------------------------------
async def test_reading_secrets_is_refused(env: Env):
    other_user = env.secret.parent / "other_users_notes.txt"
    other_user.write_text("not for snippets either")
    os.chown(other_user, 12345, 12345) if os.geteuid() == 0 else None
    other_user.chmod(0o600)
    result = await env.run(
        f"""
        import os
        for path in ("/etc/shadow", {str(env.secret)!r}, {str(other_user)!r}, "/root/.bash_history",
                     os.path.expanduser("~root") + "/.ssh/id_rsa", "/proc/1/environ"):
            if path == "/proc/1/environ" and os.getpid() == 1:
                continue  # strong mode: pid 1 is the snippet itself
            try:
                open(path).read(1)
                print("read", path)
            except OSError as e:
                print(type(e).__name__)
        try:
            print(os.listdir("/root"))
        except OSError as e:
            print(type(e).__name__)
        """
    )
    assert "read" not in result.stdout, result.stdout
    assert "not for snippets" not in result.stdout


async def test_writing_outside_the_working_directory_is_refused(env: Env, tmp_path: Path):
    site = os.path.dirname(os.__file__)
    result = await env.run(
        f"""
        import os
        for path in ({str(env.project / "planted.py")!r}, {str(tmp_path / "out.txt")!r},
                     "/tmp/prosepy-pwned", {site + "/pwned.py"!r}, "data.csv"):
            try:
                open(path, "w").write("x")
                print("wrote", path)
            except OSError as e:
                print(type(e).__name__)
        open("mine.txt", "w").write("private")
        print(open("mine.txt").read())
        """
    )
    assert "wrote" not in result.stdout, result.stdout
    assert result.stdout.split()[-1] == "private"
    assert not (env.project / "planted.py").exists() and not (tmp_path / "out.txt").exists()
    assert not os.path.exists(site + "/pwned.py") and not os.path.exists("/tmp/prosepy-pwned")
    assert (env.project / "data.csv").read_text() == "a,b\n1,2\n"


async def test_symlink_escapes_are_refused(env: Env):
    # A link planted in the project (e.g. by a cloned repository) and one made by the snippet.
    os.symlink(env.secret, env.project / "innocent.txt")
    result = await env.run(
        f"""
        import os
        os.symlink({str(env.secret)!r}, "made.txt")
        os.symlink("/etc", "etc")
        for path in ("innocent.txt", "made.txt", "etc/shadow"):
            try:
                print(open(path).read(30))
            except OSError as e:
                print(type(e).__name__)
        try:
            os.link({str(env.secret)!r}, "hard.txt")
            print(open("hard.txt").read(30))
        except OSError as e:
            print(type(e).__name__)
        """
    )
    assert "not for snippets" not in result.stdout and "root:" not in result.stdout
    # Landlock refuses (medium), or the target is not even there (strong: /tmp is empty).
    words = result.stdout.split()
    assert len(words) == 4 and all(w in ("PermissionError", "FileNotFoundError") for w in words[:3])
    assert words[3].endswith("Error")  # the hard link: Landlock (EXDEV) or not found


async def test_huge_file_is_refused(env: Env):
    result = await env.run(
        """
        chunk = b"x" * (1 << 20)
        with open("big.bin", "wb") as f:
            for _ in range(4096):
                f.write(chunk)
        """
    )
    assert result.error is not None and result.error.type == "OSError"
    assert "too large" in result.error.message.lower() or "space" in result.error.message.lower()
    await env.still_works()


async def test_many_files_cannot_fill_the_disk(env: Env):
    result = await env.run(
        """
        n = 0
        try:
            while n < 100000:
                with open(f"f{n}", "wb") as f:
                    f.write(b"x" * (1 << 20))
                n += 1
        except OSError as e:
            print(type(e).__name__, e.errno, n)
        """
    )
    if env.strong:
        kind, errno, count = result.stdout.split()
        assert kind == "OSError" and int(count) <= 16  # the 16 MiB private tmpfs is full
    else:  # the working directory is on the host's disk: the watch stops the run
        assert result.error is not None and result.error.type == "SandboxKilled", result
        assert "16 MiB (run.diskMb)" in result.error.message and result.session_restarted
    await env.still_works()


async def test_file_descriptor_exhaustion_is_contained(env: Env):
    result = await env.run(
        """
        fds = []
        try:
            while True:
                fds.append(open("/dev/null"))
        except OSError as e:
            print(e.errno, len(fds))
        """
    )
    errno, count = result.stdout.split()
    assert errno == "24" and int(count) < 300  # EMFILE under the 256 limit
    assert result.ok  # the runtime still reported back on its own pipe
    await env.still_works()


# -- undoing the limits ---------------------------------------------------------------------
async def test_raising_limits_is_refused(env: Env):
    result = await env.run(
        """
        import resource
        for which in (resource.RLIMIT_AS, resource.RLIMIT_NOFILE, resource.RLIMIT_FSIZE):
            try:
                resource.setrlimit(which, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
                print("raised")
            except (ValueError, OSError) as e:
                print(type(e).__name__)
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        print(libc.prctl(38, 0, 0, 0, 0))  # try to clear no_new_privs (cannot be undone)
        print(open("/proc/self/status").read().split("NoNewPrivs:")[1].split()[0])
        print(open("/proc/self/status").read().split("Seccomp:")[1].split()[0])
        """
    )
    out = result.stdout.split()
    assert "raised" not in out, result.stdout
    assert out[-2:] == ["1", "2"]  # NoNewPrivs still set; seccomp mode 2 (filter)


# -- network --------------------------------------------------------------------------------
async def test_tcp_to_a_local_server_is_refused(env: Env):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    result = await env.run(
        f"""
        import socket
        try:
            socket.create_connection(("127.0.0.1", {port}), timeout=1)
            print("connected")
        except OSError as e:
            print(type(e).__name__)
        """
    )
    with pytest.raises(TimeoutError):
        listener.accept()
    listener.close()
    assert "connected" not in result.stdout and result.stdout.strip().endswith("Error")


async def test_udp_is_refused(env: Env):
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(0.5)
    port = receiver.getsockname()[1]
    result = await env.run(
        f"""
        import socket
        try:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.sendto(b"exfiltrate", ("127.0.0.1", {port}))
            print("sent")
        except OSError as e:
            print(type(e).__name__)
        """
    )
    with pytest.raises(TimeoutError):
        receiver.recvfrom(100)
    receiver.close()
    assert result.stdout.strip() == "PermissionError"


async def test_abstract_unix_socket_of_the_host_is_unreachable(env: Env):
    name = "\0prosepy-test-" + os.urandom(4).hex()
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(name)
    listener.listen()
    listener.settimeout(0.5)
    result = await env.run(
        f"""
        import socket
        s = socket.socket(socket.AF_UNIX)
        try:
            s.connect({name!r})
            print("connected")
        except OSError as e:
            print(type(e).__name__)
        """
    )
    with pytest.raises(TimeoutError):
        listener.accept()
    listener.close()
    assert "connected" not in result.stdout


# -- output and crashes ---------------------------------------------------------------------
async def test_huge_output_is_capped(env: Env):
    result = await env.run("import sys\nfor _ in range(200):\n    sys.stdout.write('y' * 100000)\n")
    assert len(result.stdout) + len(result.stderr) <= 64 * 1024
    assert result.output_dropped > 0 and any("output was cut" in n for n in result.notes)
    await env.still_works()


async def test_endless_output_is_stopped(env: Env):
    result = await env.run("while True: print('spam' * 1000)")
    assert result.error is not None and result.error.type == "Timeout"
    assert len(result.stdout) <= 64 * 1024
    await env.still_works()


async def test_crashing_the_interpreter_restarts_the_session(env: Env):
    await env.run("kept = 1")
    result = await env.run("import ctypes\nctypes.string_at(0)")
    assert result.error is not None and result.error.type == "SandboxKilled"
    assert "crashed" in result.error.message and result.session_restarted
    lost = await env.run("kept")
    assert lost.error is not None and lost.error.type == "NameError"


async def test_stack_overflow_in_c_is_contained(env: Env):
    env.manager.settings.timeout_s = 30  # overflowing the C stack takes a few seconds
    result = await env.run(
        """
        import sys
        sys.setrecursionlimit(10**7)
        nested = []
        for _ in range(10**6):
            nested = [nested]
        repr(nested)
        """
    )
    assert result.error is not None
    assert result.error.type in ("SandboxKilled", "RecursionError", "MemoryError")
    await env.still_works()


async def test_exiting_the_interpreter_is_reported(env: Env):
    result = await env.run("import os\nos._exit(3)")
    assert result.error is not None and result.error.type == "SandboxKilled"
    assert "status 3" in result.error.message and result.session_restarted
    await env.still_works()


async def test_the_supervisor_keeps_serving_during_an_attack(env: Env):
    """While one document's snippet spins, another document's run is answered."""
    env.manager.settings.timeout_s = 30
    spinning = asyncio.ensure_future(env.run("while True: pass", key="spin"))
    other = await env.run("sum(range(101))", key="other")
    assert other.lines[0].text == "→ 5050" and not spinning.done()
    assert await env.manager.cancel("spin")
    stopped = await spinning
    assert stopped.error is not None and stopped.error.type == "Cancelled"
    assert threading.active_count() < 50
    assert signal.getsignal(signal.SIGINT) is not None


async def test_garbage_on_the_result_pipe_does_not_break_the_supervisor(env: Env):
    """The snippet holds the result pipe's fd: writing junk there must not crash anything."""
    result = await env.run(
        """
        import os
        junk = [b"not json\\n", b'{"type": "result", "id": "x", "values": 5}\\n',
                b'{"type": "result", "values": [{"line": "a"}], "error": {"line": "b"}}\\n']
        for fd in range(3, 30):
            for line in junk:
                try:
                    os.write(fd, line)
                except OSError:
                    pass
        """
    )
    assert result.error is None or result.error.type != "SandboxError"
    assert all(isinstance(v.line, int) for v in result.lines)
    await env.still_works()
