"""Bounded resources in one long-lived server process (the real server, sandbox and jedi;
the scripted model double for generations).

A smaller version of the soak in ``scripts/bench_load.py`` (1,000 runs, 100 generations):
100 runs over documents opened and closed in turn, and 20 generations. After a warm-up, the
server's RSS must stay within a fixed bound, its file descriptors and threads must not grow,
temporary directories (the server gets its own TMPDIR) must not pile up, no sandbox process
may outlive its document, and after shutdown nothing the server started may be left.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import psutil

from tests.robustness.editor import Editor, lsp_lines, scripted_model

DIR = Path(tempfile.mkdtemp(prefix="prosepy-resources-"))
REPLY = "```python\nsquares = [n * n for n in range(10)]\nprint(sum(squares))\n```"
#: RSS may grow this much after the warm-up (caches filling): a bound, not a measurement.
RSS_BOUND_MIB = 80


def descendants(proc: psutil.Process) -> list[psutil.Process]:
    """The server's live child processes, without the hover's two jedi workers (and what
    they start): these tests count the sandbox's processes."""
    alive, jedi = [], set()
    for child in proc.children(recursive=True):
        try:
            if "prosepy.explain.symbols.worker" in " ".join(child.cmdline()):
                jedi.add(child.pid)
                jedi.update(c.pid for c in child.children(recursive=True))
            elif child.status() != psutil.STATUS_ZOMBIE:
                alive.append(child)
        except psutil.NoSuchProcess:
            pass
    return [child for child in alive if child.pid not in jedi]


def run_doc(ed: Editor, name: str, n: int) -> None:
    doc = ed.open(name, f"total = sum(range({n}))\ntotal\n")
    result = ed.call(
        "workspace/executeCommand", {"command": "prosepy.runFile", "arguments": [{"uri": doc.uri}]}
    )
    assert {v["line"]: v["full"] for v in result["lines"]}[1] == str(sum(range(n)))
    doc.close()


def generate_doc(ed: Editor, name: str) -> None:
    doc = ed.open(name, f"# {name}\n# nl: sum the first ten squares\n")
    (action,) = ed.generate_actions(doc, 1)
    assert doc.apply(ed.call("codeAction/resolve", action)["edit"])
    assert lsp_lines(doc.text)[2] == "squares = [n * n for n in range(10)]\n"
    doc.close()


def test_runs_and_generations_stay_bounded() -> None:
    tmp = DIR / "tmp"
    tmp.mkdir()
    script = scripted_model(DIR, "soak", [REPLY], 0.0)
    ed = Editor(
        env={
            "PROSEPY_SCRIPTED_MODEL": str(script),
            "PROSEPY_CACHE": str(DIR / "cache"),
            "TMPDIR": str(tmp),
        },
        options={"run": {"mode": "session"}},
    )
    server = psutil.Process(ed.proc.pid)
    seen: set[int] = set()
    try:
        for i in range(10):  # warm-up: pools, caches, jedi, imports
            run_doc(ed, f"warm{i}.py", i)
        for i in range(3):
            generate_doc(ed, f"warmgen{i}.py")
        assert ed.alive()
        rss0, fds0, threads0 = server.memory_info().rss, server.num_fds(), server.num_threads()
        spares = len(descendants(server))

        for i in range(90):
            # a new document every 3 runs; the old one is closed
            run_doc(ed, f"soak{i // 3}.py", i)
            seen.update(p.pid for p in descendants(server))
            if i % 5 == 0:
                generate_doc(ed, f"gen{i}.py")
            assert len(list(tmp.iterdir())) <= spares + 4, list(tmp.iterdir())
        for i in range(3):
            generate_doc(ed, f"tail{i}.py")
        assert ed.alive()

        growth = (server.memory_info().rss - rss0) / 2**20
        assert growth < RSS_BOUND_MIB, f"RSS grew {growth:.0f} MiB over 90 runs + 21 generations"
        assert server.num_fds() <= fds0 + 4, (fds0, server.num_fds())
        assert server.num_threads() <= threads0 + 4, (threads0, server.num_threads())
        # every document was closed: only the warm pool's spares remain
        ed.poll(lambda: len(descendants(server)) <= spares, timeout=30)
    finally:
        seen.update(p.pid for p in descendants(server))
        ed.close()
    gone, alive = psutil.wait_procs([psutil.Process(p) for p in seen if psutil.pid_exists(p)], 30)
    assert not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE], alive
    assert list(tmp.iterdir()) == [], "temporary directories left behind"


def steady_count(server: psutil.Process, still: float = 1.0) -> int:
    """How many processes the server has once that number has held for ``still`` seconds."""
    count, since = len(descendants(server)), time.monotonic()
    while time.monotonic() - since < still:
        time.sleep(0.05)
        now = len(descendants(server))
        if now != count:
            count, since = now, time.monotonic()
    return count


def test_closing_a_document_frees_its_session() -> None:
    tmp = DIR / "tmp-close"
    tmp.mkdir()
    ed = Editor(env={"TMPDIR": str(tmp)}, options={"run": {"mode": "session"}})
    server = psutil.Process(ed.proc.pid)
    try:
        probe = ed.open("probe.py", "x = 1\n")
        ed.call(
            "workspace/executeCommand",
            {"command": "prosepy.runFile", "arguments": [{"uri": probe.uri}]},
        )
        probe.close()
        ed.poll(lambda: len(descendants(server)) <= 4, timeout=30)
        idle = steady_count(server)  # (the warm pool may be starting its spare)

        docs = [ed.open(f"session{i}.py", f"value = {i}\n") for i in range(3)]
        for doc in docs:
            ed.call(
                "workspace/executeCommand",
                {"command": "prosepy.runFile", "arguments": [{"uri": doc.uri}]},
            )
        # a process per open document's session (a session may take the pool's spare,
        # whose replacement starts a moment later)
        ed.poll(lambda: len(descendants(server)) >= idle + 3, timeout=30)
        value = ed.call(
            "workspace/executeCommand",
            {"command": "prosepy.run", "arguments": [{"uri": docs[1].uri, "line": 0}]},
        )
        assert value["ok"]
        for doc in docs:
            doc.close()
        ed.poll(lambda: len(descendants(server)) <= idle, timeout=30)
        assert ed.alive()
    finally:
        ed.close()
    assert list(tmp.iterdir()) == []
