"""The pieces of the hover's jedi side that need no server: answers moved by edits, the
definition records jedi's names become, and which docstrings are read at run time."""

from __future__ import annotations

import queue
import sys
import tempfile
from pathlib import Path
from typing import Any

import jedi
import pytest

from prosepy.explain.symbols import render
from prosepy.explain.symbols.documents import Doc, Parked, Pending, take_next
from prosepy.explain.symbols.index import DefinitionStore, DocumentIndex, Edit, shift_line
from prosepy.explain.symbols.runtime_docs import RuntimeDocs, library_dirs, wanted


def test_edits_move_answers_below_and_drop_those_on_edited_lines() -> None:
    index = DocumentIndex()
    index.put(0, 0, 4, ["json"])
    index.put(5, 4, 9, ["json.loads", "pickle.loads"])
    index.put(9, 0, 3, [])
    # two lines inserted after line 1 (an edit of line 2 that now spans three lines)
    index.apply([Edit(start=2, end=2, lines=3)])
    assert index.get(0, 0) == (4, ("json",))
    assert index.get(7, 4) == (9, ("json.loads", "pickle.loads"))
    assert index.get(7, 6) == (9, ("json.loads", "pickle.loads"))  # anywhere on the name
    assert index.get(11, 0) == (3, ())  # "jedi has nothing here" is kept too
    assert index.get(5, 4) is None
    index.apply([Edit(start=7, end=8, lines=1)])  # line 7 edited, line 8 joined into it
    assert index.get(7, 4) is None
    assert index.get(10, 0) == (3, ())
    with pytest.raises(TypeError):
        index.put(0, 0, 4, "json")  # one key is a list of one
    assert shift_line(3, [Edit(0, 0, 2), Edit(4, 4, 1)]) is None
    assert shift_line(3, [Edit(0, 1, 1)]) == 2


def test_definitions_are_dropped_when_edited_and_moved_when_below() -> None:
    store = DefinitionStore()
    above = {"key": "a", "path": "/p/m.py", "line": 1, "start": 1, "end": 3, "markdown": ""}
    below = {"key": "b", "path": "/p/m.py", "line": 11, "start": 10, "end": 20, "markdown": ""}
    elsewhere = {"key": "c", "path": "/p/other.py", "line": 11, "start": 10, "end": 20}
    for record in (above, below, elsewhere):
        store.put(record)
    assert store.apply("/p/m.py", [Edit(start=5, end=5, lines=3)]) == set()
    assert store.get("b")["line"] == 13 and store.get("b")["start"] == 12  # type: ignore[index]
    assert store.get("a") == above and store.get("c") == elsewhere
    assert store.apply("/p/m.py", [Edit(start=15, end=15, lines=1)]) == {"b"}  # its body
    assert "b" not in store and len(store) == 2
    index = DocumentIndex()
    index.put(0, 0, 1, ["a"])
    index.put(1, 0, 1, ["c", "b"])  # one of its definitions was edited: the entry goes
    assert index.drop_keys({"b"}) == 1 and list(index.keys()) == ["a"]
    assert store.get_all(["a", "c"]) == [above, elsewhere] and store.get_all(["a", "b"]) is None


def test_pending_names_are_taken_nearest_the_focus_first() -> None:
    pending = Pending()
    for line in (0, 10, 20, 30, 40):
        pending.add(line, 0, 1)
    pending.add(20, 5, 6)
    taken = [pending.take(22) for _ in range(3)]
    assert taken == [(20, 0, 1), (20, 5, 6), (30, 0, 1)]
    assert [pending.take(0) for _ in range(4)] == [(0, 0, 1), (10, 0, 1), (40, 0, 1), None]
    # people read down: a line below the focus goes before one as far above it
    ahead = Pending()
    for line in (16, 19, 26):
        ahead.add(line, 0, 1)
    assert [ahead.take(20) for _ in range(3)] == [(19, 0, 1), (26, 0, 1), (16, 0, 1)]


def test_a_group_goes_first_when_its_positions_are_worth_more_than_the_nearest_name() -> None:
    doc = Doc("file:///m.py", "/m.py", 1, "\n" * 100)
    doc.pending = Pending()
    doc.pending.add(10, 0, 1)  # one name, 10 lines below the reader
    doc.shared.add(60, 0, 1, lines=[60, 61, 62])  # three positions, 60 lines below
    doc.shared.add(80, 4, 5, lines=list(range(80, 100)))  # twenty, 80 to 99 lines below
    assert take_next(doc) == (80, 4, 5)
    assert take_next(doc) == (10, 0, 1)
    doc.focus = 60  # the reader moved: the small group is where they read now
    assert take_next(doc) == (60, 0, 1)
    assert take_next(doc) is None


def _help(source: str, line: int, col: int, path: str = "/tmp/example.py") -> object:
    (name,) = [n for n in jedi.Script(source, path=path).help(line, col) if n.type != "keyword"]
    return name


def test_closed_documents_are_kept_for_the_same_text_only() -> None:
    parked: Parked[str] = Parked(size=2)
    assert parked.park("a", "text a", "A") == []
    assert parked.park("b", "text b", "B") == []
    assert parked.take("a", "other text") is None  # edited while closed: gone
    assert parked.park("c", "text c", "C") == []
    assert parked.park("d", hash("text d"), "D") == ["B"]  # the oldest makes room
    assert parked.take("d", "text d") == "D"
    assert parked.take("d", "text d") is None  # taken: no longer parked
    assert parked.values() == ["C"]


def test_records_read_like_jedi_language_servers_hovers() -> None:
    source = "import json\nvalue = json.loads('1')\nbigger = value + 1\n"
    record = render.definition(_help(source, 2, 14))
    assert record["key"].endswith(":loads:function")
    assert record["markdown"].startswith("```python\ndef loads(s: str | bytes | bytearray, *,")
    assert "Deserialize ``s``" in record["markdown"]  # plain text: shown as it is, in a block
    assert record["markdown"].endswith("**Full name:** `json.loads`")
    assert render.section(record, "/tmp/example.py") == record["markdown"]
    variable = render.definition(_help(source, 3, 0))
    assert variable["markdown"].startswith("```python\nbigger = value + 1\n```")
    assert render.section(variable, "/tmp/example.py").endswith("Defined at line 3.")
    assert render.section(variable, "/tmp/other.py").endswith(
        "Defined in [`example.py` line 3](file:///tmp/example.py#L3)."
    )


def test_quick_records_leave_out_what_needs_a_variables_value() -> None:
    source = (
        "def twice(x):\n    return 2 * x\n\ndef pick(g):\n    return g\n\n"
        "f = pick(twice)\ng, h = twice, pick\nf(3)\ng(h)\n"
    )
    full = render.definition(_help(source, 9, 0))
    quick = render.definition(_help(source, 9, 0), quick=True)
    assert full["header"] == "statement twice(x)"  # f is callable: jedi-language-server's way
    assert quick["header"] == "f = pick(twice)" and quick["provisional"]
    assert not full["provisional"]
    # another name under a new one: its value is that name's, which a quick answer has too
    for line, col in ((10, 0), (10, 2)):
        alias = render.definition(_help(source, line, col), quick=True)
        assert alias == render.definition(_help(source, line, col))
        assert not alias["provisional"] and alias["header"].startswith("statement ")
    # ... but not another variable of the function: inferring its value can take as long
    # as any expression's (a parameter's comes from every call of the function)
    local = "def run(options):\n    chosen = options\n    return chosen\n"
    quick_local = render.definition(_help(local, 2, 4), quick=True)
    assert quick_local["header"] == "chosen = options" and quick_local["provisional"]
    # ... nor its attributes (jedi infers the variable first) nor a module's variable (it
    # may hold a library's result); a method through self is a class lookup: its signature
    # comes with the quick answer
    methods = (
        "class Box:\n    def __init__(self, size):\n        self.size = size\n\n"
        "    def add(self, item):\n        pass\n\n"
        "    def fill(self, other):\n        put = self.add\n        room = self.size\n"
        "        more = other.size\n        return put, room, more\n\n"
        "box = Box(1)\nsame = box\n"
    )
    put, room, more = (render.definition(_help(methods, n, 8), quick=True) for n in (9, 10, 11))
    assert put["header"] == "statement add(item)" and not put["provisional"]
    assert room["header"] == "room = self.size" and room["provisional"]
    assert more["header"] == "more = other.size" and more["provisional"]
    same = render.definition(_help(methods, 15, 0), quick=True)
    assert same["header"] == "same = box" and same["provisional"]
    # another function's parameter of the same name does not make a builtin a variable
    shadow = "def wrap(len):\n    return len\n\ndef count(items):\n    size = len\n"
    builtin = render.definition(_help(shadow, 5, 4), quick=True)
    assert builtin["header"].startswith("statement len(") and not builtin["provisional"]
    # what a quick answer leaves out is said, not silently missing
    assert "value of `f`" in render.section(quick, None) and "still being worked out" in (
        render.section(quick, None)
    )
    assert "still being worked out" not in render.section(full, None)


def test_docstrings_become_markdown() -> None:
    rest = "Add two numbers.\n\n:param a: the first\n:param b: the second\n:returns: the sum\n"
    assert render.docstring_markdown(rest) == (
        "Add two numbers.\n- `a`: the first\n- `b`: the second\n- returns: the sum"
    )
    numpy = "Add two numbers.\n\nParameters\n----------\na : int\n    The first.\n"
    assert render.docstring_markdown(numpy) == (
        "Add two numbers.\n\n#### Parameters\n\n- `a`: int\n    The first."
    )
    long = "\n\n".join(f"Paragraph {i} " + "word " * 40 for i in range(200))
    cut = render.cut(long, 2000)
    assert len(cut) <= 2003 and cut.endswith("\n\n…")


def test_runtime_docstrings_only_for_installed_libraries(tmp_path: Path) -> None:
    site = tmp_path / "env" / "lib" / "site-packages"
    project = tmp_path / "project"
    libraries = library_dirs([str(site), str(project), "", "relative"], [str(project)])
    assert libraries == [site]
    record = {
        "has_doc": False,
        "kind": "function",
        "path": str(site / "pandas" / "io" / "parsers" / "readers.py"),
        "module": "pandas.io.parsers.readers",
        "full_name": "pandas.io.parsers.readers.read_csv",
    }
    assert wanted(record, libraries) == ("pandas.io.parsers.readers", ["read_csv"])
    assert wanted({**record, "has_doc": True}, libraries) is None
    assert wanted({**record, "kind": "statement"}, libraries) is None
    own = {**record, "path": str(project / "readers.py")}
    assert wanted(own, libraries) is None  # the user's own code is never imported


def test_the_runtime_docstring_helper_leaves_no_folder_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The helper process starts in an empty folder of its own, which is gone as soon as it
    has started: a worker killed at shutdown (it never gets to close it) leaves nothing in the
    temporary folder; the helper still answers from the real library."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    got: queue.Queue[tuple[str, str]] = queue.Queue()
    docs = RuntimeDocs(sys.executable, lambda key, doc: got.put((key, doc)))
    assert docs.ask("loads", "json", ["loads"])
    key, doc = got.get(timeout=60)
    assert key == "loads" and "JSON document" in doc
    assert docs.proc is not None and docs.proc.poll() is None  # still running, in no folder
    assert list(tmp_path.iterdir()) == []
    docs.close()
    assert list(tmp_path.iterdir()) == []


def test_the_command_line_prints_the_same_section(tmp_path: Path) -> None:
    from prosepy.explain import symbols

    path = tmp_path / "reader.py"
    source = "import json\n\ndata = json.loads('1')\n"
    path.write_text(source)
    text = symbols.symbol_markdown(source, str(path), 3, 14, python=sys.executable)
    assert text is not None and text.startswith("```python\ndef loads(")


def test_kept_answers_follow_the_lines_that_changed(tmp_path: Path) -> None:
    from prosepy.explain.symbols import persist

    source = "import json\n\nvalue = json.loads('1')\nother = json.dumps(value)\n"
    path = str(tmp_path / "kept.py")
    store = DefinitionStore()
    index = DocumentIndex()
    for line, col, name in ((2, 13, "loads"), (3, 13, "dumps")):
        record = render.definition(_help(source, line + 1, col, path))
        store.put(record)
        index.put(line, col, col + len(name), [record["key"]])
    index.put(0, 0, 6, [])  # `import`: nothing
    persist.save(tmp_path, path, source, index, store)
    same = persist.load(tmp_path, path, source)
    assert same is not None and sorted(e[:3] for e in same[0]) == [
        [0, 0, 6],
        [2, 13, 18],
        [3, 13, 18],
    ]
    # two lines added above, and the `dumps` line edited: `loads` moves, `dumps` is dropped
    edited = "import json\n# one\n# two\n\nvalue = json.loads('1')\nother = json.dumps([value])\n"
    entries, records = persist.load(tmp_path, path, edited)  # type: ignore[misc]
    assert sorted(e[:3] for e in entries) == [[0, 0, 6], [4, 13, 18]]
    assert {r["name"] for r in records} >= {"loads"}


def _kept_by_an_earlier_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, str]:
    """A file whose every name a background worker analysed, its answers kept on disk (in
    ``PROSEPY_CACHE``, set for the test): (path, text)."""
    import io

    from prosepy.explain.symbols.channel import Channel
    from prosepy.explain.symbols.worker import Worker

    monkeypatch.setenv("PROSEPY_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "reader.py"
    source = "import json\n\nvalue = json.loads('1')\n"
    message = {"op": "open", "uri": path.as_uri(), "path": str(path), "version": 1}
    background = Worker(Channel(io.BytesIO()), "background")
    background.configure({"epoch": 1})
    background.open({**message, "text": source})
    doc = background.docs[path.as_uri()]
    while not doc.announced:  # analyse every name; then the answers are kept
        background.step()
    return path, source


def test_a_worker_skips_the_kept_answers_names_and_leaves_sending_them_to_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The requests worker takes the answers kept on disk while handling ``open``, before
    any jedi step (its environment is not even created yet), moved onto the text as it is
    now; it does not send them: the server reads them itself (next test)."""
    import io

    from prosepy.explain.symbols.channel import Channel
    from prosepy.explain.symbols.worker import Worker

    path, source = _kept_by_an_earlier_session(tmp_path, monkeypatch)
    message = {"op": "open", "uri": path.as_uri(), "path": str(path), "version": 1}
    out = io.BytesIO()
    requests = Worker(Channel(out), "requests")
    requests.configure({"epoch": 1})
    requests.open({**message, "text": "# a new first line\n" + source})
    requests.out.flush()
    assert requests.env is None  # no jedi yet
    doc = requests.docs[path.as_uri()]
    entry = doc.index.get(3, 13)  # one line lower than where it was worked out
    assert entry is not None and entry[1][0].endswith(":loads:function")
    assert requests._known(doc, 3, 13)  # a hover there needs no jedi step
    assert b'"answers"' not in out.getvalue()


def test_the_server_reads_kept_answers_without_waiting_for_a_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a slow machine the workers start after the editor's first hovers: the server
    reads the kept answers itself when the file opens (here no worker ever runs)."""
    import time

    from prosepy.explain.symbols.client import SymbolService

    path, source = _kept_by_an_earlier_session(tmp_path, monkeypatch)
    symbols = SymbolService()  # not started: no worker will answer
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(symbols, "_send", lambda message, to="both": sent.append(message))
    symbols.configure("", None)
    symbols.opened(path.as_uri(), str(path), 7, "# a new first line\n" + source)
    waited = time.monotonic()
    while not symbols.lookup(path.as_uri(), 7, 3, 13).known and time.monotonic() - waited < 30:
        time.sleep(0.01)
    found = symbols.lookup(path.as_uri(), 7, 3, 13)  # one line lower than where it was kept
    assert found.known and found.records[0]["markdown"].startswith("```python\ndef loads(")
    assert not symbols.lookup(path.as_uri(), 7, 2, 13).known  # nothing put on the wrong line
    assert [m["op"] for m in sent] == ["configure", "open"]  # no worker was asked


def test_the_first_hover_waits_for_kept_answers_still_being_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a busy machine reading the kept answers can outlast the editor's hover delay (the
    first hover of a workspace file said "loading" in a CI run): they need no jedi, so the
    hover waits for them beyond jedi's budget. Here no worker runs, and the read ends
    0.2 s into a hover whose budget is 1 ms."""
    import asyncio
    import threading
    from types import SimpleNamespace

    from prosepy.explain.symbols import persist
    from prosepy.server.lsp.features.hover import HoverService, symbol_section

    path, source = _kept_by_an_earlier_session(tmp_path, monkeypatch)
    release, load = threading.Event(), persist.load
    monkeypatch.setattr(persist, "load", lambda *args: release.wait(10) and load(*args))
    service = HoverService()
    monkeypatch.setattr(service.symbols, "_send", lambda message, to="both": True)
    service.symbols.configure("", None)
    service.symbols.opened(path.as_uri(), str(path), 1, source)
    ls = SimpleNamespace(settings=SimpleNamespace(explain=SimpleNamespace(jedi_budget_ms=1)))
    document = SimpleNamespace(lines=source.splitlines(True), version=1, source=source)

    async def hover() -> str | None:
        asyncio.get_running_loop().call_later(0.2, release.set)
        return await symbol_section(ls, service, path.as_uri(), document, 2, 13, "en")  # type: ignore[arg-type]

    section = asyncio.run(hover())
    assert section is not None and section.startswith("```python\ndef loads(")


OVERLOADED = '''\
from typing import overload


@overload
def scale(value: int) -> int: ...
@overload
def scale(value: str) -> str: ...
def scale(value):
    """Twice the value."""
    return value * 2


def pick(flag):
    if flag:
        choice = 1
    elif flag.startswith("x"):
        choice = 2
    else:
        choice = 3
    return choice


scale(3)
'''


def test_definitions_are_distinct_and_ordered_from_the_cursor() -> None:
    """An overloaded function is one definition (its implementation, which lists every
    overload's signature); a variable assigned three times is three, the nearest one above
    the cursor first, then the others by line."""
    script = jedi.Script(OVERLOADED, path="/tmp/overloaded.py")
    lines = OVERLOADED.splitlines()
    call = lines.index("scale(3)")
    (scale,) = render.distinct(script.help(call + 1, 0), "/tmp/overloaded.py", call, 0)
    assert scale.line == 8 and [s.to_string() for s in scale.get_signatures()] == [
        "scale(value: int) -> int",
        "scale(value: str) -> str",
    ]
    ret = lines.index("    return choice")
    names = script.help(ret + 1, 11)
    ordered = render.distinct(names + names, "/tmp/overloaded.py", ret, 11)  # twice: once each
    assert [n.line for n in ordered] == [19, 15, 17]
    # seen from another file, the same definitions go by path and line
    assert [n.line for n in render.distinct(names, "/tmp/other.py", ret, 11)] == [15, 17, 19]
