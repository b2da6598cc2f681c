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
after edits), ``close``, ``focus``, ``hover`` and ``names`` (requests with an ``id``).
Out: ``ready``, ``environment``, ``answers`` (entries and definitions), ``definition`` (a
docstring that arrived later), ``reply``, ``busy`` and ``idle`` (what takes long right now).
Every outgoing message carries the ``epoch`` of the last ``configure``.
"""

from __future__ import annotations

import json
import os
import queue
import sys
import threading
import time
from pathlib import Path
from typing import Any, BinaryIO

from prosepy.explain.symbols import render
from prosepy.explain.symbols.documents import (
    LARGE_WINDOW,
    Doc,
    import_names,
    list_names,
)
from prosepy.explain.symbols.index import DefinitionStore, DocumentIndex, Edit
from prosepy.explain.symbols.runtime_docs import RuntimeDocs, library_dirs, wanted
from prosepy.explain.symbols.scripts import Scripts

#: Answers are sent in batches at most this far apart.
FLUSH_S = 0.03
#: A step that runs longer than this is announced (``busy``) so hovers can say what loads.
ANNOUNCE_S = 0.03
#: PROSEPY_JEDI_LOG=1: one line per step and request on stderr, with its duration.
LOG = bool(os.environ.get("PROSEPY_JEDI_LOG"))
WARM_UP = "import os\nimport re\nimport typing\nos.path.join('a')\nlen(str(super()))\n"


class Channel:
    """Writes JSON lines to the server; the watchdog thread writes too, hence the lock."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.lock = threading.Lock()
        self.epoch = 0

    def send(self, message: dict[str, Any]) -> None:
        message["epoch"] = self.epoch
        data = json.dumps(message, separators=(",", ":")).encode() + b"\n"
        with self.lock:
            self.stream.write(data)
            self.stream.flush()


class Worker:
    """``role`` "requests": answers hovers at once, and otherwise only parses documents and
    resolves their imports; "background": analyses every name, and is never asked."""

    def __init__(self, channel: Channel, role: str = "background") -> None:
        self.channel = channel
        self.role = role
        self.docs: dict[str, Doc] = {}
        self.scripts = Scripts()
        self.defs = DefinitionStore()
        self.sent: set[str] = set()  # definition keys the server holds
        self.focus_uri: str | None = None
        self.environment: Any = None
        self.project: Any = None
        self.python = sys.executable
        self.configured_python: str | None = None
        self.libraries: list[Path] = []
        self.runtime_docs: RuntimeDocs | None = None
        self.runtime_enabled = True
        self.inbox: queue.Queue[dict[str, Any]] = queue.Queue()
        self.requests: list[dict[str, Any]] = []
        self.stopping = False
        self.outbox: dict[tuple[str, Any], list[list[Any]]] = {}
        self.out_defs: list[dict[str, Any]] = []
        self.last_flush = time.monotonic()
        #: (started, what, announced) of the step running now; read by the watchdog.
        self.activity: list[Any] | None = None
        self.warm = False

    # -- the loop -------------------------------------------------------------------------
    def run(self) -> None:
        threading.Thread(target=self._watchdog, name="watchdog", daemon=True).start()
        self.channel.send({"op": "ready", "pid": os.getpid()})
        while not self.stopping:
            busy = bool(self.requests) or self._has_work()
            self._drain(block=not busy)
            if self.requests:  # the newest hover first: older ones were given up on
                self._guard("request", self.handle, self.requests.pop())
            elif self._has_work():
                self._guard("name", self.step)
                if time.monotonic() - self.last_flush >= FLUSH_S:
                    self.flush()
            else:
                self.flush()
        self.flush()
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
            elif op in ("hover", "names"):
                self.requests.append(message)
            else:
                self._guard("request", self.handle, message)
            try:
                message = self.inbox.get_nowait()
            except queue.Empty:
                message = None

    def _guard(self, what: str, function: Any, *args: Any) -> None:
        self._doing(what)
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
                activity = self.activity[1] if self.activity else {}
                print(f"{time.perf_counter() - started:8.4f} s {what} {activity}", file=sys.stderr)
            self._done()

    def _has_work(self) -> bool:
        if not self.warm:
            return True
        return any(
            d.pending is None or d.pending.lines or not d.announced for d in self.docs.values()
        )

    def _doing(self, kind: str, **what: Any) -> None:
        """Say what the step starting now does: "reading" (subject, lines), "name"
        (subject, where), "environment" (subject), "starting", "request"."""
        self.activity = [time.monotonic(), {"kind": kind, **what}, False]

    def _done(self) -> None:
        activity, self.activity = self.activity, None
        if activity is not None and activity[2]:
            self.channel.send({"op": "idle"})

    def _watchdog(self) -> None:
        while True:
            time.sleep(0.01)
            activity = self.activity
            if activity and not activity[2] and time.monotonic() - activity[0] > ANNOUNCE_S:
                activity[2] = True
                self.channel.send({"op": "busy", "what": activity[1]})

    # -- messages -------------------------------------------------------------------------
    def handle(self, message: dict[str, Any]) -> None:
        op = message.get("op")
        if op == "configure":
            self.configure(message)
        elif op == "open":
            self.open(message)
        elif op == "close":
            self.docs.pop(message["uri"], None)
            self.scripts.closed(message["uri"])
        elif op == "focus":
            self._focus(message["uri"], int(message["line"]), message.get("col"))
        elif op == "hover":
            self.hover(message)
        elif op == "names":
            self.names(message)
        elif op == "forget":
            self.sent.difference_update(message.get("keys", []))
        elif op == "_runtime_doc":
            self._runtime_doc(message["key"], message["doc"])

    def configure(self, message: dict[str, Any]) -> None:
        import jedi

        self.channel.epoch = int(message.get("epoch", 0))
        python = message.get("python") or ""
        root = message.get("root") or None
        self._doing("environment", subject=python or sys.executable)
        error = None
        environment = None
        if self.environment is not None and python == self.configured_python:
            environment = self.environment  # only the project changed: keep its subprocess
        elif python:
            try:
                environment = jedi.create_environment(python, safe=False)
                environment._get_subprocess()  # fails here, not at the first hover
            except Exception as exc:
                error = f"{python} cannot be used: {exc}"
                environment = None
            # The server's own environment (a venv's python is often a link to the same
            # binary as another venv's: compare environments, not files): read in-process.
            if environment is not None and os.path.samefile(environment.path, sys.prefix):
                environment = None
        if environment is None:
            environment = jedi.InterpreterEnvironment()
        self.environment = environment
        self.configured_python = python
        self.python = environment.executable if error is None and python else sys.executable
        try:
            self.project = jedi.Project(root) if root else None
        except Exception:
            self.project = None
        try:
            sys_path = list(environment.get_sys_path())
        except Exception:
            sys_path = []
        self.libraries = library_dirs(sys_path, [root] if root else [])
        self.runtime_enabled = bool(message.get("runtime_docs", True))
        if self.runtime_docs is not None:
            self.runtime_docs.close()
        self.runtime_docs = None
        self.defs.clear()
        self.sent.clear()
        self.scripts.clear()
        self.outbox.clear()
        self.out_defs.clear()
        for doc in self.docs.values():
            doc.index = DocumentIndex()
            doc.pending = None
        self.channel.send(
            {
                "op": "environment",
                "python": self.python,
                "version": ".".join(map(str, environment.version_info[:3])),
                "error": error,
            }
        )

    def open(self, message: dict[str, Any]) -> None:
        uri, text = message["uri"], message["text"]
        doc = self.docs.get(uri)
        raw_edits = message.get("edits")
        path = message.get("path")
        if doc is None or raw_edits is None or doc.path != path:
            doc = self.docs[uri] = Doc(uri, path, message.get("version"), text)
        else:
            edits = [Edit.from_json(e) for e in raw_edits]
            doc.index.apply(edits)
            dropped = self.defs.apply(path, edits)
            if dropped:
                self.sent.difference_update(dropped)
                for other in self.docs.values():
                    other.index.drop_keys(dropped)
            doc.version, doc.text = message.get("version"), text
            doc.pending = None
        self.scripts.changed(uri, path)
        if "focus" in message:
            doc.focus = int(message["focus"])
        if self.focus_uri is None or "focus" in message:
            self.focus_uri = uri

    def _focus(self, uri: str, line: int, col: int | None = None) -> None:
        """The user reads around ``line``; a hover asked about the name at ``col`` (its
        complete answer, if the quick one left something out, comes first)."""
        doc = self.docs.get(uri)
        if doc is not None:
            doc.focus = line
            self.focus_uri = uri
            if col is not None:
                doc.urgent.append((line, int(col)))
            if doc.large and abs(line - doc.listed_at) > LARGE_WINDOW // 2:
                doc.pending = None  # list the names around the new place

    # -- jedi -----------------------------------------------------------------------------
    def _script(self, doc: Doc) -> Any:
        script = self.scripts.get(doc.uri)
        if script is None:
            self._doing("reading", subject=doc.label, lines=doc.lines)
            script = self.scripts.create(
                doc.uri, doc.path, doc.text, self.project, self.environment
            )
        return script

    def _known(self, doc: Doc, line: int, col: int, complete: bool = False) -> bool:
        entry = doc.index.lines.get(line, {}).get(col)
        if entry is None or entry[1] is None:
            return entry is not None
        record = self.defs.get(entry[1])
        return record is not None and not (complete and record.get("provisional"))

    def analyse(self, doc: Doc, line: int, col: int, end: int) -> str | None:
        """jedi's definition at a name: its key (its record stored), or None."""
        self._doing("name", subject=doc.line(line)[col:end], where=doc.label)
        script = self._script(doc)
        key = None
        for name in script.help(line + 1, col):
            if name.type == "keyword":
                continue
            key = render.definition_key(name)
            if key not in self.defs:
                record = render.definition(name, quick=self.role == "requests")
                self.defs.put(record)
                self._want_runtime_doc(record)
            break
        doc.index.put(line, col, end, key)
        return key

    def step(self) -> None:
        """One unit of background work: parse a document, warm jedi up, or one name."""
        docs = sorted(self.docs.values(), key=lambda d: d.uri != self.focus_uri)
        if not self.warm:
            if not docs:
                self._warm_up()  # nothing to read yet: load jedi and the builtins' stubs
                return
            self.warm = True  # reading the first document warms jedi up as well
        for doc in docs:
            if doc.pending is None:
                module = self._script(doc)._module_node
                known = lambda line, col, doc=doc: self._known(doc, line, col)  # noqa: E731
                if self.role == "requests":  # only what makes the first hovers quick
                    doc.pending, doc.announced = import_names(module, known), True
                else:
                    doc.pending, doc.announced = list_names(doc, module, known), False
                return
            while doc.urgent:
                line, col = doc.urgent.pop()
                if not self._known(doc, line, col, complete=True):
                    end = doc.word_end(line, col)
                    self._queue(doc, [line, col, end, self.analyse(doc, line, col, end)])
                    return
            while (taken := doc.pending.take(doc.focus)) is not None:
                line, col, end = taken
                if self._known(doc, line, col):  # a hover asked for it meanwhile
                    continue
                key = self.analyse(doc, line, col, end)
                self._queue(doc, [line, col, end, key])
                return
            if not doc.announced:
                doc.announced = True
                self.flush()
                self.channel.send({"op": "analysed", "uri": doc.uri, "version": doc.version})

    def _warm_up(self) -> None:
        """Load jedi and the builtins' stubs before the first document needs them."""
        import jedi

        self._doing("starting")
        self.warm = True
        if self.environment is None:
            self.environment = jedi.InterpreterEnvironment()
        script = jedi.Script(WARM_UP, environment=self.environment)
        for line, col in ((4, 8), (5, 0), (5, 4), (5, 8)):
            for name in script.help(line, col)[:1]:
                render.definition(name)

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
        if entry is None or (entry[1] is not None and entry[1] not in self.defs):
            end = doc.word_end(line, col)
            entry = (end, self.analyse(doc, line, col, end))
        record = self.defs.get(entry[1])
        reply.update(version=doc.version, entry=[line, col, entry[0], entry[1]])
        reply["defs"] = [record] if record else []
        if record:
            self.sent.add(record["key"])
        self.flush()
        self.channel.send(reply)

    def names(self, message: dict[str, Any]) -> None:
        """Completions at a position (generation's names in scope), in the user's Python."""
        import jedi

        self._doing("request")
        script = jedi.Script(
            message["text"],
            path=message.get("path"),
            project=self.project,
            environment=self.environment,
        )
        out = []
        for name in script.complete(int(message["line"]), int(message["col"])):
            try:
                out.append([name.name, name.type, name.module_name])
            except Exception:
                continue
        self.channel.send({"op": "reply", "id": message["id"], "names": out})

    # -- runtime docstrings ---------------------------------------------------------------
    def _want_runtime_doc(self, record: dict[str, Any]) -> None:
        if not self.runtime_enabled:
            return
        target = wanted(record, self.libraries)
        if target is None:
            return
        if self.runtime_docs is None:
            self.runtime_docs = RuntimeDocs(
                self.python,
                lambda key, doc: self.inbox.put({"op": "_runtime_doc", "key": key, "doc": doc}),
            )
        self.runtime_docs.ask(record["key"], *target)

    def _runtime_doc(self, key: str, doc: str) -> None:
        record = self.defs.get(key)
        if record is None or record.get("has_doc"):
            return
        record = render.with_doc(record, doc)
        self.defs.put(record)
        if key in self.sent:
            self.channel.send({"op": "definition", "record": record})

    # -- output ---------------------------------------------------------------------------
    def _queue(self, doc: Doc, entry: list[Any]) -> None:
        self.outbox.setdefault((doc.uri, doc.version), []).append(entry)
        key = entry[3]
        if key is not None and key not in self.sent:
            record = self.defs.get(key)
            if record is not None:
                self.out_defs.append(record)
                self.sent.add(key)

    def flush(self) -> None:
        self.last_flush = time.monotonic()
        if not self.outbox:
            return
        defs, self.out_defs = self.out_defs, []
        batches, self.outbox = self.outbox, {}
        for (uri, version), entries in batches.items():
            self.channel.send(
                {"op": "answers", "uri": uri, "version": version, "entries": entries, "defs": defs}
            )
            defs = []


def _read(stream: BinaryIO, inbox: queue.Queue[dict[str, Any]]) -> None:
    for line in stream:
        try:
            inbox.put(json.loads(line))
        except ValueError:
            print(f"prosepy jedi worker: unreadable message {line[:80]!r}", file=sys.stderr)
    inbox.put({"op": "shutdown"})  # the server is gone


def main() -> int:
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever jedi or an imported library prints must not reach the protocol
    sys.stdout = sys.stderr
    role = sys.argv[1] if len(sys.argv) > 1 else "background"
    if role == "background" and hasattr(os, "nice"):
        os.nice(10)  # hovers and the editor come first
    worker = Worker(Channel(out), role)
    threading.Thread(target=_read, args=(sys.stdin.buffer, worker.inbox), daemon=True).start()
    worker.run()
    out.flush()
    # The reader thread may be blocked on stdin: leave without interpreter finalization,
    # which would wait for stdin's lock ("could not acquire lock ... at shutdown").
    os._exit(0)


if __name__ == "__main__":
    raise SystemExit(main())
