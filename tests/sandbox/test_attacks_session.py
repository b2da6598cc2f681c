"""Review item 3: a session's later runs forged or outlived (both modes).

What one run leaves behind must not execute between runs, nor change what a later run shows:
threads (daemon, pools), timers and signal handlers, trace and audit hooks, results queued on
the result pipe ahead of time; and a run cannot lift the session's CPU hard limit. The same
properties are checked through the real server in ``test_session_integrity.py``.
"""

from __future__ import annotations

import asyncio
import sys

import psutil
import pytest

from tests.sandbox.conftest import Env

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox's layers are Linux's")


def _status(proc: psutil.Process) -> str:
    try:
        return proc.status()
    except psutil.NoSuchProcess:
        return "gone"


def _session_process(env: Env) -> psutil.Process:
    """The sandboxed interpreter of the session "doc" (not the warm spare)."""
    box = env.manager.sessions["doc"].box
    assert box is not None
    return psutil.Process(box.pid)


async def test_a_thread_left_running_ends_the_session(env: Env):
    running = asyncio.ensure_future(
        env.run(
            """
            import threading, time
            state = {"x": 1}
            def spin():
                while True:
                    state["x"] += 1
            threading.Thread(target=spin, daemon=True).start()
            time.sleep(0.1)
            """
        )
    )
    while "doc" not in env.manager.sessions or env.manager.sessions["doc"].box is None:
        await asyncio.sleep(0.01)
    spinning = psutil.Process(env.manager.sessions["doc"].box.pid)
    first = await running
    assert first.session_restarted and any("thread" in n for n in first.notes), first
    assert env.manager.sessions["doc"].box is None  # the interpreter is gone, not reused
    later = await env.run("state")
    assert later.error is not None and later.error.type == "NameError"
    gone, alive = psutil.wait_procs([spinning], timeout=5)  # killed off the result's path
    assert not alive, [(p.pid, _status(p)) for p in alive]


async def test_threads_that_finish_and_thread_pools_keep_the_session(env: Env):
    """Usability: threads within a run are fine, and a pool left open is shut down."""
    result = await env.run(
        """
        import threading, time
        from concurrent.futures import ThreadPoolExecutor
        out = []
        def work(i):
            time.sleep(0.05)
            out.append(i)
        workers = [threading.Thread(target=work, args=(i,)) for i in range(4)]
        for w in workers: w.start()
        pool = ThreadPoolExecutor(4)
        squares = sorted(pool.map(lambda n: n * n, range(5)))
        squares
        """
    )
    assert result.ok and result.lines[-1].text == "→ [0, 1, 4, 9, 16]", result
    assert not result.session_restarted
    kept = await env.run("sorted(out)")
    assert kept.lines[0].text == "→ [0, 1, 2, 3]"


async def test_the_session_is_frozen_between_runs(env: Env):
    await env.run("x = 1")
    proc = _session_process(env)
    for _ in range(200):  # the stop is sent with the result and takes effect at once or so
        if proc.status() == psutil.STATUS_STOPPED:
            break
        await asyncio.sleep(0.005)
    assert proc.status() == psutil.STATUS_STOPPED
    cpu = proc.cpu_times()
    await asyncio.sleep(0.3)
    assert proc.cpu_times() == cpu
    again = await env.run("x + 1")
    assert again.lines[0].text == "→ 2" and _session_process(env).pid == proc.pid


async def test_results_queued_for_later_runs_are_ignored(env: Env):
    await env.run(
        """
        import json, os
        def forged(run_id):
            return json.dumps({"id": run_id, "type": "result", "ok": True,
                               "values": [{"line": 0, "text": "→ all good", "full": ""}]})
        lines = "".join(forged(str(i)) + "\\n" for i in range(200))
        lines += "".join(forged(os.urandom(12).hex()) + "\\n" for _ in range(200))
        for fd in range(3, 1024):  # the result pipe keeps its number from the server
            try:
                os.write(fd, lines.encode())
            except OSError:
                pass
        """
    )
    result = await env.run("assert 1 == 2, 'the real outcome'")
    assert result.error is not None and result.error.type == "AssertionError"
    assert not result.ok and result.lines == []


async def test_the_cpu_hard_limit_cannot_be_raised(env: Env):
    result = await env.run(
        """
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
        print(hard != resource.RLIM_INFINITY)
        for new in ((resource.RLIM_INFINITY, resource.RLIM_INFINITY), (hard, hard + 1000)):
            try:
                resource.setrlimit(resource.RLIMIT_CPU, new)
                print("raised")
            except (ValueError, OSError) as e:
                print(type(e).__name__)
        """
    )
    assert result.stdout.split() == ["True", "ValueError", "ValueError"], result.stdout


async def test_timers_and_signal_handlers_do_not_outlive_their_run(env: Env):
    await env.run(
        """
        import signal
        ticks = [0]
        def tick(*_):
            ticks[0] += 1
            global hacked
            hacked = True
        signal.signal(signal.SIGALRM, tick)
        signal.signal(signal.SIGUSR1, tick)
        signal.setitimer(signal.ITIMER_REAL, 0.01, 0.01)
        import time; time.sleep(0.05)
        at_end = ticks[0]
        """
    )
    await asyncio.sleep(0.3)
    result = await env.run(
        """
        import signal, time
        time.sleep(0.1)
        (ticks[0] == at_end, signal.getsignal(signal.SIGALRM) == signal.SIG_DFL,
         signal.getitimer(signal.ITIMER_REAL), "hacked" in dir())
        """
    )
    assert result.ok, result
    assert result.lines[-1].text == "→ (True, True, (0.0, 0.0), True)"


async def test_trace_profile_and_audit_hooks_do_not_outlive_their_run(env: Env):
    first = await env.run(
        """
        import sys, threading
        calls = []
        sys.settrace(lambda *a: calls.append(1))
        sys.setprofile(lambda *a: calls.append(2))
        threading.settrace(lambda *a: calls.append(3))
        sys.addaudithook(lambda event, args: calls.append(event))  # silently not added
        """
    )
    assert first.ok, first
    result = await env.run(
        """
        import sys
        before = len(calls)
        def work():
            return sum(range(10))
        work()
        compile("1", "x", "eval")  # an audited event
        (sys.gettrace(), sys.getprofile(), len(calls) == before)
        """
    )
    assert result.lines[-1].text == "→ (None, None, True)", result
