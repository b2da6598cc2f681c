"""How hovers and the two jedi workers share the work, without processes: a hover that
stopped waiting withdraws its request (the requests worker drops it, the background worker
takes the name), an answer from either worker settles a waiting hover, late answers land on
the text they were worked out for across edits and reopenings, "every name analysed" is
not lost to a reopening, the warm-up looks at names
that exist, and the server reads a worker's large messages in a few calls."""

from __future__ import annotations

import io
import json
from types import SimpleNamespace
from typing import Any

import jedi
import pytest

from prosepy.explain.symbols import warmup
from prosepy.explain.symbols.channel import Channel
from prosepy.explain.symbols.client import SymbolService
from prosepy.explain.symbols.process import WorkerProcess
from prosepy.explain.symbols.worker import Worker

URI = "file:///project/reader.py"
TEXT = "import json\n\nvalue = json.loads('1')\n"


def test_the_requests_worker_drops_a_withdrawn_request() -> None:
    worker = Worker(Channel(io.BytesIO()), "requests")
    for message in (
        {"op": "hover", "id": 1, "uri": URI, "version": 1, "line": 2, "col": 13},
        {"op": "hover", "id": 2, "uri": URI, "version": 1, "line": 2, "col": 8},
        {"op": "cancel", "id": 1},
    ):
        worker.inbox.put(message)
    worker._drain(block=False)
    assert [request["id"] for request in worker.requests] == [2]


@pytest.fixture
def service(monkeypatch: pytest.MonkeyPatch) -> tuple[SymbolService, list[tuple[dict, str]]]:
    """A service whose workers are the list of messages sent to them."""
    sent: list[tuple[dict[str, Any], str]] = []
    symbols = SymbolService()

    def send(message: dict[str, Any], to: str = "both") -> bool:
        sent.append((message, to))
        return True

    monkeypatch.setattr(symbols, "_send", send)
    symbols.configure("", None)
    symbols.opened(URI, "/project/reader.py", 1, TEXT)
    return symbols, sent


def _record(key: str) -> dict[str, Any]:
    return {"key": key, "name": "loads", "kind": "function", "markdown": "def loads(s)"}


def _reply_loads(symbols: SymbolService, request_id: int) -> None:
    """The requests worker's reply to request ``request_id``: `json.loads` at line 2."""
    reply = {"op": "reply", "id": request_id, "uri": URI, "version": 1, "epoch": symbols.epoch}
    entry = {"entry": [2, 13, 18, ["json:loads"]], "defs": [_record("json:loads")]}
    symbols._receive(symbols.answerer, {**reply, **entry})


def test_a_hover_that_stops_waiting_withdraws_its_request(service: Any) -> None:
    symbols, sent = service
    answer = symbols.request(URI, 1, 2, 13, TEXT)
    (hover,) = [m for m, to in sent if m["op"] == "hover" and to == "requests"]
    # asking is not yet a reason for the background worker to put the name first
    assert not [m for m, to in sent if m["op"] == "focus" and m.get("col") is not None]
    sent.clear()
    assert answer.cancel()  # what asyncio.wait_for does when the budget runs out
    assert ({"op": "cancel", "id": hover["id"]}, "requests") in sent
    assert ({"op": "focus", "uri": URI, "line": 2, "col": 13}, "background") in sent
    assert symbols.requests == {} and symbols.hovers == {}
    # a reply that was on its way still serves the next hover
    _reply_loads(symbols, hover["id"])
    found = symbols.lookup(URI, 1, 2, 13)
    assert found.known and found.records[0]["key"] == "json:loads"


def test_a_name_jedi_is_already_working_out_is_not_given_to_both_workers(service: Any) -> None:
    """When the hover stops waiting while the requests worker has jedi on the name, the
    background worker is not told to work the same name out next (as long again, for the
    same answer): the reply still comes and is kept."""
    symbols, sent = service
    answer = symbols.request(URI, 1, 2, 13, TEXT)
    (hover,) = [m for m, to in sent if m["op"] == "hover"]
    symbols._receive(symbols.answerer, {"op": "working", "id": hover["id"], "epoch": symbols.epoch})
    sent.clear()
    assert answer.cancel()
    assert not [m for m, _ in sent if m["op"] == "cancel"]
    assert not [m for m, _ in sent if m["op"] == "focus" and m.get("col") is not None]
    _reply_loads(symbols, hover["id"])
    assert symbols.lookup(URI, 1, 2, 13).known and not symbols.working


def test_the_background_workers_answer_settles_a_waiting_hover(service: Any) -> None:
    symbols, sent = service
    answer = symbols.request(URI, 1, 2, 13, TEXT)
    other = symbols.request(URI, 1, 2, 0, TEXT)  # `value`: not in the answers below
    symbols._receive(
        symbols.analyser,
        {
            "op": "answers",
            "uri": URI,
            "version": 1,
            "entries": [[2, 13, 18, ["json:loads"]]],
            "defs": [_record("json:loads")],
            "epoch": symbols.epoch,
        },
    )
    assert answer.done() and answer.result().records == [_record("json:loads")]
    assert not other.done()
    # answered in full: the background worker is not asked to put it first
    assert not [m for m, to in sent if m["op"] == "focus" and m.get("col") == 13]
    assert list(symbols.hovers) == [max(symbols.requests)]


def _opening(sent: list[tuple[dict[str, Any], str]]) -> dict[str, Any]:
    """The last ``open`` message the workers were sent."""
    return [m for m, _ in sent if m["op"] == "open"][-1]


def test_a_reopened_file_takes_answers_sent_for_any_earlier_opening_of_its_text(
    service: Any,
) -> None:
    """A worker busy with one jedi step sends its answers late: after the file was closed
    and opened again twice (a client that opens a file per request). The text is the same,
    so they are kept; the workers never send an answer twice. Reopened, the workers are told
    the server took its answers back; after edits it had not sent they are not."""
    symbols, sent = service
    as_opened = _opening(sent)["version"]
    for version in (2, 3):
        symbols.closed(URI)
        symbols.opened(URI, "/project/reader.py", version, TEXT)
        assert _opening(sent).get("restored") is True
    late = {"op": "answers", "uri": URI, "version": as_opened, "epoch": symbols.epoch}
    loads = {"entries": [[2, 13, 18, ["json:loads"]]], "defs": [_record("json:loads")]}
    symbols._receive(symbols.analyser, {**late, **loads})
    assert symbols.lookup(URI, 3, 2, 13).records == [_record("json:loads")]

    symbols.changed(URI, 4, [])  # an edit the workers have not had, then closed
    symbols.closed(URI)
    symbols.opened(URI, "/project/reader.py", 5, TEXT)
    assert "restored" not in _opening(sent)
    assert not symbols.lookup(URI, 5, 2, 13).known  # let go: the workers send it again


def test_a_late_answer_lands_on_the_text_it_was_worked_out_for(service: Any) -> None:
    """Answers for the text as opened that arrive after an edit move with it; and after the
    file is closed and opened again as version 1 (a client may number a reopened file's
    versions from 1 again), an answer for the first version 1 is not put on the second
    one's lines."""
    from prosepy.explain.symbols.index import Edit

    symbols, sent = service
    as_opened = _opening(sent)["version"]
    symbols.changed(URI, 2, [Edit(0, 0, 2)])  # a line typed above
    symbols.sync(URI, 2, "# note\n" + TEXT)
    symbols.closed(URI)
    symbols.opened(URI, "/project/reader.py", 1, "# note\n" + TEXT)
    late = {"op": "answers", "uri": URI, "version": as_opened, "epoch": symbols.epoch}
    loads = {"entries": [[2, 13, 18, ["json:loads"]]], "defs": [_record("json:loads")]}
    symbols._receive(symbols.analyser, {**late, **loads})
    assert not symbols.lookup(URI, 1, 2, 13).known
    assert symbols.lookup(URI, 1, 3, 13).records == [_record("json:loads")]


def test_a_file_analysed_while_it_was_closed_is_ready_when_it_opens_again(service: Any) -> None:
    """The workers say once that every name of a text is analysed. Said while the file was
    closed (tabs switched, a client that opens a file per request), it used to be dropped, and
    the client never heard it; now it is said when the file opens again with that text, and at
    every later opening of it, not after an edit."""
    symbols, sent = service
    said: list[tuple[str, Any]] = []
    symbols.on_analysed = lambda uri, version: said.append((uri, version))
    as_opened = _opening(sent)["version"]
    symbols.closed(URI)
    analysed = {"op": "analysed", "uri": URI, "version": as_opened, "epoch": symbols.epoch}
    symbols._receive(symbols.analyser, analysed)
    assert said == []
    symbols.opened(URI, "/project/reader.py", 2, TEXT)
    assert said == [(URI, 2)]
    symbols.closed(URI)
    symbols.opened(URI, "/project/reader.py", 3, TEXT)
    assert said == [(URI, 2), (URI, 3)]
    symbols.changed(URI, 4, [])
    symbols.sync(URI, 4, TEXT + "\n")
    symbols.closed(URI)
    symbols.opened(URI, "/project/reader.py", 5, TEXT + "\n")
    assert said == [(URI, 2), (URI, 3)]


def test_a_worker_takes_a_closed_document_back_only_when_the_server_did() -> None:
    """Otherwise the worker would skip names whose answers the server no longer has."""
    message = {"op": "open", "uri": URI, "path": "/project/reader.py", "text": TEXT}
    worker = Worker(Channel(io.BytesIO()), "background")
    worker.configure({"epoch": 1})
    worker.open({**message, "version": 1})
    first = worker.docs[URI]
    worker.close(URI)
    worker.open({**message, "version": 2, "restored": True})
    assert worker.docs[URI] is first
    worker.close(URI)
    worker.open({**message, "version": 3})
    assert worker.docs[URI] is not first


def test_the_warm_up_looks_at_names_that_exist() -> None:
    """Every warm-up name is one jedi finds (a name it cannot find would warm nothing)."""
    steps = warmup.WarmUp()
    found = []
    while steps:
        found.append(steps.step(jedi.InterpreterEnvironment(), None))
    assert len(found) == len(warmup._NAMES) and None not in found
    assert found[:2] == ["builtins.len", "builtins.isinstance"]
    assert "builtins.list.append" in found and "builtins.dict.get" in found


def test_a_step_that_was_said_to_be_busy_says_when_it_ends() -> None:
    """What the hover's loading note names is the worker's current step: a long step that
    goes on to a quick part still ends with ``idle`` (it used to leave "busy" behind, and
    the notes named a step long over)."""
    import json

    from prosepy.explain.symbols.channel import Activity

    out = io.BytesIO()
    activity = Activity(Channel(out))
    activity.doing("reading", True, subject="`huge.py`", lines=60000)
    activity.doing("name", subject="dumps", where="`huge.py`")
    activity.done()
    sent = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(m["op"], m.get("what", {}).get("kind")) for m in sent] == [
        ("busy", "reading"),
        ("busy", "name"),
        ("idle", None),
    ]


class _CountingPipe(io.RawIOBase):
    """A process's stdout pipe (unbuffered, as ``WorkerProcess`` opens it) that counts the
    calls made to read it."""

    def __init__(self, data: bytes) -> None:
        self.data, self.calls = memoryview(data), 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self.calls += 1
        n = min(len(buffer), len(self.data))
        buffer[:n], self.data = self.data[:n], self.data[n:]
        return n


def test_a_large_batch_of_answers_is_read_in_a_few_calls() -> None:
    """A batch of answers is ~100 KB on one line; reading the unbuffered pipe line by line as
    it is made a call per byte (each a turn of the GIL against the server's own work: the
    first hover in a file analysed ahead found its answers still arriving)."""
    messages = [{"op": "answers", "entries": [[i, 0, 4, [f"key{i}" * 20]] for i in range(2000)]}]
    messages.append({"op": "idle"})
    payload = b"".join(json.dumps(m).encode() + b"\n" for m in messages)
    assert len(payload) > 150_000
    pipe = _CountingPipe(payload)
    got: list[dict[str, Any]] = []
    worker = WorkerProcess("requests", lambda _w, message: got.append(message), lambda _w: None)
    worker._read(SimpleNamespace(stdout=pipe, wait=lambda: 0))  # type: ignore[arg-type]
    assert [m["op"] for m in got] == ["answers", "idle", "stopped"]
    assert got[0]["entries"] == messages[0]["entries"]
    assert pipe.calls < 10, f"{pipe.calls} reads for {len(payload)} bytes"
