"""The supervisor's ends of the pipes: what it reads from the sandbox, and how, safely.

The snippet holds the result pipe's write end, so what arrives there is hostile input:
floods of newlines, lines of hundreds of megabytes, JSON nested a million deep, results
written ahead for later requests. :class:`ResultReader` only ever looks for the one line it
expects (``protocol.prefix(request_id)`` at a line start), in time linear in the bytes read
however they are split, drops a line longer than ``protocol.LINE_CAP`` unparsed, and leaves
decoding to ``protocol.decode``, which never raises.

:class:`OutputCollector` keeps the snippet's stdout and stderr up to a cap and counts the rest.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from prosepy.server.sandbox.runtime import protocol


class ResultReader:
    """Finds answers on the (non-blocking) result pipe ``fd``."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        os.set_blocking(fd, False)
        #: Always starts at a line start, marked by a leading b"\n" (or is empty mid-line).
        self.buf = bytearray(b"\n")
        self.eof = False
        #: How far a candidate line at the start of ``buf`` was searched for its newline.
        self._searched = 0

    def fill(self) -> bool:
        """Read what the pipe holds (one chunk); False at end of file."""
        try:
            chunk = os.read(self.fd, 1 << 16)
        except BlockingIOError:
            return True
        except OSError:
            chunk = b""
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def discard(self) -> None:
        """Drop everything written so far (before a request: nothing may be queued ahead)."""
        while True:
            try:
                if not os.read(self.fd, 1 << 16):
                    self.eof = True
                    break
            except BlockingIOError:
                break
            except OSError:
                break
        self.buf = bytearray(b"\n")
        self._searched = 0

    def find(self, prefix: bytes) -> bytes | None:
        """The next complete line starting with ``prefix``; None when there is none yet."""
        key = b"\n" + prefix
        while True:
            at = self.buf.find(key)
            if at < 0:
                self._trim(key)
                return None
            start = max(at + 1, self._searched if at == 0 else 0)
            end = self.buf.find(b"\n", start)
            if end < 0:
                del self.buf[:at]  # keep the candidate line, drop what came before
                self._searched = len(self.buf)  # a long line is not searched twice
                if len(self.buf) > protocol.LINE_CAP:
                    self.buf = bytearray()  # too long: skip it up to its newline
                    self._searched = 0
                return None
            line = bytes(self.buf[at + 1 : end])
            del self.buf[:end]  # keeps the newline: the next line starts at a line start
            self._searched = 0
            return line

    def _trim(self, key: bytes) -> None:
        """No candidate: keep only the last, partial line, if it could still become one."""
        self._searched = 0
        last = self.buf.rfind(b"\n")
        if last < 0:  # in the middle of a line that is not a candidate
            self.buf = bytearray()
            return
        tail = self.buf[last:]
        if len(tail) < len(key) and key.startswith(bytes(tail)):
            self.buf = bytearray(tail)
        else:
            self.buf = bytearray() if len(tail) > 1 else bytearray(b"\n")


@dataclass
class Output:
    """The snippet's stdout and stderr, capped together at ``cap`` bytes."""

    cap: int
    stdout: bytes = b""
    stderr: bytes = b""
    dropped: int = 0

    def keep(self, name: str, chunk: bytes) -> None:
        room = max(0, self.cap - len(self.stdout) - len(self.stderr))
        kept = chunk[:room]
        self.dropped += len(chunk) - len(kept)
        if name == "stdout":
            self.stdout += kept
        else:
            self.stderr += kept


def drain(fds: dict[int, str], into: Output | None, limit: int = 1 << 26) -> None:
    """Read what the (non-blocking) stream pipes already hold, up to ``limit`` bytes each."""
    for fd, name in fds.items():
        taken = 0
        while taken < limit:
            try:
                chunk = os.read(fd, 1 << 16)
            except (BlockingIOError, OSError):
                break
            if not chunk:
                break
            taken += len(chunk)
            if into is not None:
                into.keep(name, chunk)
