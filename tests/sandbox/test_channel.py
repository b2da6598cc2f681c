"""The result pipe's reader and the typed messages, on their own: whatever bytes arrive, split
however, the reader finds the one line it expects and decoding never raises."""

from __future__ import annotations

import json
import os
import threading

from hypothesis import given, settings
from hypothesis import strategies as st

from prosepy.server.sandbox.channel import ResultReader
from prosepy.server.sandbox.runtime import protocol

RID = "0123456789abcdef01234567"


def _read_all(data: bytes, chunk_sizes: list[int]) -> protocol.Result | None:
    r, w = os.pipe()

    def writer() -> None:
        view, i = memoryview(data), 0
        while view:
            size = chunk_sizes[i % len(chunk_sizes)]
            view = view[os.write(w, view[:size]) :]
            i += 1
        os.close(w)

    thread = threading.Thread(target=writer)
    thread.start()
    reader = ResultReader(r)
    os.set_blocking(r, True)
    found = None
    while found is None and reader.fill():
        while (line := reader.find(protocol.prefix(RID))) is not None:
            found = protocol.decode(line, protocol.Result)
            if found is not None:
                break
    thread.join()
    os.close(r)
    return found


def _real() -> bytes:
    return b"\n" + protocol.encode(protocol.Result(id=RID, ok=True, exec_ms=1.0))


junk = st.sampled_from(
    [
        b"\n" * 1000,
        b"not json\n",
        protocol.prefix(RID) + b"[" * 100_000 + b"\n",  # deep nesting, right id
        protocol.prefix(RID) + b'"x": 1}\n',  # right id, not a result
        protocol.prefix("other") + b'"type": "result", "ok": true}\n',  # another run's
        protocol.prefix(RID)[:7],  # a partial line the real answer's newline ends
        b"x" * 70_000,
    ]
)


@settings(max_examples=40, deadline=None)
@given(
    before=st.lists(junk, max_size=6),
    chunks=st.lists(st.integers(1, 70_000), min_size=1, max_size=5),
)
def test_the_expected_answer_is_found_whatever_comes_before(before: list[bytes], chunks: list[int]):
    found = _read_all(b"".join(before) + _real(), chunks)
    assert found is not None and found.ok and found.id == RID


def test_a_line_over_the_cap_is_skipped_and_the_next_one_read():
    huge = protocol.prefix(RID) + b'"pad": "' + b"x" * (protocol.LINE_CAP + 10) + b'"}\n'
    found = _read_all(huge + _real(), [1 << 16])
    assert found is not None and found.ok


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(), st.lists, max_leaves=20))
def test_decoding_never_raises(value: object):
    for kind in (protocol.Result, protocol.Ready, protocol.Hello, protocol.Run, protocol.Init):
        assert protocol.decode(json.dumps(value).encode(), kind) is None or isinstance(
            protocol.decode(json.dumps(value).encode(), kind), kind
        )
    forged = {"id": RID, "type": "result", "ok": True, "values": value, "error": value}
    decoded = protocol.decode(json.dumps(forged).encode(), protocol.Result)
    assert decoded is None or all(isinstance(v.line, int) for v in decoded.values)


def test_typed_messages_round_trip():
    init = protocol.Init(
        id="i", workdir="/w", limits=protocol.Limits(1, 2, 3, 4, 5), folder="/f", network=True
    )
    assert protocol.decode(protocol.encode(init), protocol.Init) == init
    result = protocol.Result(
        id="r",
        ok=False,
        values=[protocol.Value(3, "→ 1", "1")],
        error=protocol.Failure("ZeroDivisionError", "division by zero", 3, "tb"),
        threads_left=1,
    )
    assert protocol.decode(protocol.encode(result), protocol.Result) == result
    assert protocol.encode(result).startswith(protocol.prefix("r"))
