"""In-process confinement layers, applied by the sandboxed interpreter to itself.

Order (``child.setup``): parent-death signal (at start-up), private working directory, rlimits,
capabilities dropped, not dumpable, ``no_new_privs``, Landlock, seccomp (``seccomp.py``).
Every layer is best effort and reports whether it took, so the supervisor can tell the user
what is *not* restricted on this machine.

Why hand-written ctypes instead of the PyPI ``landlock``/``pyseccomp`` packages: this file runs
inside the *user's chosen* Python environment (``run.python``), which is read-only to the
snippet and which prosepy must not install into. It may only use the standard library. The
PyPI options were also weak fits: ``landlock`` is a 1.0.0.dev release and ``pyseccomp`` (last
release 2021) needs ``libseccomp`` to be present in the sandbox. The syscalls involved are few
and stable (Landlock syscalls are 444-446 on every architecture), and
``tests/sandbox/test_attacks*.py`` run real attacks against every layer.
"""

from __future__ import annotations

import ctypes
import os
import platform
import resource
import signal
import struct
import sys
from typing import Any

_libc = ctypes.CDLL(None, use_errno=True)
LINUX = sys.platform == "linux" and hasattr(_libc, "prctl")
if LINUX:
    _libc.syscall.restype = ctypes.c_long
    _libc.prctl.restype = ctypes.c_int
    _libc.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong, ctypes.c_char_p]

PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38
PR_CAPBSET_DROP = 24
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4


# -- process ---------------------------------------------------------------------------------
def die_with_parent(parent: int) -> bool:
    """SIGKILL this process when the supervisor dies (seccomp then forbids clearing it).

    ``parent`` is the supervisor's pid, checked after setting the signal so a parent that died
    just before cannot leave an orphan; 0 skips the check (pid 1 of a PID namespace, whose
    parent is outside it).
    """
    if not LINUX:
        return False
    if _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        return False
    if parent and os.getppid() != parent:
        os._exit(1)
    return True


# -- rlimits -----------------------------------------------------------------------------
def apply_rlimits(limits: Any) -> list[str]:
    """CPU (per run soft, per session hard), address space, file size, open files, cores."""
    problems = []
    table = [
        (resource.RLIMIT_CPU, (limits.cpu_soft_s, limits.cpu_hard_s)),
        (resource.RLIMIT_AS, (limits.as_bytes, limits.as_bytes)),
        (resource.RLIMIT_FSIZE, (limits.fsize_bytes, limits.fsize_bytes)),
        (resource.RLIMIT_NOFILE, (limits.nofile, limits.nofile)),
        (resource.RLIMIT_CORE, (0, 0)),
    ]
    for which, (soft, hard) in table:
        try:
            resource.setrlimit(which, (int(soft), int(hard)))
        except (ValueError, OSError) as exc:
            problems.append(f"rlimit {which}: {exc}")
    return problems


def set_cpu_budget(seconds: float) -> None:
    """Per run in a session: allow ``seconds`` more CPU than used so far, within the hard limit."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    spent = used.ru_utime + used.ru_stime
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    want = int(spent + seconds) + 1
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (want, hard))
    except (ValueError, OSError):
        pass


# -- the working directory -------------------------------------------------------------------
def private_workdir(path: str, size: int, inodes: int) -> bool:
    """Mount a fresh tmpfs capped in bytes *and inodes* over ``path`` (then ``chdir`` there).

    bubblewrap's ``--size`` caps bytes only: empty files and directories cost kernel memory
    without counting against it (the review made 839k of them). This needs a user namespace
    of our own, which is possible inside bubblewrap's; seccomp forbids new ones afterwards.
    """
    if not LINUX:
        return False
    uid, gid = os.getuid(), os.getgid()
    if _libc.unshare(0x10000000 | 0x00020000) != 0:  # CLONE_NEWUSER | CLONE_NEWNS
        return False
    try:
        for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"),
                           ("gid_map", f"{gid} {gid} 1")):  # fmt: skip
            with open(f"/proc/self/{name}", "w") as handle:
                handle.write(text)
    except OSError:
        return False
    options = f"size={size},nr_inodes={inodes},mode=0700,uid={uid},gid={gid}"
    flags = 2 | 4  # MS_NOSUID | MS_NODEV
    if _libc.mount(b"tmpfs", path.encode(), b"tmpfs", flags, options.encode()) != 0:
        return False
    os.chdir(path)
    return True


# -- capabilities and no_new_privs ----------------------------------------------------------
def drop_capabilities() -> bool:
    """Empty the bounding, ambient, effective, permitted and inheritable sets (root or not)."""
    if not LINUX:
        return False
    for cap in range(64):
        if _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() == 22:
            break  # EINVAL: past the last capability this kernel knows
    _libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header = struct.pack("Ii", 0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = bytes(24)  # two zeroed {effective, permitted, inheritable} structs
    nr = {"x86_64": 126, "aarch64": 91}.get(platform.machine())
    if nr is None:
        return False
    hdr_buf = ctypes.create_string_buffer(header, len(header))
    data_buf = ctypes.create_string_buffer(data, len(data))
    return _libc.syscall(nr, hdr_buf, data_buf) == 0


def no_core_dumps() -> bool:
    """Not dumpable: no core file even when core_pattern pipes to a handler (which ignores
    RLIMIT_CORE), and same-user processes cannot ptrace it or read its /proc memory."""
    return LINUX and _libc.prctl(4, 0, 0, 0, 0) == 0  # PR_SET_DUMPABLE


def no_new_privs() -> bool:
    if not LINUX:
        return False
    return _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0


# -- Landlock ------------------------------------------------------------------------------
_LL_CREATE, _LL_ADD, _LL_RESTRICT = 444, 445, 446
FS_EXECUTE, FS_WRITE_FILE, FS_READ_FILE, FS_READ_DIR = 1, 2, 4, 8
FS_REFER, FS_TRUNCATE, FS_IOCTL_DEV, FS_RESOLVE_UNIX = 1 << 13, 1 << 14, 1 << 15, 1 << 16
_FILE_ONLY = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV
NET_BIND_TCP, NET_CONNECT_TCP = 1, 2
SCOPE_ABSTRACT_UNIX, SCOPE_SIGNAL = 1, 2


def landlock_abi() -> int:
    """Landlock ABI version of the running kernel; 0 when unavailable."""
    if not LINUX:
        return 0
    value = _libc.syscall(_LL_CREATE, None, 0, 1)  # LANDLOCK_CREATE_RULESET_VERSION
    return max(0, int(value))


def _handled_fs(abi: int) -> int:
    handled = (1 << 13) - 1  # EXECUTE .. MAKE_SYM (ABI 1)
    if abi >= 2:
        handled |= FS_REFER
    if abi >= 3:
        handled |= FS_TRUNCATE
    if abi >= 5:
        handled |= FS_IOCTL_DEV
    if abi >= 9:  # connecting to a Unix socket by its path; never granted below
        handled |= FS_RESOLVE_UNIX
    return handled


def apply_landlock(read: list[str], write: list[str], devices: list[str], network: bool) -> int:
    """Restrict the file system to ``read``/``write`` trees (and TCP, signals where supported).

    Returns the ABI enforced, 0 when Landlock is unavailable.
    """
    abi = landlock_abi()
    if abi < 1:
        return 0
    handled = _handled_fs(abi)
    net = 0 if network or abi < 4 else NET_BIND_TCP | NET_CONNECT_TCP
    scoped = SCOPE_ABSTRACT_UNIX | SCOPE_SIGNAL if abi >= 6 else 0
    if abi >= 6:
        attr = struct.pack("QQQ", handled, net, scoped)
    elif abi >= 4:
        attr = struct.pack("QQ", handled, net)
    else:
        attr = struct.pack("Q", handled)
    buf = ctypes.create_string_buffer(attr, len(attr))
    ruleset = _libc.syscall(_LL_CREATE, buf, len(attr), 0)
    if ruleset < 0:
        return 0
    read_rights = FS_READ_FILE | FS_READ_DIR | FS_EXECUTE
    write_rights = handled & ~FS_RESOLVE_UNIX
    dev_rights = FS_READ_FILE | FS_WRITE_FILE | (FS_IOCTL_DEV if abi >= 5 else 0)
    try:
        for paths, rights in ((read, read_rights), (write, write_rights), (devices, dev_rights)):
            for path in paths:
                _add_path_rule(int(ruleset), path, rights & handled)
        if no_new_privs() is False:
            return 0
        if _libc.syscall(_LL_RESTRICT, ctypes.c_int(ruleset), 0) != 0:
            return 0
    finally:
        os.close(int(ruleset))
    return abi


def _add_path_rule(ruleset: int, path: str, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return
    try:
        if not os.path.isdir(path):
            rights &= _FILE_ONLY
        attr = struct.pack("=Qi", rights, fd)  # landlock_path_beneath_attr is packed
        buf = ctypes.create_string_buffer(attr, len(attr))
        _libc.syscall(_LL_ADD, ctypes.c_int(ruleset), 1, buf, 0)
    finally:
        os.close(fd)
