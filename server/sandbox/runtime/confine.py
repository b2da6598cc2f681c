"""In-process confinement layers, applied by the sandboxed interpreter to itself.

Order: rlimits, capabilities dropped, ``no_new_privs``, Landlock, seccomp. Every layer is
best effort and reports whether it took, so the supervisor can tell the user what is *not*
restricted on this machine.

Why hand-written ctypes instead of the PyPI ``landlock``/``pyseccomp`` packages: this file runs
inside the *user's chosen* Python environment (``run.python``), which is read-only to the
snippet and which prosepy must not install into. It may only use the standard library. The
PyPI options were also weak fits: ``landlock`` is a 1.0.0.dev release and ``pyseccomp`` (last
release 2021) needs ``libseccomp`` to be present in the sandbox. The syscalls involved are few
and stable (Landlock syscalls are 444-446 on every architecture; the seccomp filter is a
classic-BPF deny list for x86_64 and aarch64), and ``tests/sandbox/test_attacks.py`` runs real
attacks against both layers.
"""

from __future__ import annotations

import ctypes
import os
import platform
import resource
import struct
import sys

_libc = ctypes.CDLL(None, use_errno=True)
LINUX = sys.platform == "linux" and hasattr(_libc, "prctl")
if LINUX:
    _libc.syscall.restype = ctypes.c_long
    _libc.prctl.restype = ctypes.c_int

PR_SET_NO_NEW_PRIVS = 38
PR_CAPBSET_DROP = 24
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_CLEAR_ALL = 4


# -- rlimits -----------------------------------------------------------------------------
def apply_rlimits(limits: dict) -> list[str]:
    """Hard limits on CPU, address space, file size, open files and core dumps."""
    problems = []
    table = [
        (resource.RLIMIT_CPU, limits.get("cpu_s")),
        (resource.RLIMIT_AS, limits.get("as_bytes")),
        (resource.RLIMIT_FSIZE, limits.get("fsize_bytes")),
        (resource.RLIMIT_NOFILE, limits.get("nofile")),
        (resource.RLIMIT_CORE, 0),
    ]
    for which, value in table:
        if value is None:
            continue
        try:
            soft, hard = value if isinstance(value, (list, tuple)) else (value, value)
            resource.setrlimit(which, (int(soft), int(hard)))
        except (ValueError, OSError) as exc:
            problems.append(f"rlimit {which}: {exc}")
    return problems


def set_cpu_budget(seconds: float) -> None:
    """Per run in a session: allow ``seconds`` more CPU than used so far (soft limit)."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    spent = used.ru_utime + used.ru_stime
    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    want = int(spent + seconds) + 1
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (want, hard))
    except (ValueError, OSError):
        pass


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
FS_TRUNCATE, FS_IOCTL_DEV, FS_REFER = 1 << 14, 1 << 15, 1 << 13
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
    write_rights = handled
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


# -- seccomp -------------------------------------------------------------------------------
_ARCH = {
    "x86_64": (
        0xC000003E,
        {
            "fork": 57,
            "vfork": 58,
            "clone": 56,
            "execve": 59,
            "execveat": 322,
            "kill": 62,
            "tkill": 200,
            "tgkill": 234,
            "rt_sigqueueinfo": 129,
            "rt_tgsigqueueinfo": 297,
            "socket": 41,
            "ptrace": 101,
            "process_vm_readv": 310,
            "process_vm_writev": 311,
            "mount": 165,
            "umount2": 166,
            "pivot_root": 155,
            "chroot": 161,
            "unshare": 272,
            "setns": 308,
            "keyctl": 250,
            "add_key": 248,
            "request_key": 249,
            "bpf": 321,
            "perf_event_open": 298,
            "userfaultfd": 323,
            "init_module": 175,
            "finit_module": 313,
            "delete_module": 176,
            "kexec_load": 246,
            "kexec_file_load": 320,
            "reboot": 169,
            "swapon": 167,
            "swapoff": 168,
            "acct": 163,
            "settimeofday": 164,
            "clock_settime": 227,
            "syslog": 103,
            "io_uring_setup": 425,
            "io_uring_enter": 426,
            "io_uring_register": 427,
            "open_by_handle_at": 304,
            "name_to_handle_at": 303,
            "personality": 135,
            "mknod": 133,
            "mknodat": 259,
            "fanotify_init": 300,
            "pidfd_send_signal": 424,
            "pidfd_getfd": 438,
            "process_madvise": 440,
            "kcmp": 312,
            "iopl": 172,
            "ioperm": 173,
            "open_tree": 428,
            "move_mount": 429,
            "fsopen": 430,
            "fsmount": 432,
            "fspick": 433,
            "clone3": 435,
        },
    ),
    "aarch64": (
        0xC00000B7,
        {
            "clone": 220,
            "execve": 221,
            "execveat": 281,
            "kill": 129,
            "tkill": 130,
            "tgkill": 131,
            "rt_sigqueueinfo": 138,
            "rt_tgsigqueueinfo": 240,
            "socket": 198,
            "ptrace": 117,
            "process_vm_readv": 270,
            "process_vm_writev": 271,
            "mount": 40,
            "umount2": 39,
            "pivot_root": 41,
            "chroot": 51,
            "unshare": 97,
            "setns": 268,
            "keyctl": 219,
            "add_key": 217,
            "request_key": 218,
            "bpf": 280,
            "perf_event_open": 241,
            "userfaultfd": 282,
            "init_module": 105,
            "finit_module": 273,
            "delete_module": 106,
            "kexec_load": 104,
            "kexec_file_load": 294,
            "reboot": 142,
            "swapon": 224,
            "swapoff": 225,
            "acct": 89,
            "settimeofday": 170,
            "clock_settime": 112,
            "syslog": 116,
            "io_uring_setup": 425,
            "io_uring_enter": 426,
            "io_uring_register": 427,
            "open_by_handle_at": 265,
            "name_to_handle_at": 264,
            "personality": 92,
            "mknodat": 33,
            "fanotify_init": 262,
            "pidfd_send_signal": 424,
            "pidfd_getfd": 438,
            "process_madvise": 440,
            "kcmp": 272,
            "open_tree": 428,
            "move_mount": 429,
            "fsopen": 430,
            "fsmount": 432,
            "fspick": 433,
            "clone3": 435,
        },
    ),
}
_ALLOW, _KILL = 0x7FFF0000, 0x80000000
EPERM, ENOSYS, AF_UNIX, CLONE_THREAD = 1, 38, 1, 0x00010000
_LD_ABS, _JEQ, _JSET, _JGE, _RET = 0x20, 0x15, 0x45, 0x35, 0x06


def _errno(code: int) -> int:
    return 0x00050000 | code


def _op(code: int, k: int, jt: int = 0, jf: int = 0) -> tuple[int, int, int, int]:
    return (code, jt, jf, k & 0xFFFFFFFF)


def build_filter(pid: int, network: bool) -> list[tuple[int, int, int, int]] | None:
    """The BPF program: deny process creation, exec, foreign signals, kernel attack surface."""
    arch = _ARCH.get(platform.machine())
    if arch is None:
        return None
    audit_arch, nr = arch
    prog = [_op(_LD_ABS, 4), _op(_JEQ, audit_arch, 1, 0), _op(_RET, _KILL), _op(_LD_ABS, 0)]
    if audit_arch == 0xC000003E:
        prog += [_op(_JGE, 0x40000000, 0, 1), _op(_RET, _KILL)]  # x32 syscalls

    def block(name: str, body: list) -> None:
        if name in nr:
            prog.append(_op(_JEQ, nr[name], 0, len(body)))
            prog.extend(body)

    arg0 = _op(_LD_ABS, 16)
    deny = _op(_RET, _errno(EPERM))
    # Threads are clones with CLONE_THREAD; every other clone is a new process.
    block("clone", [arg0, _op(_JSET, CLONE_THREAD, 0, 1), _op(_RET, _ALLOW), deny])
    # glibc falls back to clone() for threads when clone3 says ENOSYS (EPERM would break them).
    block("clone3", [_op(_RET, _errno(ENOSYS))])
    own = [pid, 0, -pid]
    for name in ("kill", "rt_sigqueueinfo", "tgkill", "rt_tgsigqueueinfo"):
        targets = own if name == "kill" else [pid]
        body = [arg0]
        for i, target in enumerate(targets):
            body.append(_op(_JEQ, target, len(targets) - i, 0))
        body += [deny, _op(_RET, _ALLOW)]
        block(name, body)
    if not network:
        block("socket", [arg0, _op(_JEQ, AF_UNIX, 1, 0), deny, _op(_RET, _ALLOW)])
    skip = {"clone", "clone3", "kill", "rt_sigqueueinfo", "tgkill", "rt_tgsigqueueinfo", "socket"}
    for name in nr:
        if name not in skip:
            block(name, [deny])
    prog.append(_op(_RET, _ALLOW))
    return prog


def apply_seccomp(network: bool) -> bool:
    """Install the filter for this process and all its threads (needs ``no_new_privs``)."""
    prog = build_filter(os.getpid(), network) if LINUX else None
    if prog is None or not no_new_privs():
        return False
    raw = b"".join(struct.pack("HBBI", *ins) for ins in prog)
    filters = ctypes.create_string_buffer(raw, len(raw))
    fprog = struct.pack("HxxxxxxP", len(prog), ctypes.addressof(filters))
    fbuf = ctypes.create_string_buffer(fprog, len(fprog))
    nr = {"x86_64": 317, "aarch64": 277}[platform.machine()]
    return _libc.syscall(nr, 1, 1, fbuf) == 0  # SECCOMP_SET_MODE_FILTER, FILTER_FLAG_TSYNC
