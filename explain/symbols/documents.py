"""The worker's view of an open document: its text, what jedi said about its names, and
which names are left to analyse, nearest to where the user reads first."""

from __future__ import annotations

import bisect
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from prosepy.explain.symbols import bindings
from prosepy.explain.symbols.index import DocumentIndex

#: Documents longer than this are analysed only around where the user is reading ...
LARGE_LINES = 5000
#: ... within this many lines of it.
LARGE_WINDOW = 300
#: Lines above the reading place count this many times their distance when choosing the
#: next name to analyse (``Pending.take``).
ABOVE = 3
#: In the background worker's first pass, names this many lines above and below where the
#: user reads are answered completely (their values too): a reader hovers those next.
NEAR_ABOVE, NEAR_BELOW = 5, 40
#: Closed documents whose answers are kept in memory for a reopening.
MAX_PARKED = 8

T = TypeVar("T")


class Parked(Generic[T]):
    """Closed documents, newest last, with their answers: switching back to an editor tab
    (or a client that opens a file for one request and closes it) finds them at once, not
    after reading them from disk or asking jedi again, when the text is the same."""

    def __init__(self, size: int = MAX_PARKED) -> None:
        self.size = size
        self.items: OrderedDict[str, tuple[int, T]] = OrderedDict()

    def park(self, uri: str, text: str | int, item: T) -> list[T]:
        """Keep ``item`` for ``text`` (or its hash); the items that no longer fit."""
        self.items.pop(uri, None)
        self.items[uri] = (text if isinstance(text, int) else hash(text), item)
        evicted = []
        while len(self.items) > self.size:
            evicted.append(self.items.popitem(last=False)[1][1])
        return evicted

    def take(self, uri: str, text: str) -> T | None:
        """The item parked for ``uri`` if its text was ``text`` (it is no longer parked)."""
        parked = self.items.pop(uri, None)
        return parked[1] if parked is not None and parked[0] == hash(text) else None

    def peek(self, uri: str) -> T | None:
        parked = self.items.get(uri)
        return parked[1] if parked is not None else None

    def values(self) -> list[T]:
        return [item for _, item in self.items.values()]

    def clear(self) -> None:
        self.items.clear()


def distance(line: int, near: int) -> int:
    """How far ``line`` is from the reading place ``near``, lines above it counting ``ABOVE``
    times over: people read down, so the names below the last hover are the likelier next."""
    return line - near if line >= near else (near - line) * ABOVE


@dataclass
class Pending:
    """Names left to analyse in one document, taken nearest to a line first."""

    by_line: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    lines: list[int] = field(default_factory=list)

    def add(self, line: int, col: int, end: int) -> None:
        if line not in self.by_line:
            self.by_line[line] = []
            bisect.insort(self.lines, line)
        self.by_line[line].append((col, end))

    def take(self, near: int) -> tuple[int, int, int] | None:
        """(line, column, end column) of a name on the line nearest ``near`` (``distance``)."""
        line = self.nearest(near)
        if line is None:
            return None
        cols = self.by_line[line]
        col, end = cols.pop(0)
        if not cols:
            del self.by_line[line]
            self.lines.remove(line)
        return line, col, end

    def nearest(self, near: int) -> int | None:
        """The line with names left nearest ``near`` (``distance``), if any."""
        if not self.lines:
            return None
        at = bisect.bisect_left(self.lines, near)
        candidates = [self.lines[i] for i in (at - 1, at) if 0 <= i < len(self.lines)]
        return min(candidates, key=lambda line: distance(line, near))

    def __len__(self) -> int:
        return sum(len(cols) for cols in self.by_line.values())


def worth(line: int, near: int) -> float:
    """How likely the name on ``line`` is hovered next, compared with others: the nearer
    the reading place ``near`` (``distance``), the likelier."""
    return 1.0 / (distance(line, near) + 1)


@dataclass
class Shared:
    """One position of each group of names bound the same way (``bindings``) left to
    analyse, with the positions its answer covers: one jedi step answers them all, so a
    group spread over the module can be worth more than one name nearer the reader."""

    #: (line, column) -> (end column, the lines of the positions the answer covers)
    names: dict[tuple[int, int], tuple[int, list[int]]] = field(default_factory=dict)
    #: what each name's answer is worth from the reading place ``_near`` (worked out once
    #: per place: a module's groups have a couple of thousand positions)
    _values: dict[tuple[int, int], float] = field(default_factory=dict, repr=False)
    _near: int | None = field(default=None, repr=False)

    def add(self, line: int, col: int, end: int, lines: list[int]) -> None:
        self.names[(line, col)] = (end, lines)
        self._near = None

    def best(self, near: int) -> tuple[float, tuple[int, int, int]] | None:
        """The name whose answer is worth most (the ``worth`` of its positions, summed)."""
        if self._near != near:
            self._values = {
                where: sum(worth(line, near) for line in lines)
                for where, (_, lines) in self.names.items()
            }
            self._near = near
        if not self._values:
            return None
        where = max(self._values, key=self._values.__getitem__)
        return self._values[where], (*where, self.names[where][0])

    def discard(self, line: int, col: int) -> None:
        self.names.pop((line, col), None)
        self._values.pop((line, col), None)

    def __len__(self) -> int:
        return len(self.names)


@dataclass
class Doc:
    uri: str
    path: str | None
    version: Any
    text: str
    index: DocumentIndex = field(default_factory=DocumentIndex)
    #: None until the document is parsed and its names listed
    pending: Pending | None = None
    #: a name of each group bound the same way (the background worker's first pass)
    shared: Shared = field(default_factory=Shared)
    #: the line the user reads (the last hover there)
    focus: int = 0
    #: the focus line when ``pending`` was listed (large documents list a window around it)
    listed_at: int = 0
    #: whether the server was told that every listed name is analysed
    announced: bool = False
    #: names hovered, newest last: analysed before any other
    urgent: list[tuple[int, int]] = field(default_factory=list)
    #: a name of each definition whose answer is a quick one, listed once ``pending`` (the
    #: list it was made after, ``unfinished_after``) is done: their values are worked out last
    unfinished: Pending | None = None
    unfinished_after: Pending | None = field(default=None, repr=False)
    #: names bound the same way in ``text`` (None: not worked out for this text yet)
    _groups: bindings.Groups | None = field(default=None, repr=False)
    _groups_text: str | None = field(default=None, repr=False)

    @property
    def lines(self) -> int:
        return self.text.count("\n") + 1

    def relist(self) -> None:
        """Forget the names left to analyse: they are listed again from the text as it is."""
        self.pending, self.shared = None, Shared()

    @property
    def large(self) -> bool:
        return self.lines > LARGE_LINES

    @property
    def label(self) -> str:
        name = self.path.replace("\\", "/").rsplit("/", 1)[-1] if self.path else ""
        return f"`{name}`" if name else "the document"

    def line(self, index: int) -> str:
        lines = self.text.split("\n", index + 1)
        return lines[index] if index < len(lines) else ""

    def groups(self) -> bindings.Groups:
        """The names bound the same way in the text as it is now (worked out once per text:
        tens of milliseconds for a long module; none in a large one, analysed piecemeal)."""
        if self._groups is None or self._groups_text is not self.text:
            found = bindings.groups(self.text) if not self.large else bindings.Groups()
            self._groups, self._groups_text = found, self.text
        return self._groups

    def siblings(self, line: int, col: int) -> list[bindings.Span]:
        """The other positions of the name at ``line``, ``col`` that jedi answers the same."""
        return self.groups().siblings(line, col)

    def near(self, line: int) -> bool:
        """Whether ``line`` is where the user reads (``NEAR_ABOVE``, ``NEAR_BELOW``)."""
        return self.focus - NEAR_ABOVE <= line <= self.focus + NEAR_BELOW

    def word_end(self, line: int, col: int) -> int:
        """End column of the identifier starting at ``col`` (at least ``col + 1``)."""
        text = self.line(line)
        end = col
        while end < len(text) and (text[end].isalnum() or text[end] == "_"):
            end += 1
        return max(end, col + 1)


def take_next(doc: Doc) -> tuple[int, int, int] | None:
    """The next name of the first pass (``doc.pending`` listed): a group's (``doc.shared``)
    when its answer is worth at least the nearest single name's, else that one."""
    assert doc.pending is not None
    group = doc.shared.best(doc.focus)
    line = doc.pending.nearest(doc.focus)
    if group is not None and (line is None or group[0] >= worth(line, doc.focus)):
        doc.shared.discard(*group[1][:2])
        return group[1]
    return doc.pending.take(doc.focus)


def shared_names(doc: Doc, known: Callable[[int, int], bool]) -> Shared:
    """A position of each group of names in ``doc`` bound the same way that has positions
    not ``known``; the first of those (for a variable, the statement binding it, where
    jedi's answer is the quickest)."""
    shared = Shared()
    for members in doc.groups().members.values():
        left = [span for span in members if not known(*span[:2])]
        if len(left) > 1:
            shared.add(*left[0], lines=[span[0] for span in left])
    return shared


def quick_ones(doc: Doc, provisional: Callable[[tuple[str, ...]], bool]) -> Pending:
    """A position of each definition whose answer in ``doc`` is ``provisional`` (a quick
    one): completing it there completes it everywhere."""
    left = Pending()
    seen: set[tuple[str, ...]] = set()
    for line, row in doc.index.lines.items():
        for col, (end, keys) in row.items():
            if keys and keys not in seen and provisional(keys):
                seen.add(keys)
                left.add(line, col, end)
    return left


def list_names(doc: Doc, module: Any, known: Callable[[int, int], bool]) -> Pending:
    """Every name in the parse tree ``module`` that is not ``known`` yet (in a large
    document only those within LARGE_WINDOW lines of the focus)."""
    pending = Pending()
    first, last = 0, doc.lines
    if doc.large:
        first, last = max(0, doc.focus - LARGE_WINDOW), doc.focus + LARGE_WINDOW
    doc.listed_at = doc.focus
    leaf = module.get_first_leaf()
    if first > 0:
        leaf = module.get_leaf_for_position((first + 1, 0), include_prefixes=True)
    while leaf is not None and leaf.start_pos[0] - 1 <= last:
        if leaf.type == "name":
            line, col = leaf.start_pos[0] - 1, leaf.start_pos[1]
            if not known(line, col):
                pending.add(line, col, col + len(leaf.value))
        leaf = leaf.get_next_leaf()
    return pending


def import_names(module: Any, known: Callable[[int, int], bool]) -> Pending:
    """The names the top-level imports define: resolving them loads the modules that most
    other names need."""
    pending = Pending()
    for name in _imported(module):
        line, col = name.start_pos[0] - 1, name.start_pos[1]
        if not known(line, col):
            pending.add(line, col, col + len(name.value))
    return pending


def _imported(module: Any) -> Iterator[Any]:
    for node in module.children:
        if node.type == "simple_stmt":
            node = node.children[0]
        if node.type in ("import_name", "import_from"):
            yield from node.get_defined_names()
