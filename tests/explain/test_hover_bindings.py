"""Names bound the same way share jedi's answer: which positions are grouped (and which are
left to jedi one by one), checked against the real jedi, and a worker keeping an answer at
every position of its group, so that a hover there needs no jedi step."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path
from typing import Any

import jedi

from prosepy.explain.symbols import bindings, render
from prosepy.explain.symbols.channel import Channel
from prosepy.explain.symbols.worker import Worker

TRICKY = """\
import json
import os.path
from collections import OrderedDict as OD
try:
    import tomllib
except ImportError:
    tomllib = None

LIMIT = 3
counter = 0


def bump():
    global counter
    counter += 1
    return counter


def read(path, mode="r"):
    text = open(path, mode).read()
    data = json.loads(text)
    table = {}
    table["a"] = data
    total = 0
    for item in data:
        total += item
    if isinstance(path, str):
        size = path.upper()
    squares = [value * value for value in data if value > LIMIT]
    handler = lambda entry: entry + LIMIT
    print(json.dumps(data), json.loads(text), len(data), len(table), path, path)
    return OD(table), os.path.join(path, "x"), size, squares, handler, total, mode


class Reader:
    kind = "plain"
    label = kind + "!"

    def run(self, source):
        def inner():
            return source, json, Reader
        return inner(), self.kind, read(source), LIMIT


if LIMIT:
    chosen = 1
else:
    print(chosen)
print(chosen)
print(read("x"), Reader().run("y"), json.loads("1"), "é", json.dumps(1))
early = ahead
ahead = json.loads(LIMIT)
print(ahead)
"""


def _text_at(source: str, span: tuple[int, int, int]) -> str:
    line, col, end = span
    return source.split("\n")[line][col:end]


def _group_of(groups: bindings.Groups, source: str, word: str, line: int) -> list[str]:
    """The words of the group of ``word``'s first occurrence on 0-based ``line``."""
    col = source.split("\n")[line].index(word)
    key = groups.where.get((line, col))
    return [] if key is None else [_text_at(source, s) for s in groups.members[key]]


def test_only_names_bound_once_before_they_are_read_are_grouped() -> None:
    groups = bindings.groups(TRICKY)
    lines = TRICKY.split("\n")
    calls = lines.index(
        "    print(json.dumps(data), json.loads(text), len(data), len(table), path, path)"
    )
    # an import read in functions, a method and at module level: one group, the import too
    json_group = _group_of(groups, TRICKY, "json", 0)
    assert json_group and set(json_group) == {"json"} and len(json_group) >= 8
    assert (0, 7) in groups.where  # the import's own name
    # its attributes read anywhere: one group each
    assert _group_of(groups, TRICKY, "loads", calls) == ["loads"] * 4
    # builtins the module does not bind
    assert _group_of(groups, TRICKY, "len", calls) == ["len", "len"]
    # a parameter's reads (not the parameter itself: jedi may answer there differently)
    assert _group_of(groups, TRICKY, "path", calls) == ["path"] * 6
    assert (lines.index('def read(path, mode="r"):'), 9) not in groups.where
    # left to jedi: rebound, global, a try/except import, a dict filled by key, a for loop's
    # accumulator, a variable's attributes, a class body's names, names read before binding
    for word, text in (
        ("counter", "    return counter"),
        ("tomllib", "    tomllib = None"),
        ("table", "    print(json.dumps"),
        ("total", "    return OD"),
        ("kind", '    label = kind + "!"'),
        ("ahead", "early = ahead"),
        ("chosen", "    print(chosen)"),  # the other branch of the `if` that binds it
    ):
        line = lines.index(next(t for t in lines if t.startswith(text)))
        assert not _group_of(groups, TRICKY, word, line), word
    assert _group_of(groups, TRICKY, "ahead", len(lines) - 2) == ["ahead", "ahead"]
    assert _group_of(groups, TRICKY, "data", lines.index("    for item in data:")) == ["data"] * 6
    upper = lines.index("        size = path.upper()")
    assert (upper, lines[upper].index("upper")) not in groups.where  # `path` is a variable
    # a comprehension's variable is its own scope's; nothing outside joins it
    squares = lines.index(next(t for t in lines if t.startswith("    squares")))
    assert (squares, lines[squares].index("value")) not in groups.where
    # positions are characters: the line with "é" is grouped with correct columns
    last = len(lines) - 5
    assert "é" in lines[last]
    dumps = groups.where.get((calls, lines[calls].index("dumps")))
    assert dumps is not None and groups.where.get((last, lines[last].rindex("dumps"))) == dumps


def test_text_that_does_not_parse_groups_nothing() -> None:
    assert len(bindings.groups("def broken(:\n    return json\n")) == 0
    assert len(bindings.groups("from os import *\nprint(1)\nprint(2)\n")) == 0  # star import


def _jedi_keys(script: Any, path: str, span: tuple[int, int, int]) -> tuple[str, ...]:
    line, col, _ = span
    names = render.distinct(script.help(line + 1, col), path, line, col)
    return tuple(render.definition_key(name) for name in names)


def _check_against_jedi(source: str, path: str, every: int = 1) -> int:
    """Every group's members (every ``every``-th group) have the same jedi answer."""
    groups = bindings.groups(source)
    script = jedi.Script(source, path=path)
    checked = 0
    for number, (key, members) in enumerate(groups.members.items()):
        if number % every:
            continue
        answers = {_jedi_keys(script, path, span) for span in members}
        assert len(answers) == 1, f"{key}: jedi answers {answers} at {members}"
        checked += len(members)
    return checked


def test_grouped_names_have_the_same_answer_from_jedi(tmp_path: Path) -> None:
    path = tmp_path / "tricky.py"
    path.write_text(TRICKY, encoding="utf-8")
    assert _check_against_jedi(TRICKY, str(path)) >= 30


def test_grouped_names_of_a_real_module_have_the_same_answer_from_jedi() -> None:
    """argparse.py: about 2,000 grouped positions; a third of its groups, all members."""
    source = Path(argparse.__file__).read_text(encoding="utf-8")
    assert _check_against_jedi(source, argparse.__file__, every=3) > 500


def _sent(out: io.BytesIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_a_hover_answer_is_kept_at_every_position_of_its_group(tmp_path: Path) -> None:
    """The requests worker works out `json.loads` once; the server gets the same answer for
    its other reads, which a hover there then finds without any jedi step."""
    source = (
        "import json\n\n\ndef first(raw):\n    return json.loads(raw)\n\n\n"
        "def second(raw):\n    return json.loads(raw) or json.dumps(raw)\n"
    )
    path = tmp_path / "reader.py"
    path.write_text(source, encoding="utf-8")
    uri = path.as_uri()
    out = io.BytesIO()
    worker = Worker(Channel(out), "requests")
    worker.configure({"epoch": 1, "root": str(tmp_path), "workspace_files": 0, "keep": False})
    worker.open({"op": "open", "uri": uri, "path": str(path), "version": 1, "text": source})
    worker.hover({"op": "hover", "id": 1, "uri": uri, "version": 1, "line": 4, "col": 16})
    sent = _sent(out)
    (reply,) = [m for m in sent if m["op"] == "reply"]
    assert reply["entry"][:3] == [4, 16, 21] and reply["entry"][3][0].endswith(":loads:function")
    entries = [e for m in sent if m["op"] == "answers" for e in m["entries"]]
    assert [8, 16, 21, reply["entry"][3]] in entries  # the other `json.loads`
    assert not any(e[:2] == [8, 34] for e in entries)  # `json.dumps`: another name
    steps: list[Any] = []

    def analyse(*args: Any, **options: Any) -> list[str]:
        steps.append(args)
        return []

    worker.analyse = analyse  # type: ignore[method-assign]
    out.seek(0)
    out.truncate()
    worker.hover({"op": "hover", "id": 2, "uri": uri, "version": 1, "line": 8, "col": 16})
    (again,) = [m for m in _sent(out) if m["op"] == "reply"]
    assert again["entry"][3] == reply["entry"][3] and again["defs"]
    assert not steps, "the second hover needed no jedi"


def test_a_hover_reply_does_not_wait_for_the_names_other_uses(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """Finding a name's other uses reads the whole text (0.17 s for argparse.py on a slow
    CPU): after an edit the first hover's reply goes out before that, and the other uses
    follow."""
    source = "import json\n\nfirst = json.loads('1')\nsecond = json.loads('2')\n"
    path = tmp_path / "reader.py"
    path.write_text(source, encoding="utf-8")
    out = io.BytesIO()
    worker = Worker(Channel(out), "requests")
    worker.configure({"epoch": 1, "root": str(tmp_path), "workspace_files": 0, "keep": False})
    worker.open(
        {"op": "open", "uri": path.as_uri(), "path": str(path), "version": 1, "text": source}
    )
    replied_before_groups: list[bool] = []
    real_groups = bindings.groups

    def groups(text: str) -> bindings.Groups:
        replied_before_groups.append(any(m["op"] == "reply" for m in _sent(out)))
        return real_groups(text)

    monkeypatch.setattr(bindings, "groups", groups)
    worker.hover({"op": "hover", "id": 1, "uri": path.as_uri(), "version": 1, "line": 2, "col": 13})
    sent = _sent(out)
    (reply,) = [m for m in sent if m["op"] == "reply"]
    assert reply["entry"][3] and reply["entry"][3][0].endswith(":loads:function")
    assert replied_before_groups == [True]
    entries = [e for m in sent if m["op"] == "answers" for e in m["entries"]]
    assert [3, 14, 19, reply["entry"][3]] in entries  # the other `json.loads`, after the reply


def _recording(worker: Worker) -> list[tuple[int, int]]:
    """The (line, column) of every name ``worker`` asks jedi about from now on, in order."""
    analysed: list[tuple[int, int]] = []
    real = worker.analyse

    def analyse(*args: Any, **options: Any) -> list[str]:
        analysed.append(args[1:3])
        return real(*args, **options)

    worker.analyse = analyse  # type: ignore[method-assign]
    return analysed


def test_a_builtins_answer_is_carried_to_the_next_document(tmp_path: Path) -> None:
    """`len` answered in one file is answered in the next file as soon as it is read; a file
    that defines its own `len` keeps asking jedi."""
    out = io.BytesIO()
    worker = Worker(Channel(out), "background")
    worker.configure({"epoch": 1, "root": str(tmp_path), "workspace_files": 0, "keep": False})
    texts = {
        "first.py": "print(len([1]))\n",
        "second.py": "size = len('ab')\n",
        "own.py": "def len(x):\n    return 0\n\n\nsize = len('ab')\n",
    }
    uris = {}
    for name, text in texts.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        uris[name] = path.as_uri()
        worker.open(
            {"op": "open", "uri": uris[name], "path": str(path), "version": 1, "text": text}
        )
        if name == "first.py":
            while worker._has_work():
                worker.step()
    first = worker.docs[uris["first.py"]].index.get(0, 6)
    assert first is not None and first[1][0].endswith(":len:function")
    analysed = _recording(worker)
    while worker._has_work():
        worker.step()
    assert worker.docs[uris["second.py"]].index.get(0, 7) == (10, first[1])
    assert (0, 7) not in analysed, "the second file's len needed no jedi step"
    own = worker.docs[uris["own.py"]].index.get(4, 7)
    assert own is not None and own[1][0].endswith("own.py:1:4:len:function")


def test_a_group_far_away_is_analysed_before_a_single_name_nearer(tmp_path: Path) -> None:
    """The background worker's first pass: one jedi step answers every use of `total` (eight
    positions, 30 lines below the reader), so it goes before `c` (one position, 10 lines
    below); the uses themselves need no step. A group worth less than the names on the
    reader's own lines waits its turn."""
    lines = ["a = 1", "b = a", *[""] * 8, "c = 3", *[""] * 19, "total = 0"]
    lines += [f"x{n} = total" for n in range(1, 8)]  # (lines 31 to 37)
    text = "\n".join(lines) + "\n"
    path = tmp_path / "groups.py"
    path.write_text(text, encoding="utf-8")
    worker = Worker(Channel(io.BytesIO()), "background")
    worker.configure({"epoch": 1, "root": str(tmp_path), "workspace_files": 0, "keep": False})
    uri = path.as_uri()
    worker.open({"op": "open", "uri": uri, "path": str(path), "version": 1, "text": text})
    analysed = _recording(worker)
    while worker._has_work():
        worker.step()
    uses = [(n, 5) for n in range(31, 38)]
    assert analysed.index((30, 0)) < analysed.index((10, 0)), analysed
    assert analysed.index((0, 0)) < analysed.index((30, 0)), "the reader's line goes first"
    assert not set(uses) & set(analysed), "the uses were answered by the group's one step"
    doc = worker.docs[uri]
    entries = [doc.index.get(*use) for use in [(30, 0), *uses]]
    answers = {entry[1] if entry is not None else None for entry in entries}
    (keys,) = answers
    assert keys is not None and keys[0].endswith(":31:0:total:statement"), answers
