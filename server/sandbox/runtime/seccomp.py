"""The seccomp filter the sandboxed interpreter installs on itself (classic BPF via ctypes).

What it refuses, and why each matters even without namespaces (medium mode):

- new processes and programs (fork, exec): a fork bomb, or a grandchild escaping a killpg;
- ``socket()`` altogether when the network is off (``socketpair(AF_UNIX, SOCK_STREAM)`` stays,
  asyncio needs it): no connecting to host services by a Unix socket's path (D-Bus, systemd,
  docker, gpg-agent), which Landlock before ABI 9 does not cover; with the network on, only
  ``AF_INET``/``AF_INET6`` sockets;
- acting on other processes: signals (also SIGIO through ``fcntl(F_SETOWN)`` and its ioctls),
  ``prlimit64``, ``setpriority``, ``sched_set*`` and ``ioprio_set`` are allowed on this
  process only; ptrace, ``pidfd_open`` and ``process_vm_*`` not at all;
- changing file metadata (``chmod``, ``chown``, ``utime*``, ``*setxattr``/``*removexattr``,
  by path or by descriptor): Landlock does not cover metadata, so without this a snippet could
  change the mode and times of any file its user owns, even one it opened read-only;
- memory the address-space limit does not see: ``memfd_create``, ``memfd_secret``, System V
  shared memory (also other processes' segments), POSIX message queues;
- undoing its own confinement: clearing the parent-death signal, becoming dumpable again,
  naming a ptracer;
- kernel attack surface: mount, namespaces, keyrings, bpf, perf, io_uring, modules, ...

Why hand-written: see ``confine.py``. The filter is built per process (it names its own pid)
and tested by real attacks in ``tests/sandbox/test_attacks*.py``.
"""

from __future__ import annotations

import ctypes
import platform
import struct

_X86_64 = {
    "fork": 57, "vfork": 58, "clone": 56, "clone3": 435, "execve": 59, "execveat": 322,
    "kill": 62, "tkill": 200, "tgkill": 234, "rt_sigqueueinfo": 129, "rt_tgsigqueueinfo": 297,
    "socket": 41, "socketpair": 53, "prlimit64": 302, "setpriority": 141,
    "sched_setaffinity": 203, "sched_setscheduler": 144, "sched_setparam": 142,
    "sched_setattr": 314, "ioprio_set": 251, "pidfd_open": 434, "prctl": 157, "fcntl": 72,
    "ioctl": 16,
    "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311, "process_madvise": 440,
    "process_mrelease": 448, "pidfd_send_signal": 424, "pidfd_getfd": 438, "kcmp": 312,
    "migrate_pages": 256, "move_pages": 279, "get_robust_list": 274,
    "chmod": 90, "fchmod": 91, "fchmodat": 268, "fchmodat2": 452, "chown": 92, "fchown": 93,
    "lchown": 94, "fchownat": 260, "utime": 132, "utimes": 235, "futimesat": 261,
    "utimensat": 280, "setxattr": 188, "lsetxattr": 189, "fsetxattr": 190, "removexattr": 197,
    "lremovexattr": 198, "fremovexattr": 199, "setxattrat": 463, "removexattrat": 466,
    "memfd_create": 319, "memfd_secret": 447, "shmget": 29, "shmat": 30, "shmctl": 31,
    "shmdt": 67, "semget": 64, "semop": 65, "semctl": 66, "semtimedop": 220, "msgget": 68,
    "msgsnd": 69, "msgrcv": 70, "msgctl": 71, "mq_open": 240, "mq_unlink": 241,
    "mq_timedsend": 242, "mq_timedreceive": 243, "mq_notify": 244, "mq_getsetattr": 245,
    "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161, "unshare": 272,
    "setns": 308, "keyctl": 250, "add_key": 248, "request_key": 249, "bpf": 321,
    "perf_event_open": 298, "userfaultfd": 323, "init_module": 175, "finit_module": 313,
    "delete_module": 176, "kexec_load": 246, "kexec_file_load": 320, "reboot": 169,
    "swapon": 167, "swapoff": 168, "acct": 163, "settimeofday": 164, "clock_settime": 227,
    "syslog": 103, "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
    "open_by_handle_at": 304, "name_to_handle_at": 303, "personality": 135, "mknod": 133,
    "mknodat": 259, "fanotify_init": 300, "iopl": 172, "ioperm": 173, "uselib": 134,
    "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432,
    "fspick": 433, "mount_setattr": 442,
}  # fmt: skip
_AARCH64 = {
    "clone": 220, "clone3": 435, "execve": 221, "execveat": 281, "kill": 129, "tkill": 130,
    "tgkill": 131, "rt_sigqueueinfo": 138, "rt_tgsigqueueinfo": 240, "socket": 198,
    "socketpair": 199, "prlimit64": 261, "setpriority": 140, "sched_setaffinity": 122,
    "sched_setscheduler": 119, "sched_setparam": 118, "sched_setattr": 274, "ioprio_set": 30,
    "fcntl": 25, "ioctl": 29,
    "pidfd_open": 434, "prctl": 167, "ptrace": 117, "process_vm_readv": 270,
    "process_vm_writev": 271, "process_madvise": 440, "process_mrelease": 448,
    "pidfd_send_signal": 424, "pidfd_getfd": 438, "kcmp": 272, "migrate_pages": 238,
    "move_pages": 239, "get_robust_list": 100, "fchmod": 52, "fchmodat": 53,
    "fchmodat2": 452, "fchown": 55, "fchownat": 54, "utimensat": 88, "setxattr": 5,
    "lsetxattr": 6, "fsetxattr": 7, "removexattr": 14, "lremovexattr": 15, "fremovexattr": 16,
    "setxattrat": 463, "removexattrat": 466, "memfd_create": 279, "memfd_secret": 447,
    "shmget": 194, "shmat": 196, "shmctl": 195, "shmdt": 197, "semget": 190, "semop": 193,
    "semctl": 191, "semtimedop": 192, "msgget": 186, "msgsnd": 189, "msgrcv": 188,
    "msgctl": 187, "mq_open": 180, "mq_unlink": 181, "mq_timedsend": 182,
    "mq_timedreceive": 183, "mq_notify": 184, "mq_getsetattr": 185, "mount": 40,
    "umount2": 39, "pivot_root": 41, "chroot": 51, "unshare": 97, "setns": 268, "keyctl": 219,
    "add_key": 217, "request_key": 218, "bpf": 280, "perf_event_open": 241,
    "userfaultfd": 282, "init_module": 105, "finit_module": 273, "delete_module": 106,
    "kexec_load": 104, "kexec_file_load": 294, "reboot": 142, "swapon": 224, "swapoff": 225,
    "acct": 89, "settimeofday": 170, "clock_settime": 112, "syslog": 116,
    "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
    "open_by_handle_at": 265, "name_to_handle_at": 264, "personality": 92, "mknodat": 33,
    "fanotify_init": 262, "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431,
    "fsmount": 432, "fspick": 433, "mount_setattr": 442,
}  # fmt: skip
ARCHES = {"x86_64": (0xC000003E, _X86_64, 317), "aarch64": (0xC00000B7, _AARCH64, 277)}

#: Allowed only with these argument checks (below); everything else in the tables is refused.
CHECKED = {
    "clone", "clone3", "kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "socket",
    "socketpair", "prlimit64", "setpriority", "sched_setaffinity", "sched_setscheduler",
    "sched_setparam", "sched_setattr", "ioprio_set", "prctl", "fcntl", "ioctl",
}  # fmt: skip

_ALLOW, _KILL = 0x7FFF0000, 0x80000000
EPERM, ENOSYS = 1, 38
AF_UNIX, AF_INET, AF_INET6, SOCK_STREAM, CLONE_THREAD = 1, 2, 10, 1, 0x00010000
PRIO_PROCESS, IOPRIO_WHO_PROCESS = 0, 1
#: prctl options that would undo the confinement (parent-death signal, dumpable, ptracer...).
PRCTL_REFUSED = (1, 4, 35, 36, 0x59616D61)
#: fcntl commands that name a process to signal when I/O is ready (SIGIO to the server...).
F_SETOWN, F_SETOWN_EX = 8, 15
#: ioctls that do the same for sockets and pipes (their pid is behind a pointer: refused).
FIOSETOWN, SIOCSPGRP = 0x8901, 0x8902
_LD_ABS, _AND, _JEQ, _JSET, _JGE, _RET = 0x20, 0x54, 0x15, 0x45, 0x35, 0x06


def _errno(code: int) -> int:
    return 0x00050000 | code


class Program:
    """A classic-BPF program with named jump targets, resolved by :meth:`assemble`."""

    def __init__(self) -> None:
        self.ops: list[tuple[int, int | str, int | str, int]] = []
        self.labels: dict[str, int] = {}

    def op(self, code: int, k: int = 0, jt: int | str = 0, jf: int | str = 0) -> None:
        self.ops.append((code, jt, jf, k & 0xFFFFFFFF))

    def label(self, name: str) -> None:
        self.labels[name] = len(self.ops)

    def arg(self, index: int) -> None:
        """Load the low 32 bits of argument ``index`` (little-endian seccomp_data)."""
        self.op(_LD_ABS, 16 + 8 * index)

    def one_of(self, values: list[int], yes: str, no: str) -> None:
        """Jump to ``yes`` when the accumulator is one of ``values``, else to ``no``."""
        for value in values[:-1]:
            self.op(_JEQ, value, yes, 0)
        self.op(_JEQ, values[-1], yes, no)

    def assemble(self) -> list[tuple[int, int, int, int]]:
        out = []
        for i, (code, jt, jf, k) in enumerate(self.ops):
            offsets = [self.labels[j] - i - 1 if isinstance(j, str) else j for j in (jt, jf)]
            if not all(0 <= off <= 255 for off in offsets):
                raise ValueError(f"jump out of range at {i}")
            out.append((code, offsets[0], offsets[1], k))
        return out


def build_filter(pid: int, network: bool) -> list[tuple[int, int, int, int]] | None:
    """The program for process ``pid``; None on an architecture without a table."""
    arch = ARCHES.get(platform.machine())
    if arch is None:
        return None
    audit_arch, nr, _ = arch
    p = Program()
    p.op(_LD_ABS, 4)
    p.op(_JEQ, audit_arch, 1, 0)
    p.op(_RET, _KILL)
    p.op(_LD_ABS, 0)
    if audit_arch == 0xC000003E:
        p.op(_JGE, 0x40000000, 0, 1)  # x32 system calls
        p.op(_RET, _KILL)
    self_ids = [0, pid]

    def block(name: str, body) -> None:
        if name not in nr:
            return
        p.op(_JEQ, nr[name], f"{name}:body", f"{name}:next")
        p.label(f"{name}:body")
        body(f"{name}:allow", f"{name}:deny")
        p.label(f"{name}:deny")
        p.op(_RET, _errno(EPERM))
        p.label(f"{name}:allow")
        p.op(_RET, _ALLOW)
        p.label(f"{name}:next")
        p.op(_LD_ABS, 0)  # the checks above loaded arguments: reload the number

    def threads_only(allow: str, deny: str) -> None:
        p.arg(0)
        p.op(_JSET, CLONE_THREAD, allow, deny)

    def own(index: int, values: list[int]):
        def body(allow: str, deny: str) -> None:
            p.arg(index)
            p.one_of(values, allow, deny)

        return body

    def first_then_own(first: int):
        def body(allow: str, deny: str) -> None:
            p.arg(0)
            p.op(_JEQ, first, 0, deny)
            p.arg(1)
            p.one_of(self_ids, allow, deny)

        return body

    def socket(allow: str, deny: str) -> None:
        if network:  # no body: every socket() is refused
            p.arg(0)
            p.one_of([AF_INET, AF_INET6], allow, deny)

    def allow_all(allow: str, deny: str) -> None:
        p.op(_JEQ, 0, allow, allow)

    def socketpair(allow: str, deny: str) -> None:
        p.arg(0)
        p.op(_JEQ, AF_UNIX, 0, deny)
        p.arg(1)
        p.op(_AND, 0xF)
        p.op(_JEQ, SOCK_STREAM, allow, deny)

    def prctl(allow: str, deny: str) -> None:
        p.arg(0)
        p.one_of(list(PRCTL_REFUSED), deny, allow)

    def fcntl(allow: str, deny: str) -> None:
        p.arg(1)
        p.op(_JEQ, F_SETOWN_EX, deny, 0)  # its target is behind a pointer: refused
        p.op(_JEQ, F_SETOWN, 0, allow)
        p.arg(2)
        p.one_of([0, pid, -pid], allow, deny)

    def ioctl(allow: str, deny: str) -> None:
        p.arg(1)
        p.one_of([FIOSETOWN, SIOCSPGRP], deny, allow)

    block("clone", threads_only)
    if "clone3" in nr:  # glibc falls back to clone() on ENOSYS (EPERM would break threads)
        p.op(_JEQ, nr["clone3"], 0, 1)
        p.op(_RET, _errno(ENOSYS))
    block("kill", own(0, [pid, 0, -pid]))
    for name in ("tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo"):
        block(name, own(0, [pid]))
    block("socket", socket)
    block("socketpair", allow_all if network else socketpair)
    for name in ("prlimit64", "sched_setaffinity", "sched_setscheduler", "sched_setparam"):
        block(name, own(0, self_ids))
    block("sched_setattr", own(0, self_ids))
    block("setpriority", first_then_own(PRIO_PROCESS))
    block("ioprio_set", first_then_own(IOPRIO_WHO_PROCESS))
    block("prctl", prctl)
    block("fcntl", fcntl)
    block("ioctl", ioctl)
    for name, number in nr.items():
        if name not in CHECKED:
            p.op(_JEQ, number, 0, 1)
            p.op(_RET, _errno(EPERM))
    p.op(_RET, _ALLOW)
    return p.assemble()


_built: dict[tuple[int, bool], bytes] = {}


def prepare(pid: int) -> None:
    """Build both programs ahead (the warm interpreter does, so confining is quicker)."""
    for network in (False, True):
        prog = build_filter(pid, network)
        if prog is not None:
            _built[(pid, network)] = b"".join(struct.pack("HBBI", *ins) for ins in prog)


def apply(pid: int, network: bool) -> bool:
    """Install the filter on every thread of this process (needs ``no_new_privs`` first)."""
    arch = ARCHES.get(platform.machine())
    if (pid, network) not in _built:
        prepare(pid)
    raw = _built.get((pid, network))
    if arch is None or raw is None:
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        return False
    filters = ctypes.create_string_buffer(raw, len(raw))
    fprog = struct.pack("HxxxxxxP", len(raw) // 8, ctypes.addressof(filters))
    fbuf = ctypes.create_string_buffer(fprog, len(fprog))
    # SECCOMP_SET_MODE_FILTER with SECCOMP_FILTER_FLAG_TSYNC
    return libc.syscall(arch[2], 1, 1, fbuf) == 0
