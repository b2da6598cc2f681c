"""How the jedi worker talks to the server: JSON lines out (``Channel``), answers batched
(``Outbox``), and what takes long said as it happens (``Activity``)."""

from __future__ import annotations

import json
import queue
import sys
import threading
import time
from typing import Any, BinaryIO

from prosepy.explain.symbols.index import DefinitionStore

#: Answers are sent in batches at most this far apart ...
FLUSH_S = 0.03
#: ... and of at most this many names (a large message holds the server's GIL while read).
FLUSH_ENTRIES = 200
#: A step that runs longer than this is announced (``busy``) so hovers can say what loads.
ANNOUNCE_S = 0.03


class Channel:
    """Writes JSON lines to the server; the watchdog thread writes too, hence the lock.
    Every message carries the ``epoch`` of the settings it was worked out with."""

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


def read_lines(stream: BinaryIO, inbox: queue.Queue[dict[str, Any]]) -> None:
    """Put the server's messages into ``inbox`` (a thread's loop), each with the time it
    arrived (``_arrived``, ``time.perf_counter()``); "shutdown" at the end."""
    for line in stream:
        try:
            message = json.loads(line)
            message["_arrived"] = time.perf_counter()
            inbox.put(message)
        except ValueError:
            print(f"prosepy jedi worker: unreadable message {line[:80]!r}", file=sys.stderr)
    inbox.put({"op": "shutdown"})  # the server is gone


class Outbox:
    """Answers waiting to be sent, and the definitions the server already holds."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.entries: dict[tuple[str, Any], list[list[Any]]] = {}
        self.defs: dict[str, dict[str, Any]] = {}
        #: definition keys the server holds
        self.sent: set[str] = set()
        self.last_flush = time.monotonic()

    def queue(self, uri: str, version: Any, entry: list[Any], defs: DefinitionStore) -> None:
        """Send ``entry`` ([line, col, end, [keys]]) soon, with the definitions the server
        does not have."""
        self.entries.setdefault((uri, version), []).append(entry)
        for key in entry[3]:
            if key not in self.sent:
                record = defs.get(key)
                if record is not None:
                    self.defs[key] = record
                    self.sent.add(key)

    def due(self) -> bool:
        return bool(self.entries) and time.monotonic() - self.last_flush >= FLUSH_S

    def clear(self) -> None:
        self.entries.clear()
        self.defs.clear()
        self.sent.clear()

    def flush(self) -> None:
        """Send what is queued, FLUSH_ENTRIES names a message, each with its definitions."""
        self.last_flush = time.monotonic()
        if not self.entries:
            return
        defs, self.defs = self.defs, {}
        batches, self.entries = self.entries, {}
        for (uri, version), entries in batches.items():
            for start in range(0, len(entries), FLUSH_ENTRIES):
                chunk = entries[start : start + FLUSH_ENTRIES]
                records = [defs.pop(k) for e in chunk for k in e[3] if k in defs]
                message = {"op": "answers", "uri": uri, "version": version}
                self.channel.send({**message, "entries": chunk, "defs": records})
        for record in defs.values():
            self.channel.send({"op": "definition", "record": record})


class Activity:
    """What the worker's step does now; a watchdog thread tells the server (``busy``) when a
    step takes longer than ANNOUNCE_S, and ``idle`` follows when it ends."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        #: [started, what, announced] of the step running now
        self.current: list[Any] | None = None
        #: a step's end and the watchdog's announcement of it must not cross ("busy" sent
        #: after that step's end would stay until another long step ends)
        self.lock = threading.Lock()
        threading.Thread(target=self._watch, name="watchdog", daemon=True).start()

    def doing(self, kind: str, announce: bool = False, **what: Any) -> None:
        """The step starting now: "reading" (subject, lines), "name" (subject, where),
        "environment" (subject), "starting", "request". ``announce``: it is known to take
        long, say so now (the watchdog may not get a turn while jedi parses). Within a
        step that was announced, what it does next is announced too (and ``idle`` follows
        at its end)."""
        with self.lock:
            previous = self.current
            announce = announce or (previous is not None and previous[2])
            self.current = [time.monotonic(), {"kind": kind, **what}, announce]
            if announce:
                self.channel.send({"op": "busy", "what": self.current[1]})

    def what(self) -> dict[str, Any]:
        current = self.current
        return current[1] if current else {}

    def done(self) -> None:
        with self.lock:
            current, self.current = self.current, None
            if current is not None and current[2]:
                self.channel.send({"op": "idle"})

    def _watch(self) -> None:
        while True:
            time.sleep(0.01)
            with self.lock:
                current = self.current
                if current and not current[2] and time.monotonic() - current[0] > ANNOUNCE_S:
                    current[2] = True
                    self.channel.send({"op": "busy", "what": current[1]})
