"""Where generated code sits in each document, so "Regenerate" replaces only that code.

A region is the block of lines inserted for one request. Its position follows the edits
reported by the editor (ranged changes shift it; a change touching it means the user edited
the code, and the region is forgotten, so their text is never replaced). Before anything is
replaced, the region's lines are compared with the document's: the content decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from prosepy.server.generation.requests import NlRequest, find_anchor
from prosepy.server.generation.review import Finding
from prosepy.server.generation.verdict import Verdict


@dataclass
class Region:
    #: ``NlRequest.key`` of the request the code was generated for.
    key: str
    #: First line of the code (0-based) and its lines as inserted.
    start: int
    lines: list[str]
    findings: list[Finding] = field(default_factory=list)
    #: What running the code showed before it was inserted (None: not checked).
    verdict: Verdict | None = None

    @property
    def end(self) -> int:
        return self.start + len(self.lines)

    def matches(self, lines: Sequence[str]) -> bool:
        return [line.rstrip("\r\n") for line in lines[self.start : self.end]] == self.lines


@dataclass
class _Pending:
    region: Region
    #: Document changes still to look at before giving up on the edit being applied.
    ttl: int = 20


class Regions:
    """Generated regions per document URI."""

    def __init__(self) -> None:
        self._active: dict[str, list[Region]] = {}
        self._pending: dict[str, list[_Pending]] = {}

    def regions(self, uri: str) -> list[Region]:
        return list(self._active.get(uri, []))

    def expect(self, uri: str, region: Region) -> None:
        """An edit inserting ``region`` was sent; it becomes active once the text shows it."""
        self._pending.setdefault(uri, []).append(_Pending(region))

    def for_request(self, uri: str, lines: Sequence[str], request: NlRequest) -> Region | None:
        """The unchanged region generated for ``request``, if it is still in ``lines``."""
        for region in self._active.get(uri, []):
            if (
                region.key == request.key
                and region.start > request.end_line
                and region.matches(lines)
            ):
                return region
        return None

    def changed(self, uri: str, change: tuple[int, int, int, int] | None, new_text: str) -> None:
        """Follow one content change; ``change`` is (start line, char, end line, char) or None
        for a full replacement."""
        kept: list[Region] = []
        for region in self._active.get(uri, []):
            if change is None:
                kept.append(region)  # verified against the text in ``settle``
                continue
            sl, _sc, el, ec = change
            added = new_text.count("\n")
            if el < region.start or (el == region.start and ec == 0):
                region.start += added - (el - sl)
                kept.append(region)
            elif sl >= region.end:
                kept.append(region)
            # else: the user edited generated code: forget the region, keep their text.
        self._active[uri] = kept

    def settle(self, uri: str, lines: Sequence[str]) -> bool:
        """After a batch of changes: drop regions whose text no longer matches, activate
        pending regions that now appear. Returns True when the set of regions changed."""
        changed = False
        active = [r for r in self._active.get(uri, []) if r.matches(lines)]
        changed |= len(active) != len(self._active.get(uri, []))
        still: list[_Pending] = []
        for pending in self._pending.get(uri, []):
            region = pending.region
            if not region.matches(lines):
                anchor = find_anchor(lines, _probe(region), hint=region.start - 1)
                if anchor is not None:
                    moved = Region(
                        region.key,
                        anchor.end_line + 1,
                        region.lines,
                        region.findings,
                        region.verdict,
                    )
                    region = moved if moved.matches(lines) else region
            if region.matches(lines):
                active = [
                    r for r in active if not (r.key == region.key and r.start == region.start)
                ]
                active = [r for r in active if r.end <= region.start or r.start >= region.end]
                active.append(region)
                changed = True
            elif pending.ttl > 1:
                pending.ttl -= 1
                still.append(pending)
        self._active[uri] = active
        self._pending[uri] = still
        return changed

    def close(self, uri: str) -> None:
        self._active.pop(uri, None)
        self._pending.pop(uri, None)


def _probe(region: Region) -> NlRequest:
    """A request standing in for the one of ``region``: only its key is used to search."""
    comment = tuple(region.key.split("\n"))
    return NlRequest(region.start - 1, region.start - 1, "", region.key, comment)
