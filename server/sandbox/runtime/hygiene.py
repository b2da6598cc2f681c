"""What a run may leave behind in a session's interpreter, and how the runtime clears it.

A run ends like a script does: its threads finish (thread pools are shut down, non-daemon
threads are waited for within the run's time, daemon threads get a short grace). A thread
that is still alive after that is *reported* (``Result.threads_left``) and the supervisor
replaces the session, because a live thread could change later runs' variables or read the
control pipe. Between runs the supervisor also stops the whole process (SIGSTOP), so nothing
of a run executes between runs.

Then the interpreter-wide hooks through which a run's code would otherwise be called back
later are reset: signal handlers and the signal mask, interval and POSIX timers, trace,
profile and monitoring hooks, ``gc.callbacks``, the exception hooks, and ``sys.stdout`` /
``sys.stderr``. New audit hooks are refused altogether (they cannot be removed once added).

Standard library only (this runs in the user's interpreter).
"""

from __future__ import annotations

import concurrent.futures
import gc
import os
import signal
import sys
import threading
import time
import weakref
from typing import Any

DAEMON_GRACE_S = 0.2
OS_THREADS_GRACE_S = 0.5
SIGNALS = sorted(set(signal.valid_signals()) - {signal.SIGKILL, signal.SIGSTOP})


def os_threads() -> int:
    """Threads of this process as the kernel sees them (native threads included)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


def refuse_audit_hooks() -> None:
    """Install the one audit hook: it refuses every later ``sys.addaudithook``.

    An audit hook is called on compile, exec, open and more, cannot be removed, and would let
    one run's code watch (and act during) every later run.
    """

    def hook(event: str, _args: Any) -> None:
        if event == "sys.addaudithook":
            raise RuntimeError("the sandbox does not allow audit hooks")

    sys.addaudithook(hook)


def _stop_pools(threads: list[threading.Thread]) -> None:
    """Shut down (without waiting) the thread pools whose idle workers would outlive the run."""
    for thread in threads:
        for arg in getattr(thread, "_args", ()) or ():
            if isinstance(arg, weakref.ref):
                owner = arg()
                if isinstance(owner, concurrent.futures.Executor):
                    owner.shutdown(wait=False)


def end_threads(before: set[int], own_threads: int) -> int:
    """Wait for the threads the run started; return how many OS threads are left beyond ours.

    Non-daemon threads are joined without a limit (the supervisor's timeout interrupts this
    with KeyboardInterrupt, which the caller handles); daemon threads get a short grace.
    """
    started = [t for t in threading.enumerate() if t.ident not in before and t.is_alive()]
    if started:
        _stop_pools(started)
        for thread in started:
            if not thread.daemon:
                thread.join()
        grace = time.monotonic() + DAEMON_GRACE_S
        for thread in started:
            if thread.daemon:
                thread.join(max(0.0, grace - time.monotonic()))
    # An ended thread leaves the kernel's list a moment after join() returns.
    deadline = time.monotonic() + OS_THREADS_GRACE_S
    while (left := os_threads() - own_threads) > 0 and time.monotonic() < deadline:
        time.sleep(0.005)
    return max(0, left)


def _signal_masks() -> dict[str, int]:
    """This process's signal dispositions and pending signals as the kernel has them."""
    masks: dict[str, int] = {}
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                key, _, value = line.partition(":")
                if key in ("SigPnd", "ShdPnd", "SigIgn", "SigCgt"):
                    masks[key] = int(value, 16)
    except (OSError, ValueError):
        pass
    return masks


def reset_signals(int_handler: Any) -> None:
    """Every handler back to the interpreter's start-up one; pending signals discarded.

    Reads the dispositions from the kernel (``/proc/self/status``), which also sees handlers
    installed through ctypes, and touches only the signals that differ or are pending.
    """
    start_up = {signal.SIGINT: int_handler, signal.SIGPIPE: signal.SIG_IGN}
    if hasattr(signal, "SIGXFSZ"):
        start_up[signal.SIGXFSZ] = signal.SIG_IGN
    # A fault ignored even for an instant would loop on the faulting instruction.
    faults = {signal.SIGSEGV, signal.SIGBUS, signal.SIGFPE, signal.SIGILL, signal.SIGTRAP}
    masks = _signal_masks()
    pending = masks.get("SigPnd", -1) | masks.get("ShdPnd", -1)
    ignored, caught = masks.get("SigIgn", -1), masks.get("SigCgt", -1)
    for sig in SIGNALS:
        bit = 1 << (sig - 1)
        want = start_up.get(sig, signal.SIG_DFL)
        if masks and not pending & bit:
            is_ignored, is_caught = bool(ignored & bit), bool(caught & bit)
            if want == signal.SIG_IGN and is_ignored and not is_caught:
                continue
            if want == signal.SIG_DFL and not is_ignored and not is_caught:
                continue
            if sig == signal.SIGINT and is_caught and signal.getsignal(sig) is want:
                continue
        try:
            if sig not in faults:
                signal.signal(sig, signal.SIG_IGN)  # discards a pending one
            signal.signal(sig, want)
        except (OSError, ValueError, RuntimeError):
            pass
    signal.pthread_sigmask(signal.SIG_SETMASK, set())


def reset_timers() -> None:
    """Disarm interval timers and any POSIX timer (``timer_create``) the run made."""
    for which in (signal.ITIMER_REAL, signal.ITIMER_VIRTUAL, signal.ITIMER_PROF):
        signal.setitimer(which, 0)
    try:
        with open("/proc/self/timers") as handle:
            ids = [int(line.split()[1]) for line in handle if line.startswith("ID:")]
    except (OSError, ValueError, IndexError):
        return
    if ids:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        for timer in ids:
            libc.syscall(226 if os.uname().machine == "x86_64" else 111, timer)  # timer_delete


def reset_hooks(stdout: Any, stderr: Any) -> None:
    """Trace, profile and monitoring hooks, gc callbacks, exception hooks, standard streams."""
    sys.settrace(None)
    sys.setprofile(None)
    threading.settrace(None)
    threading.setprofile(None)
    monitoring = getattr(sys, "monitoring", None)  # Python 3.12+
    if monitoring is not None:
        events = [getattr(monitoring.events, n) for n in dir(monitoring.events) if n.isupper()]
        for tool in range(6):
            if monitoring.get_tool(tool) is None:
                continue
            try:
                monitoring.set_events(tool, 0)
                for event in events:
                    if isinstance(event, int) and event and not event & (event - 1):
                        monitoring.register_callback(tool, event, None)
                monitoring.free_tool_id(tool)
            except (ValueError, RuntimeError):
                pass
    gc.callbacks.clear()
    sys.excepthook = sys.__excepthook__
    sys.unraisablehook = sys.__unraisablehook__
    sys.displayhook = sys.__displayhook__
    threading.excepthook = threading.__excepthook__
    sys.stdout, sys.stderr = stdout, stderr
