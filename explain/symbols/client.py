"""The server's side of the jedi worker: the process, the answers it sent, and hover lookups.

``SymbolService`` starts two workers (``python -m prosepy.explain.symbols.worker``): one
analyses every name ahead of time and streams the answers back, the other answers at once
the names the first has not reached. It tells both about documents and the user's Python
and keeps the answers, so that a hover is answered from memory (``lookup``) and only a
name not analysed yet is asked (``request``, a future the hover waits on within its
budget). Thread-safe: each worker's messages are read on a thread of their own. No LSP
here: the hover feature adapts LSP events to these calls.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prosepy.explain.symbols import persist, render
from prosepy.explain.symbols.documents import Parked
from prosepy.explain.symbols.index import (
    DefinitionStore,
    DocumentIndex,
    Edit,
    shift_line,
    shift_record,
)
from prosepy.explain.symbols.process import WorkerProcess
from prosepy.explain.symbols.workspace import DEFAULT_FILES

logger = logging.getLogger(__name__)

#: Edits kept per document to move answers computed on an older text into place.
MAX_EDIT_LOG = 500
#: Definitions kept before those no open document points at are forgotten.
MAX_DEFINITIONS = 20000


@dataclass
class Answer:
    """jedi's answer at a position: ``known`` with the ``records`` of its definitions, in
    the order the hover shows them (none when jedi has nothing to say there), or not known
    yet."""

    known: bool
    records: list[dict[str, Any]] = field(default_factory=list)

    @property
    def provisional(self) -> bool:
        """Whether a quick answer left something out (a variable's value)."""
        return any(record.get("provisional") for record in self.records)


UNKNOWN = Answer(False)


@dataclass
class Document:
    uri: str
    path: str | None
    #: the client's version of the text
    version: Any
    #: the server's name for the text, unique in the session: the workers' answers carry it.
    #: Not the client's version: a client may number a reopened file's versions from 1
    #: again, and a worker's late answer for an older text would land on the new one.
    revision: int = 0
    index: DocumentIndex = field(default_factory=DocumentIndex)
    #: (revision after the change, its edits), oldest first
    log: list[tuple[int, list[Edit]]] = field(default_factory=list)
    #: the revision whose text the workers have, and the edits since (None: send it whole)
    sent_revision: int | None = None
    unsent: list[Edit] | None = None
    #: hash of the text the index is for (None after edits the workers have not had)
    text_hash: int | None = None
    #: opened again with the answers it had when closed: the workers may take theirs back
    restored: bool = False
    #: the read of the answers an earlier session kept for the file, while it runs
    kept_read: concurrent.futures.Future[None] | None = None
    #: the revision the workers said they analysed every name of (they say it once)
    analysed: int | None = None


class SymbolService:
    """jedi's signatures and docs for hovers, worked out by two worker processes: one
    analyses every name ahead of time, the other answers the names it has not reached."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.docs: dict[str, Document] = {}
        #: closed documents' answers, for a reopening with the same text
        self.parked: Parked[Document] = Parked()
        self.defs = DefinitionStore()
        self.requests: dict[int, concurrent.futures.Future[dict[str, Any]]] = {}
        #: requests the requests worker has started working out with jedi
        self.working: set[int] = set()
        #: hovers waiting for an answer: request id -> (uri, version, line, col, future)
        self.hovers: dict[int, tuple[str, Any, int, int, concurrent.futures.Future[Answer]]] = {}
        self.ids = itertools.count(1)
        self.revisions = itertools.count(1)
        self.epoch = 0
        self.config: dict[str, Any] = {
            "python": "",
            "root": None,
            "runtime_docs": True,
            "workspace_files": DEFAULT_FILES,
        }
        self.configured = False
        #: where an earlier session kept answers, for ``config`` (computed when first read)
        self._kept_for: tuple[dict[str, Any], Path] | None = None
        #: The last ``environment`` message (python, version, error).
        self.environment: dict[str, Any] | None = None
        self.on_environment: Callable[[dict[str, Any]], None] | None = None
        #: Called (on a reader thread) with (uri, version) when every name of a document
        #: has been analysed.
        self.on_analysed: Callable[[str, Any], None] | None = None
        self.focused: tuple[str, int] | None = None
        #: The current text of an open document (the LSP adapter sets it), for restarts.
        self.text_of: Callable[[str], str | None] = lambda uri: None
        self.answerer = WorkerProcess("requests", self._receive, self._started)
        self.analyser = WorkerProcess("background", self._receive, self._started)

    @property
    def busy(self) -> dict[str, Any] | None:
        """What the worker that answers hovers is busy with, if anything takes long."""
        return self.answerer.busy

    @property
    def ready(self) -> threading.Event:
        return self.answerer.ready

    # -- the processes --------------------------------------------------------------------
    def start(self) -> None:
        self.answerer.start()
        self.analyser.start()

    def stop(self, wait: float = 0.5) -> None:
        """Stop both workers: asked together, killed after ``wait`` seconds (server exit
        must not wait for jedi)."""
        self.answerer.stop()
        self.analyser.stop()
        self.analyser.stop(wait)
        self.answerer.stop(0.05)

    def alive(self) -> bool:
        return self.answerer.alive()

    def _started(self, worker: WorkerProcess) -> None:
        """A (re)started worker gets the settings and every open document."""
        with self.lock:
            worker.send({"op": "configure", "epoch": self.epoch, **self.config})
            for doc in self.docs.values():
                text = self.text_of(doc.uri)
                if text is not None:
                    worker.send({**self._open_message(doc, text, None), "edits": None})

    def _send(self, message: dict[str, Any], to: str = "both") -> bool:
        sent = False
        if to in ("both", "requests"):
            sent = self.answerer.send(message)
        if to in ("both", "background"):
            sent = self.analyser.send(message) or sent
        return sent

    # -- settings and documents -----------------------------------------------------------
    def configure(
        self,
        python: str,
        root: str | None,
        runtime_docs: bool = True,
        workspace_files: int = DEFAULT_FILES,
    ) -> None:
        """Use ``python``'s environment ("" for the server's own) for the project at ``root``
        (its ``workspace_files`` most recently changed Python files are analysed before they
        open); clears what jedi said."""
        config = {
            "python": python or "",
            "root": root,
            "runtime_docs": runtime_docs,
            "workspace_files": workspace_files,
        }
        with self.lock:
            if config == self.config and self.configured:
                return
            self.config, self.configured = config, True
            self.epoch += 1
            self.defs.clear()
            self.parked.clear()
            for doc in self.docs.values():
                doc.index, doc.analysed = DocumentIndex(), None
                text = self.text_of(doc.uri)
                if text is not None:
                    self._read_kept(doc, text)
            self._send({"op": "configure", "epoch": self.epoch, **config})

    def opened(self, uri: str, path: str | None, version: Any, text: str) -> None:
        with self.lock:
            parked = self.parked.take(uri, text)
            if parked is not None and parked.path == path:  # its answers are still right
                # the same text keeps its revision: answers on their way for it are for this
                # opening too (a worker busy with one jedi step can send them after the file
                # was closed and opened again twice, and never sends an answer twice)
                parked.version, parked.sent_revision, parked.unsent = version, None, None
                parked.restored = True
                self.docs[uri] = parked
                # (said while it was closed, or before: the workers do not say it again)
                analysed = parked.analysed == parked.revision
            else:
                revision = next(self.revisions)
                # (answers for the text as opened move through the edits that follow)
                self.docs[uri] = Document(uri, path, version, revision, log=[(revision, [])])
                self._read_kept(self.docs[uri], text)
                analysed = False
            self.sync(uri, version, text)
        if analysed and self.on_analysed is not None:
            self.on_analysed(uri, version)

    def _read_kept(self, doc: Document, text: str) -> None:
        """Read the answers an earlier session kept for the file, on a thread of its own
        (tens of milliseconds for a large module; no jedi): the first hovers after the
        server starts must not wait for a worker to start and read them. The workers read
        them too, to skip those names, but do not send them: this read is the server's."""
        if doc.path is None:
            return
        epoch, config = self.epoch, dict(self.config)
        uri, revision, path = doc.uri, doc.revision, doc.path
        done: concurrent.futures.Future[None] = concurrent.futures.Future()
        doc.kept_read = done

        def read() -> None:
            try:
                loaded = persist.load(self._kept_folder(config), path, text)
            except Exception:  # a damaged file must not stop the server: jedi answers
                logger.exception("cannot read the answers kept for %s", path)
                loaded = None
            with self.lock:
                try:
                    if loaded is not None and epoch == self.epoch:
                        self._store(uri, revision, *loaded, fill=True)
                finally:  # (or every hover there would wait out KEPT_WAIT_S for it)
                    done.set_result(None)

        threading.Thread(target=read, name="prosepy-kept-answers", daemon=True).start()

    def reading_kept(self, uri: str) -> concurrent.futures.Future[None] | None:
        """The read of the answers kept for the document, while it runs: a hover that
        finds nothing yet waits for it rather than say "loading" (no jedi is needed)."""
        with self.lock:
            doc = self.docs.get(uri)
            read = doc.kept_read if doc is not None else None
            return read if read is not None and not read.done() else None

    def _kept_folder(self, config: dict[str, Any]) -> Path:
        """The workers' folder of kept answers for ``config`` (the same key they use; 5-12 ms
        to work out, from the installed packages' versions, so once per configuration)."""
        cached = self._kept_for
        if cached is not None and cached[0] == config:
            return cached[1]
        folder = persist.folder(config["python"], bool(config["runtime_docs"]))
        self._kept_for = (config, folder)
        return folder

    def changed(self, uri: str, version: Any, edits: list[Edit] | None) -> None:
        """Follow an edit at once (answers move with the text); the workers get the text
        later, when typing pauses (``sync``). ``edits`` None: the whole text was replaced."""
        with self.lock:
            doc = self.docs.get(uri)
            if doc is None:
                return
            doc.version, doc.text_hash = version, None
            doc.revision = next(self.revisions)
            if edits is None:
                doc.index = DocumentIndex()
                doc.log.clear()
                doc.unsent = None
                return
            doc.index.apply(edits)
            dropped = self.defs.apply(doc.path, edits)
            if dropped:
                for other in self.docs.values():
                    other.index.drop_keys(dropped)
            doc.log.append((doc.revision, edits))
            del doc.log[:-MAX_EDIT_LOG]
            if doc.unsent is not None:
                doc.unsent.extend(edits)

    def sync(self, uri: str, version: Any, text: str, focus: int | None = None) -> None:
        """Give the workers the document's text (of the client's ``version``) if they have
        an older one."""
        with self.lock:
            doc = self.docs.get(uri)
            if doc is None or doc.version != version or doc.sent_revision == doc.revision:
                return
            if self._send(self._open_message(doc, text, focus)):
                doc.sent_revision, doc.unsent = doc.revision, []
                doc.text_hash, doc.restored = hash(text), False

    @staticmethod
    def _open_message(doc: Document, text: str, focus: int | None) -> dict[str, Any]:
        edits = doc.unsent if doc.sent_revision is not None else None
        message: dict[str, Any] = {
            "op": "open",
            "uri": doc.uri,
            "path": doc.path,
            "version": doc.revision,
            "text": text,
            "edits": [e.to_json() for e in edits] if edits is not None else None,
        }
        if focus is not None:
            message["focus"] = focus
        if doc.restored:
            message["restored"] = True
        return message

    def closed(self, uri: str) -> None:
        with self.lock:
            doc = self.docs.pop(uri, None)
            if doc is not None:
                self._send({"op": "close", "uri": uri})
                if doc.text_hash is not None and doc.revision == doc.sent_revision:
                    self.parked.park(uri, doc.text_hash, doc)

    def focus(self, uri: str, line: int, col: int | None = None) -> None:
        """The user reads around ``line`` (hovered the name at ``col``): names there are
        analysed first."""
        with self.lock:
            if (self.focused != (uri, line) or col is not None) and uri in self.docs:
                self.focused = (uri, line)
                message = {"op": "focus", "uri": uri, "line": line, "col": col}
                self._send(message, to="background")

    # -- hovers ---------------------------------------------------------------------------
    def lookup(self, uri: str, version: Any, line: int, col: int) -> Answer:
        """What the workers already said about the name at ``col`` (its start column)."""
        with self.lock:
            doc = self.docs.get(uri)
            if doc is None or doc.version != version:
                return UNKNOWN
            entry = doc.index.get(line, col)
            records = self.defs.get_all(entry[1]) if entry is not None else None
            return Answer(True, records) if records is not None else UNKNOWN

    def request(
        self, uri: str, version: Any, line: int, col: int, text: str
    ) -> concurrent.futures.Future[Answer]:
        """Ask the requests worker for the name at ``col``; the future has its answer, from
        that worker's reply or from the background worker's answers, whichever comes
        first. Cancelling it (the hover stopped waiting) withdraws the request: the
        requests worker must not spend its time on a hover already answered, and the
        name becomes the background worker's next (the next hover there wants it)."""
        answer: concurrent.futures.Future[Answer] = concurrent.futures.Future()
        with self.lock:
            self.sync(uri, version, text, focus=line)
            self.focus(uri, line)
            request_id = next(self.ids)
            raw: concurrent.futures.Future[dict[str, Any]] = concurrent.futures.Future()
            self.requests[request_id] = raw
            doc = self.docs.get(uri)
            revision = doc.revision if doc is not None and doc.version == version else -1
            message = {"op": "hover", "id": request_id, "uri": uri, "version": revision}
            if not self._send({**message, "line": line, "col": col}, to="requests"):
                self.requests.pop(request_id, None)
                self._settle(answer, UNKNOWN)
                return answer
            self.hovers[request_id] = (uri, version, line, col, answer)

        def replied(raw: concurrent.futures.Future[dict[str, Any]]) -> None:
            try:
                reply = raw.result()
            except Exception:
                reply = {}
            with self.lock:
                found = self.lookup(uri, version, line, col) if "entry" in reply else UNKNOWN
                self._settle(answer, found)

        def settled(answer: concurrent.futures.Future[Answer]) -> None:
            with self.lock:
                self.hovers.pop(request_id, None)
                started = request_id in self.working
                if answer.cancelled() and self.requests.pop(request_id, None) is not None:
                    if not started:
                        self._send({"op": "cancel", "id": request_id}, to="requests")
                if answer.cancelled() and started:
                    # jedi is on it in the requests worker (its reply is kept): the
                    # background worker goes on with the names around it instead of
                    # spending as long on the same one
                    self.focus(uri, line)
                elif answer.cancelled() or not answer.result().known or answer.result().provisional:
                    self.focus(uri, line, col)  # the background worker's next name

        raw.add_done_callback(replied)
        answer.add_done_callback(settled)
        return answer

    def _settle(self, answer: concurrent.futures.Future[Answer], found: Answer) -> None:
        """Give a hover waiting on ``answer`` what was ``found``, unless it has its answer
        already or stopped waiting (callers hold the lock: one of them settles it)."""
        if not answer.done() and answer.set_running_or_notify_cancel():
            answer.set_result(found)

    def section(self, answer: Answer, path: str | None, language: str = "en") -> str | None:
        """The hover's jedi part: one section per definition."""
        if not answer.records:
            return None
        return render.sections(answer.records, path, language)

    # -- the workers' messages ------------------------------------------------------------
    def _receive(self, worker: WorkerProcess, message: dict[str, Any]) -> None:
        op = message.get("op")
        if op == "stopped" and worker is self.answerer:
            with self.lock:
                pending = list(self.requests.values())
                self.requests.clear()
                self.working.clear()
            for future in pending:
                if not future.done():
                    future.set_exception(RuntimeError("the jedi worker stopped"))
            return
        with self.lock:
            current = message.get("epoch") == self.epoch
            if op == "working":
                self.working.add(message.get("id", -1))
                return
            if op == "reply":
                self.working.discard(message.get("id", -1))
                waiting = self.requests.pop(message.get("id", -1), None)
                if current and message.get("entry") is not None:
                    entry = message["entry"]
                    self._store(message["uri"], message["version"], [entry], message["defs"])
                if waiting is not None and not waiting.done():
                    waiting.set_result(message if current else {})
            elif not current:
                return
            elif op == "answers":
                self._store(message["uri"], message["version"], message["entries"], message["defs"])
            elif op == "definition":
                self.defs.put(message["record"])
            elif op == "analysed":
                uri = message["uri"]
                doc = self.docs.get(uri) or self.parked.peek(uri)
                if doc is None or doc.revision != message.get("version"):
                    return  # analysed a text the client no longer has
                doc.analysed = doc.revision
                if self.docs.get(uri) is not doc:
                    return  # closed meanwhile: said when it opens again with this text
                analysed = doc.version
            elif op == "environment" and worker is self.answerer:
                self.environment = message
        if op == "environment" and current and worker is self.answerer and self.on_environment:
            self.on_environment(message)
        if op == "analysed" and current and self.on_analysed is not None:
            self.on_analysed(message["uri"], analysed)

    def _store(
        self,
        uri: str,
        revision: int,
        entries: list[list[Any]],
        defs: list[dict[str, Any]],
        fill: bool = False,
    ) -> None:
        """Keep answers computed on ``revision`` of the text, moved through later edits;
        ``fill`` (answers read from disk): only where the workers have not answered yet."""
        doc = self.docs.get(uri) or self.parked.peek(uri)  # (sent before it was closed)
        edits: list[Edit] = []
        if doc is not None and revision != doc.revision:
            revisions = [r for r, _ in doc.log]
            if revision not in revisions:
                doc = None  # older than the edits kept: the worker sends newer ones
            else:
                for _, later in doc.log[revisions.index(revision) + 1 :]:
                    edits.extend(later)
        for record in defs:
            known = self.defs.get(record["key"])
            if known is not None and fill:
                continue
            if record.get("provisional") and known is not None and not known.get("provisional"):
                continue  # a quick answer must not replace the complete one
            if doc is not None and edits and record.get("path") == doc.path:
                moved = shift_record(record, edits)
                if moved is None:
                    continue
                record = moved
            self.defs.put(record)
        if doc is None:
            return
        for line, col, end, keys in entries:
            at = shift_line(line, edits) if edits else line
            if at is not None and not (fill and doc.index.has(at, col)):
                doc.index.put(at, col, end, keys)
        for waiting_uri, version, line, col, answer in list(self.hovers.values()):
            if waiting_uri == uri:  # a hover waiting for a name the answers have
                found = self.lookup(uri, version, line, col)
                if found.known:
                    self._settle(answer, found)
        if len(self.defs) > MAX_DEFINITIONS:
            self._forget_unused()

    def _forget_unused(self) -> None:
        docs = [*self.docs.values(), *self.parked.values()]
        used = {key for doc in docs for key in doc.index.keys()}
        unused = [key for key in self.defs.records if key not in used]
        for key in unused:
            self.defs.forget(key)
        self._send({"op": "forget", "keys": unused})
