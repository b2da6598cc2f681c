"""The jedi worker process: signatures and docs worked out ahead of the hovers that need them.

    python -m prosepy.explain.symbols.worker requests|background   (JSON lines on stdio)

jedi needs tens of milliseconds for a name and seconds for a first look at a library. In
its own process it can neither stall the server's event loop nor hold the GIL that the
server's requests need. Two run side by side: the "background" one analyses every name
of the open documents, nearest the last hover first, and streams the answers to the server,
which keeps them (``index``) and answers hovers from them at once; the "requests" one keeps
the documents parsed and answers a hover the other has not reached yet, without waiting
behind a long analysis.

In: ``configure`` (Python environment, project root), ``open`` (a document's text, also
after edits), ``close``, ``focus``, ``hover`` (a request with an ``id``), ``cancel`` (a
request whose hover no longer waits).
Out: ``ready``, ``environment``, ``answers`` (entries and definitions), ``definition`` (a
docstring that arrived later), ``working`` (on a request, with jedi), ``reply``, ``busy``
and ``idle`` (what takes long right now).
Every outgoing message carries the ``epoch`` of the last ``configure``. The documents and
settings a worker follows are ``session``'s; here is what it does with them.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
import time
from typing import Any

from prosepy.explain.symbols import documents, parso_cache, persist, render, workspace
from prosepy.explain.symbols.channel import FLUSH_S, Channel, read_lines
from prosepy.explain.symbols.documents import Doc, Pending, import_names, list_names, quick_ones
from prosepy.explain.symbols.runtime_docs import RuntimeDocs, wanted
from prosepy.explain.symbols.scripts import fresh_limits
from prosepy.explain.symbols.session import WorkerSession
from prosepy.explain.symbols.warmup import WarmUp

#: PROSEPY_JEDI_LOG=1: one line per step and request on stderr, with its duration.
LOG = bool(os.environ.get("PROSEPY_JEDI_LOG"))


class Worker(WorkerSession):
    """``role`` "requests": answers hovers at once, and otherwise only parses documents and
    resolves their imports; "background": analyses every name, and is never asked."""

    def __init__(self, channel: Channel, role: str = "background") -> None:
        super().__init__(channel, role)
        self.inbox: queue.Queue[dict[str, Any]] = queue.Queue()
        self.requests: list[dict[str, Any]] = []
        self.stopping = False
        self.warm_up = WarmUp()
        #: when the worker last had something else to do than the workspace's files
        self.last_busy = time.monotonic()

    # -- the loop -------------------------------------------------------------------------
    def run(self) -> None:
        self.channel.send({"op": "ready", "pid": os.getpid()})
        while not self.stopping:
            busy = bool(self.requests) or self._has_work() or self._prospecting()
            self._drain(block=not busy)
            if self.out.entries:  # answers read from disk go out before any slow step
                self.out.flush()
            if self.requests:  # the newest hover first: older ones were given up on
                self._guard("request", self.handle, self.requests.pop())
                self.last_busy = time.monotonic()
            elif self._has_work():
                self._guard("name", self.step)
                self.last_busy = time.monotonic()
                if self.out.due():
                    self.out.flush()
            elif self._prospecting():
                self._guard("name", self._prospect)
            else:
                self.out.flush()
        self.out.flush()
        for doc in [*self.docs.values(), *self.parked.values()]:
            if not doc.announced:
                self._keep(doc)  # what this session analysed, for the next one
        if self.runtime_docs is not None:
            self.runtime_docs.close()

    def _drain(self, block: bool) -> None:
        """Take every message that has arrived: documents and settings are applied now,
        in order; requests wait in ``self.requests`` for their turn."""
        try:
            message: dict[str, Any] | None = self.inbox.get(block=block, timeout=FLUSH_S)
        except queue.Empty:
            return
        while message is not None:
            op = message.get("op")
            if op == "shutdown":
                self.stopping = True
            elif op == "hover":
                self.requests.append(message)
            elif op == "cancel":  # the hover was answered without this worker
                self.requests = [r for r in self.requests if r.get("id") != message.get("id")]
            else:
                self._guard("request", self.handle, message)
            try:
                message = self.inbox.get_nowait()
            except queue.Empty:
                message = None

    def _guard(self, what: str, function: Any, *args: Any) -> None:
        self.activity.doing(what)
        started = time.perf_counter()
        try:
            function(*args)
        except Exception as exc:  # one bad document or name must not end the worker
            print(f"prosepy jedi worker: {what} failed: {exc!r}", file=sys.stderr)
            reply_id = args[0].get("id") if args and isinstance(args[0], dict) else None
            if reply_id is not None:
                self.channel.send({"op": "reply", "id": reply_id, "error": repr(exc)})
        finally:
            if LOG:
                self._log(what, started, args[0] if args else None)
            self.activity.done()

    def _log(self, what: str, started: float, message: Any) -> None:
        """One line on stderr: when (monotonic, as the server's), which worker, how long,
        what; for a message its op, and for a request how long it waited for its turn."""
        now = time.perf_counter()
        if isinstance(message, dict):
            what = f"{what} {message.get('op')}"
            if "id" in message:
                what += f" #{message['id']} waited {started - message.get('_arrived', started):.3f}"
        print(
            f"{time.monotonic():.3f} {self.role[:4]} {now - started:7.4f} s {what} "
            f"{self.activity.what()}",
            file=sys.stderr,
        )

    def _warming(self) -> bool:
        """The requests worker warms up whenever it has a moment (its hovers need it); the
        background one only until the first document arrives (analysing it warms too)."""
        return bool(self.warm_up) and (self.role == "requests" or not self.docs)

    def _has_work(self) -> bool:
        if self._warming():
            return True
        return any(
            d.pending is None or d.pending.lines or d.shared or not d.announced
            for d in self.docs.values()
        )

    # -- messages -------------------------------------------------------------------------
    def handle(self, message: dict[str, Any]) -> None:
        op = message.get("op")
        if op == "configure":
            self.configure(message)
        elif op == "open":
            self.open(message)
        elif op == "close":
            self.close(message["uri"])
        elif op == "focus":
            self._focus(message["uri"], int(message["line"]), message.get("col"))
        elif op == "hover":
            self.hover(message)
        elif op == "forget":
            self.out.sent.difference_update(message.get("keys", []))
        elif op == "_runtime_doc":
            self._runtime_doc(message["key"], message["doc"])

    def configure(self, message: dict[str, Any]) -> None:
        python = self.wanted_python
        super().configure(message)
        if self.wanted_python != python:
            self.warm_up.restart()  # with the interpreter jedi reads now

    # -- jedi -----------------------------------------------------------------------------
    def _script(self, doc: Doc) -> Any:
        script = self.scripts.get(doc.uri)
        if script is None:
            env = self._environment()
            self.activity.doing("reading", doc.lines > 1000, subject=doc.label, lines=doc.lines)
            script = self.scripts.create(doc.uri, doc.path, doc.text, env.project, env.jedi)
        return script

    def _known(self, doc: Doc, line: int, col: int, complete: bool = False) -> bool:
        entry = doc.index.lines.get(line, {}).get(col)
        if entry is None:
            return False
        records = self.defs.get_all(entry[1])
        if records is None:
            return False
        return not (complete and any(r.get("provisional") for r in records))

    def analyse(self, doc: Doc, line: int, col: int, end: int, quick: bool = False) -> list[str]:
        """jedi's definitions of a name: their keys (their records stored), in the order
        the hover shows them; none when jedi has nothing to say. ``quick``: without
        inferring variables' values (``render.definition``); not quick, a quick record
        known already is completed."""
        self.activity.doing("name", subject=doc.line(line)[col:end], where=doc.label)
        script = self._script(doc)
        keys = []
        try:
            fresh_limits(script)
            for name in render.distinct(script.help(line + 1, col), doc.path, line, col):
                key = render.definition_key(name)
                known = self.defs.get(key)
                if known is None:
                    record = render.definition(name, quick=quick)
                    self.defs.put(record)
                    self._want_runtime_doc(record)
                elif known.get("provisional") and not quick:
                    self.defs.put(render.completed(known, name))
                    self.out.sent.discard(key)  # the server has the quick one
                keys.append(key)
        except Exception as exc:  # jedi has rare internal errors on odd code: nothing to say
            print(f"prosepy jedi worker: {doc.label}:{line + 1}: {exc!r}", file=sys.stderr)
            keys = []
        doc.index.put(line, col, end, keys)
        return keys

    def step(self) -> None:
        """One unit of background work: parse a document, warm jedi up, or one name."""
        docs = sorted(self.docs.values(), key=lambda d: d.uri != self.focus_uri)
        for doc in docs:
            if doc.pending is None and not (self.role == "requests" and doc.large):
                self._read(doc)
                return
        if self._warming():
            env = self._environment()
            self.activity.doing("starting")
            self.warm_up.step(env.jedi, env.project)
            return
        for doc in docs:
            if doc.pending is None:  # (a large one: the requests worker reads it when asked)
                doc.pending, doc.announced = Pending(), True
            while doc.urgent:
                line, col = doc.urgent.pop()
                if not self._known(doc, line, col, complete=True):
                    end = doc.word_end(line, col)
                    keys = self.analyse(doc, line, col, end)
                    self.out.queue(doc.uri, doc.version, [line, col, end, keys], self.defs)
                    self._share(doc, line, col, keys)
                    return
            while (taken := documents.take_next(doc)) is not None:
                line, col, end = taken
                if self._known(doc, line, col):  # a hover asked for it meanwhile
                    continue
                quick = self.role == "requests" or not doc.near(line)
                keys = self.analyse(doc, line, col, end, quick=quick)
                self.out.queue(doc.uri, doc.version, [line, col, end, keys], self.defs)
                self._share(doc, line, col, keys)
                return
            if self.role == "background" and doc.unfinished_after is not doc.pending:
                doc.unfinished, doc.unfinished_after = self._unfinished(doc), doc.pending
            while doc.unfinished is not None and (taken := doc.unfinished.take(doc.focus)):
                line, col, end = taken
                if self._known(doc, line, col, complete=True):
                    continue
                keys = self.analyse(doc, line, col, end)
                self.out.queue(doc.uri, doc.version, [line, col, end, keys], self.defs)
                return
            if not doc.announced:
                doc.announced = True
                self._keep(doc)
                self.out.flush()
                self.channel.send({"op": "analysed", "uri": doc.uri, "version": doc.version})
                return

    def _unfinished(self, doc: Doc) -> Pending:
        """The names whose quick answers are left to complete, one per definition."""

        def provisional(keys: tuple[str, ...]) -> bool:
            records = self.defs.get_all(keys)
            return records is not None and any(r.get("provisional") for r in records)

        return quick_ones(doc, provisional)

    def _prospecting(self) -> bool:
        """Whether to work on the workspace's files: the background worker, once it has had
        nothing else to do for a while (the editor's start, a model loading, come first)."""
        return (
            self.role == "background"
            and bool(self.prospects)
            and not self._has_work()
            and time.monotonic() - self.last_busy >= workspace.QUIET_S
        )

    def _prospect(self) -> None:
        """One step on the workspace's files not open yet (``workspace``): list them, read
        one, or analyse one of its names; nothing is sent (their documents take it when they
        open), and a file's answers are kept on disk when it is done. The background worker
        only: a step can take jedi a second (a library's first look), which a hover waiting
        on the requests worker must not."""
        ahead = self.prospects
        if ahead.files is None:
            self.activity.doing("starting")
            ahead.list()
            return
        doc = ahead.doc
        if doc is None:
            path = ahead.files.pop(0)
            if any(d.path == path for d in [*self.docs.values(), *self.parked.values()]):
                return  # open, or opened and closed: analysed as a document
            text = workspace.read(path)
            if text is None or (self.kept and persist.load(self.kept, path, text) is not None):
                return  # unreadable, or kept from an earlier session
            doc = ahead.start(path, text)
            self.activity.doing("reading", doc.lines > 1000, subject=doc.label, lines=doc.lines)
            module = self._script(doc)._module_node
            self._known_builtins(doc, send=False)
            doc.pending = list_names(doc, module, lambda line, col: self._known(doc, line, col))
            return
        taken = doc.pending.take(0) if doc.pending is not None else None
        while taken is not None and self._known(doc, taken[0], taken[1]):
            taken = doc.pending.take(0) if doc.pending is not None else None  # (shared)
        if taken is None:
            self.scripts.closed(doc.uri)  # (its inference state stays for the document)
            self._keep(ahead.finish() or doc)
            return
        keys = self.analyse(doc, *taken)
        self._share(doc, taken[0], taken[1], keys, send=False)

    def _read(self, doc: Doc) -> None:
        """Parse a document and list its names: every one (the background worker), or
        those its imports define (the requests worker: they make the first hovers quick).
        A large document is read by the requests worker only when a hover there asks:
        seconds of parsing would hold up every hover in the other documents."""
        doc.pending, doc.announced = Pending(), True  # if reading it fails: no retries
        module = self._script(doc)._module_node
        known = lambda line, col: self._known(doc, line, col)  # noqa: E731
        if self.role == "requests":
            doc.pending, doc.announced = import_names(module, known), True
        else:
            doc.pending, doc.announced = list_names(doc, module, known), False
        self._known_builtins(doc)
        if self.role == "background":  # (after the builtins other documents answered)
            doc.shared = documents.shared_names(doc, known)

    # -- requests -------------------------------------------------------------------------
    def hover(self, message: dict[str, Any]) -> None:
        uri, line, col = message["uri"], int(message["line"]), int(message["col"])
        doc = self.docs.get(uri)
        reply: dict[str, Any] = {"op": "reply", "id": message["id"], "uri": uri}
        if doc is None or doc.version != message.get("version"):
            reply["missing"] = True
            self.channel.send(reply)
            return
        self._focus(uri, line)
        entry = doc.index.get(line, col)
        records = self.defs.get_all(entry[1]) if entry is not None else None
        keys: list[str] | None = None  # worked out now
        if entry is None or records is None:
            # (a hover that stops waiting now leaves the name to this worker, not both)
            self.channel.send({"op": "working", "id": message["id"]})
            end = doc.word_end(line, col)
            keys = self.analyse(doc, line, col, end, quick=True)
            entry, records = (end, tuple(keys)), self.defs.get_all(keys) or []
        reply.update(version=doc.version, entry=[line, col, entry[0], list(entry[1])])
        reply["defs"] = records
        self.out.sent.update(record["key"] for record in records)
        self.out.flush()
        self.channel.send(reply)
        if keys is not None:  # after the reply: finding the name's other uses reads the text
            self._share(doc, line, col, keys)
            self.out.flush()

    # -- runtime docstrings ---------------------------------------------------------------
    def _want_runtime_doc(self, record: dict[str, Any]) -> None:
        """Ask for the docstring the library builds at import time, if the source has none
        (the background worker only: the other one's answers are quick ones)."""
        if not self.runtime_enabled or self.role != "background":
            return
        env = self._environment()
        target = wanted(record, env.libraries)
        if target is None:
            return
        if self.runtime_docs is None:
            self.runtime_docs = RuntimeDocs(
                env.python,
                lambda key, doc: self.inbox.put({"op": "_runtime_doc", "key": key, "doc": doc}),
            )
        if self.runtime_docs.ask(record["key"], *target):
            record["doc_pending"] = True  # the hover says the docs are on their way

    def _runtime_doc(self, key: str, doc: str) -> None:
        record = self.defs.get(key)
        if record is None or record.get("has_doc") or not record.get("doc_pending"):
            return
        record = dict(render.with_doc(record, doc) if doc else record, doc_pending=False)
        self.defs.put(record)
        if key in self.out.sent:
            self.channel.send({"op": "definition", "record": record})


def configure_jedi() -> None:
    """jedi's settings in the workers.

    To find ``items.append`` jedi infers ``items``, and for a list that means every
    ``append`` and ``extend`` call on it (the list's contents), which a signature does not
    need: 0.7 s at one name of argparse.py, 2 s at another, and the hovers waiting behind
    such a name wait that long. Over every name of argparse.py, collections and the pandas
    script (7,296) the answers without it differed at 26: an inferred value lost (the hover
    shows the binding statement instead, as jedi-language-server does) or, at 2, the
    method of a list's item; argparse.py took 0.68x the CPU (``scripts/bench_hover_lists.py``).
    """
    import jedi.settings

    jedi.settings.dynamic_array_additions = False


def main() -> int:
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever jedi or an imported library prints must not reach the protocol
    sys.stdout = sys.stderr
    role = sys.argv[1] if len(sys.argv) > 1 else "background"
    parso_cache.install()  # the other worker and other servers read the same files
    if role == "background" and hasattr(os, "nice"):
        os.nice(10)  # hovers and the editor come first
    configure_jedi()
    worker = Worker(Channel(out), role)
    threading.Thread(target=read_lines, args=(sys.stdin.buffer, worker.inbox), daemon=True).start()
    worker.run()
    out.flush()
    # The reader thread may be blocked on stdin: leave without interpreter finalization,
    # which would wait for stdin's lock ("could not acquire lock ... at shutdown").
    os._exit(0)


if __name__ == "__main__":
    raise SystemExit(main())
