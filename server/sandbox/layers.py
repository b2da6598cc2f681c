"""Which isolation layers exist, how strong a set of them is, and what stays unrestricted.

Every run result and ``prosepy doctor`` carry this, so a user on macOS, Windows or a desktop
that refuses user namespaces is told plainly what the sandbox does *not* stop there. The
sentences must stay true: ``tests/sandbox/test_attacks*.py`` attack each claim in both modes.
"""

from __future__ import annotations

#: The supervisor's own guarantees, present wherever a run happens at all.
SUPERVISOR = "supervisor"
ORDER = [
    SUPERVISOR,
    "rlimits",
    "no_new_privs",
    "landlock",
    "seccomp",
    "namespaces",
    "disk_quota",
    "disk_watch",
]
#: What "strong" needs; strong mode also has ``disk_quota`` where nested user namespaces work.
FULL = frozenset(ORDER[:6])
#: What each mode has on a Linux machine like CI's (``tests/sandbox`` checks every run for it).
EXPECTED = {
    "strong": FULL | {"disk_quota"},
    "medium": frozenset(
        [SUPERVISOR, "rlimits", "no_new_privs", "landlock", "seccomp", "disk_watch"]
    ),
}

DESCRIPTION = {
    SUPERVISOR: "wall-clock timeout that kills the whole process tree, output cap, clean "
    "environment, isolated interpreter (-I), results on a private pipe, checked and bounded "
    "(only the run's own lines), the interpreter stopped between runs and killed if the "
    "server dies",
    "rlimits": "CPU time (per run, and a hard limit per session), memory (address space), "
    "file size, open files, no core dumps",
    "no_new_privs": "capabilities dropped, no privilege gain through set-uid programs",
    "landlock": "reads limited to the interpreter, its libraries and the document's folder; "
    "writes only to a private working directory; TCP, abstract Unix sockets and signals to "
    "other processes denied (as far as the kernel's Landlock version allows)",
    "seccomp": "no new processes or programs (fork bombs, subprocess); no sockets but "
    "socketpairs while the network is off; no acting on other processes (signals, limits, "
    "priorities, ptrace); no changing file modes, owners, times or extended attributes; no "
    "memfd, System V IPC or message queues; no mount, namespaces, kernel modules, io_uring",
    "namespaces": "bubblewrap: own PID, network, IPC, UTS and mount namespaces; the file "
    "system is read-only, and /home, /run, /tmp, /var and similar trees are empty except "
    "what the interpreter and the document's folder need",
    "disk_quota": "the working directory is a private tmpfs capped at run.diskMb and at one "
    "file or folder per 8 KiB",
    "disk_watch": "the working directory's size and file count are watched while a run goes: "
    "a run that passes run.diskMb (or one file or folder per 8 KiB) is stopped",
}

UNRESTRICTED = {
    "rlimits": "memory, CPU time, file sizes and open files are limited only by the timeout",
    "no_new_privs": "the snippet keeps the privileges (and, as root, the capabilities) of the "
    "editor's user",
    "landlock": "the snippet can read every file your user can read (SSH keys, browser "
    "profiles, other projects) and write wherever your user can write",
    "seccomp": "the snippet can start programs and fork (a fork bomb is stopped only by the "
    "timeout), open any socket, act on your other processes and change your files' modes "
    "and times",
    "namespaces": "without namespaces the snippet shares the editor's view of the system: it "
    "can learn which process ids exist and their priorities, see whether any path exists "
    "and its size and times, and be told when a file changes (not read it)",
}
#: True whatever the layers: no cgroup is used yet.
ALWAYS = (
    "kernel memory outside the address space (pipe and socket buffers, page cache) is not "
    "counted against run.memoryMb; memfd is refused instead"
)
SESSION = (
    "in session mode, code from earlier runs of the same document (its functions, objects and "
    "changes to modules) runs inside later runs and can change what they show; run.mode "
    '"fresh" runs each snippet in a new interpreter'
)


def strength(layers: list[str] | set[str] | frozenset[str]) -> str:
    """``strong`` (all of FULL), ``medium`` (everything but namespaces), else ``weak``."""
    have = set(layers)
    if FULL <= have:
        return "strong"
    if {"rlimits", "no_new_privs", "landlock", "seccomp"} <= have:
        return "medium"
    return "weak"


def unrestricted(
    layers: list[str] | set[str] | frozenset[str], network: bool, mode: str = "fresh"
) -> list[str]:
    """Plain sentences about what the active layers leave open."""
    have = set(layers)
    out = [text for name, text in UNRESTRICTED.items() if name not in have]
    if "disk_watch" in have and "disk_quota" not in have:
        out.append(DESCRIPTION["disk_watch"] + ", but it can go over for a moment between checks")
    elif "namespaces" in have and "disk_quota" not in have:
        out.append("the number of files in the working directory is not capped (its size is)")
    elif "disk_quota" not in have:
        out.append(
            "the working directory's total size and file count are not capped (only each "
            "file's size)"
        )
    if network:
        out.append(
            "network access is allowed by the run.allowNetwork setting, including services "
            "listening on this machine (localhost)"
        )
    out.append(ALWAYS)
    if mode == "session":
        out.append(SESSION)
    return out


def ordered(layers: set[str] | list[str]) -> list[str]:
    return [name for name in ORDER if name in set(layers)]
