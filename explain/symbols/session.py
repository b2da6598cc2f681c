"""What the server has told a jedi worker: its settings, the open (and recently closed)
documents, where the user reads; and the answers kept on disk for those documents.

``WorkerSession`` follows these messages (``configure``, ``open``, ``close``, ``focus``);
``worker.Worker`` builds on it with the loop that runs jedi and answers requests.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from prosepy.explain.symbols import environment, persist
from prosepy.explain.symbols.channel import Activity, Channel, Outbox
from prosepy.explain.symbols.documents import LARGE_WINDOW, Doc, Parked
from prosepy.explain.symbols.environment import Environment
from prosepy.explain.symbols.index import DefinitionStore, DocumentIndex, Edit
from prosepy.explain.symbols.runtime_docs import RuntimeDocs
from prosepy.explain.symbols.scripts import Scripts
from prosepy.explain.symbols.workspace import DEFAULT_FILES, Prospects


class WorkerSession:
    """A worker's documents and settings (``role`` "requests" or "background")."""

    def __init__(self, channel: Channel, role: str = "background") -> None:
        self.channel = channel
        self.role = role
        self.docs: dict[str, Doc] = {}
        self.parked: Parked[Doc] = Parked()
        self.scripts = Scripts()
        self.defs = DefinitionStore()
        self.focus_uri: str | None = None
        self.env: Environment | None = None
        self.previous_env: Environment | None = None
        self.wanted_python = ""
        self.root: str | None = None
        self.runtime_docs: RuntimeDocs | None = None
        self.runtime_enabled = True
        self.kept: Path | None = None
        #: the workspace's files, analysed before they open (``workspace``)
        self.prospects = Prospects()
        self.out = Outbox(channel)
        self.activity = Activity(channel)
        #: jedi's answer for a builtin no document binds ("builtins:len" -> definition keys):
        #: the same in every document, so a document that opens has them at once
        self.builtins: dict[str, list[str]] = {}

    def configure(self, message: dict[str, Any]) -> None:
        """New settings: the interpreter is read when jedi is first needed (kept answers
        can be sent before that); what jedi said with the old ones is forgotten."""
        self.channel.epoch = int(message.get("epoch", 0))
        self.wanted_python = message.get("python") or ""
        self.root = message.get("root") or None
        self.runtime_enabled = bool(message.get("runtime_docs", True))
        #: where answers are kept between sessions (None: nowhere)
        self.kept = (
            persist.folder(self.wanted_python, self.runtime_enabled)
            if message.get("keep", True)
            else None
        )
        if self.env is not None:
            self.previous_env, self.env = self.env, None
        if self.runtime_docs is not None:
            self.runtime_docs.close()
        self.runtime_docs = None
        self.defs.clear()
        self.builtins.clear()
        self.scripts.clear()
        self.out.clear()
        self.parked.clear()
        files = message.get("workspace_files", DEFAULT_FILES)
        self.prospects = Prospects(self.root, int(files) if isinstance(files, int) else 0)
        for doc in self.docs.values():
            doc.index = DocumentIndex()
            doc.relist()
            self._load(doc)

    def _environment(self) -> Environment:
        if self.env is None:
            self.activity.doing("environment", True, subject=self.wanted_python or sys.executable)
            self.env = environment.create(self.wanted_python, self.root, self.previous_env)
            self.previous_env = None
            self.channel.send(self.env.message())
        return self.env

    def open(self, message: dict[str, Any]) -> None:
        """A document's text: new, opened again as it was closed, or edited (``edits``)."""
        uri, text = message["uri"], message["text"]
        doc = self.docs.get(uri)
        raw_edits = message.get("edits")
        path = message.get("path")
        parked = self.parked.take(uri, text) if doc is None else None
        # only if the server took its answers back too: the workers do not send an answer
        # twice, and the server may have let the document go (closed with edits it had not
        # sent, or more documents closed since than it keeps)
        restored = parked is not None and parked.path == path and bool(message.get("restored"))
        if parked is not None and restored:  # opened again as it was closed
            doc = self.docs[uri] = parked
            doc.version = message.get("version")
        elif doc is None or raw_edits is None or doc.path != path:
            doc = self.docs[uri] = Doc(uri, path, message.get("version"), text)
            if "focus" in message:
                doc.focus = int(message["focus"])
            self._load(doc)
            self._adopt(doc)
        else:
            edits = [Edit.from_json(e) for e in raw_edits]
            doc.index.apply(edits)
            dropped = self.defs.apply(path, edits)
            if dropped:
                self.out.sent.difference_update(dropped)
                for other in self.docs.values():
                    other.index.drop_keys(dropped)
            doc.version, doc.text = message.get("version"), text
            doc.relist()
        if not restored:
            self.scripts.changed(uri, path)
        if "focus" in message:
            doc.focus = int(message["focus"])
        if self.focus_uri is None or "focus" in message:
            self.focus_uri = uri

    def close(self, uri: str) -> None:
        """Park the closed document (its answers and parse serve a reopening)."""
        closed = self.docs.pop(uri, None)
        if closed is None:
            return
        self.out.flush()  # the server keeps the closed document's answers too
        for evicted in self.parked.park(closed.uri, closed.text, closed):
            self.scripts.closed(evicted.uri)  # (a parked one's Script stays for reopening)
            if not evicted.announced:
                self._keep(evicted)  # what was analysed so far

    def _load(self, doc: Doc) -> None:
        """Take the answers kept on disk for the file, moved onto its text as it is now, to
        skip those names. Neither worker sends them: the server reads them itself when the
        file opens (before a worker could), and decoding them twice in the server, in the
        first second after its start, held up the first hovers there."""
        if self.kept is None or doc.path is None:
            return
        self.activity.doing("reading", subject=doc.label, lines=doc.lines)
        loaded = persist.load(self.kept, doc.path, doc.text)
        if loaded is None:
            return
        entries, records = loaded
        for record in records:
            if record["key"] not in self.defs:
                self.defs.put(record)
        for line, col, end, keys in entries:
            doc.index.put(line, col, end, keys)
            self.out.sent.update(keys)

    def _adopt(self, doc: Doc) -> None:
        """Take the answers worked out for the file before it opened (``workspace``) that
        the disk did not have; the server gets them as it gets kept ones."""
        ahead = self.prospects.take(doc.path, doc.text)
        if ahead is None:
            return
        for line, row in sorted(ahead.index.lines.items(), key=lambda i: abs(i[0] - doc.focus)):
            for col, (end, keys) in row.items():
                if doc.index.has(line, col) or self.defs.get_all(keys) is None:
                    continue
                doc.index.put(line, col, end, keys)
                self.out.queue(doc.uri, doc.version, [line, col, end, list(keys)], self.defs)

    def _share(self, doc: Doc, line: int, col: int, keys: list[str], send: bool = True) -> None:
        """Keep the answer at every other position of the name bound the same way (jedi
        would answer the same there); ``send``: the server gets them too."""
        if not keys:  # (jedi saying nothing at one of them is no answer for the others)
            return
        group = doc.groups().where.get((line, col), "")
        if group.startswith("builtins:"):
            self.builtins[group] = keys
        self._put_unknown(doc, doc.siblings(line, col), keys, send)

    def _known_builtins(self, doc: Doc, send: bool = True) -> None:
        """Answer the document's builtins that another document's answers cover (and work
        out its groups now rather than in the first hover's time)."""
        for group, spans in doc.groups().members.items():
            keys = self.builtins.get(group)
            if keys is None or self.defs.get_all(keys) is None:
                continue
            self._put_unknown(doc, spans, keys, send)

    def _put_unknown(
        self, doc: Doc, spans: list[tuple[int, int, int]], keys: list[str], send: bool
    ) -> None:
        """``keys`` at each of ``spans`` the document has no answer for; ``send``: to the
        server too."""
        for line, col, end in spans:
            if not doc.index.has(line, col):
                doc.index.put(line, col, end, keys)
                if send:
                    self.out.queue(doc.uri, doc.version, [line, col, end, keys], self.defs)

    def _keep(self, doc: Doc) -> None:
        """Write the document's answers to disk for its next opening (the background worker
        has the complete ones)."""
        if self.kept is None or doc.path is None or not len(doc.index) or self.role != "background":
            return
        try:
            persist.save(self.kept, doc.path, doc.text, doc.index, self.defs)
        except OSError as exc:
            print(f"prosepy jedi worker: cannot keep answers: {exc}", file=sys.stderr)

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
                doc.relist()  # the names around the new place
