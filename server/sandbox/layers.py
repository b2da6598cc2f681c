"""Which isolation layers exist, how strong a set of them is, and what stays unrestricted.

Every run result and ``prosepy doctor`` carry this, so a user on macOS, Windows or a desktop
that refuses user namespaces is told plainly what the sandbox does *not* stop there.
"""

from __future__ import annotations

#: The supervisor's own guarantees, present wherever a run happens at all.
SUPERVISOR = "supervisor"
ORDER = [SUPERVISOR, "rlimits", "no_new_privs", "landlock", "seccomp", "namespaces"]
FULL = frozenset(ORDER)

DESCRIPTION = {
    SUPERVISOR: "wall-clock timeout that kills the whole process tree, output cap, clean "
    "environment, isolated interpreter (-I), results on a private pipe",
    "rlimits": "CPU time, memory (address space), file size, open files, no core dumps",
    "no_new_privs": "capabilities dropped, no privilege gain through set-uid programs",
    "landlock": "reads limited to the interpreter, its libraries and the document's folder; "
    "writes only to a private working directory; TCP and signals to other processes denied",
    "seccomp": "no new processes or programs (fork bombs, subprocess), no sockets but Unix "
    "ones, no ptrace, mount, namespaces, kernel modules, io_uring",
    "namespaces": "bubblewrap: own PID, network, IPC, UTS and mount namespaces; the file "
    "system is read-only except the working directory",
}

UNRESTRICTED = {
    "rlimits": "memory, CPU time, file sizes and open files are limited only by the timeout",
    "no_new_privs": "the snippet keeps the privileges (and, as root, the capabilities) of the "
    "editor's user",
    "landlock": "the snippet can read every file your user can read (SSH keys, browser "
    "profiles, other projects) and write wherever your user can write",
    "seccomp": "the snippet can start programs and fork; a fork bomb is stopped only by the "
    "timeout, and UDP/raw sockets are not blocked",
    "namespaces": "the snippet can see your other processes and shares the network, IPC and "
    "mount namespaces of the editor; the working directory's total size is not capped (only "
    "each file's)",
}


def strength(layers: list[str] | set[str] | frozenset[str]) -> str:
    """``strong`` (all layers), ``medium`` (everything but namespaces), else ``weak``."""
    have = set(layers)
    if FULL <= have:
        return "strong"
    if {"rlimits", "no_new_privs", "landlock", "seccomp"} <= have:
        return "medium"
    return "weak"


def unrestricted(layers: list[str] | set[str] | frozenset[str], network: bool) -> list[str]:
    """Plain sentences about what the missing layers leave open."""
    have = set(layers)
    out = [text for name, text in UNRESTRICTED.items() if name not in have]
    if network:
        out.append("network access is allowed by the run.allowNetwork setting")
    elif "namespaces" not in have and "landlock" in have and "seccomp" not in have:
        out.append("UDP is not blocked (Landlock covers TCP only)")
    return out


def ordered(layers: set[str] | list[str]) -> list[str]:
    return [name for name in ORDER if name in set(layers)]
