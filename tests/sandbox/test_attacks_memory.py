"""Review item 4: memory the limits do not see (both modes).

The address-space limit does not count memfd contents, System V shared memory, or tmpfs
inodes (the review made 839k empty files, +960 MB of kernel memory with the tmpfs showing
0 used). No cgroup is available here, so memfd and System V memory are refused and the
working directory's files are capped: by the kernel in strong mode (a private tmpfs with
``nr_inodes``), by the supervisor's watch in medium mode (the run is stopped).
"""

from __future__ import annotations

import sys

import pytest

from tests.sandbox.conftest import Env

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox's layers are Linux's")
#: disk_mb=16 in the fixture: max(4096, 16 MiB / 8 KiB) files and folders.
FILE_CAP = 4096


async def test_memfd_is_refused(env: Env):
    result = await env.run(
        """
        import ctypes, mmap, os
        try:
            fd = os.memfd_create("hog")
            os.ftruncate(fd, 800 * 1024 * 1024)
            m = mmap.mmap(fd, 800 * 1024 * 1024)
            for i in range(0, len(m), 4096):
                m[i] = 1
            print("filled")
        except OSError as e:
            print(type(e).__name__)
        libc = ctypes.CDLL(None, use_errno=True)
        print(libc.syscall(447, 0), ctypes.get_errno())  # memfd_secret
        """
    )
    assert result.stdout.split() == ["PermissionError", "-1", "1"], result.stdout
    await env.still_works()


async def test_system_v_and_posix_shared_memory_are_refused(env: Env):
    result = await env.run(
        """
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        IPC_PRIVATE, IPC_CREAT = 0, 0o1000
        print(libc.shmget(IPC_PRIVATE, 512 * 1024 * 1024, IPC_CREAT | 0o600), ctypes.get_errno())
        print(libc.semget(IPC_PRIVATE, 1, IPC_CREAT | 0o600), ctypes.get_errno())
        print(libc.msgget(IPC_PRIVATE, IPC_CREAT | 0o600), ctypes.get_errno())
        print(libc.syscall(240, b"/prosepy", 0o100 | 2, 0o600, None), ctypes.get_errno())  # mq_open
        try:
            from multiprocessing import shared_memory
            shared_memory.SharedMemory(create=True, size=1 << 20)
            print("shm")
        except OSError as e:
            print(type(e).__name__)
        """
    )
    rows = result.stdout.split()
    assert rows[:8] == ["-1", "1"] * 4, result.stdout
    assert rows[8] in ("PermissionError", "FileNotFoundError"), result.stdout


async def test_empty_files_cannot_eat_kernel_memory(env: Env):
    env.manager.settings.timeout_s = 20  # the cap, not the timeout, must stop it
    result = await env.run(
        """
        n = 0
        try:
            while n < 300000:
                open(f"e{n}", "w").close()
                n += 1
        except OSError as e:
            print(e.errno, n)
        """
    )
    if env.strong:  # the private tmpfs has no inode left (ENOSPC)
        errno, made = result.stdout.split()
        assert errno == "28" and int(made) < FILE_CAP, result.stdout
        assert result.ok  # the run itself goes on: only creating files fails
    else:  # the supervisor's watch stops the run
        assert result.error is not None and result.error.type == "SandboxKilled", result
        assert f"more than {FILE_CAP} files" in result.error.message
    await env.still_works()


async def test_empty_folders_cannot_eat_kernel_memory_either(env: Env):
    env.manager.settings.timeout_s = 20
    result = await env.run(
        """
        import os
        n = 0
        try:
            while n < 300000:
                os.makedirs(f"d{n % 50}/{n}")
                n += 1
        except OSError as e:
            print(e.errno, n)
        """
    )
    if env.strong:
        errno, made = result.stdout.split()
        assert errno == "28" and int(made) < FILE_CAP
    else:
        assert result.error is not None and result.error.type == "SandboxKilled", result
    await env.still_works()


async def test_a_working_directory_within_budget_is_usable(env: Env):
    """Positive control: a few hundred files and a nested folder are fine in both modes."""
    result = await env.run(
        """
        import os, tempfile
        os.makedirs("out/parts")
        for i in range(300):
            with open(f"out/parts/{i}.txt", "w") as f:
                f.write("x" * 100)
        with tempfile.TemporaryDirectory() as tmp:
            open(os.path.join(tmp, "t"), "w").close()
        len(os.listdir("out/parts"))
        """
    )
    assert result.ok and result.lines[-1].text == "→ 300", result
