"""Hypothesis strategies for JSON-RPC traffic no well-behaved client would send.

Shared by the test suite (a few hundred messages) and ``scripts/fuzz_protocol.py``
(10,000+). Each generated item is raw bytes plus, for requests, the id a response must carry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st
from lsprotocol import types

#: Methods that end the session; fuzzing them would only test that the server stops.
_EXCLUDED = {types.SHUTDOWN, types.EXIT, types.INITIALIZE}
METHODS = sorted(m for m in types.METHOD_TO_TYPES if m not in _EXCLUDED) + [
    "prosepy/unknown",
    "",
    "$/weird",
]
COMMANDS = [
    "prosepy.doctor",
    "prosepy.generate",
    "prosepy.run",
    "prosepy.runCell",
    "prosepy.runFile",
    "prosepy.restartSession",
    "prosepy.cancelRun",
    "prosepy.explainWithModel",
    "nope",
]

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63)
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=20,
)

URIS = st.sampled_from(
    ["file:///tmp/fuzz.py", "file:///nonexistent/x.py", "untitled:1", "", "not a uri", "file:///"]
)
coordinates = st.integers(0, 60) | st.integers(-5, 2**31)
positions = st.fixed_dictionaries({"line": coordinates, "character": coordinates})
ranges = st.fixed_dictionaries({"start": positions, "end": positions})
# Params shaped like real ones but with hostile values: out-of-range positions, unknown URIs.
plausible_params = st.fixed_dictionaries(
    {
        "textDocument": st.fixed_dictionaries({"uri": URIS}),
        "position": positions,
        "range": ranges,
        "context": st.just({"diagnostics": []}),
    },
)
command_params = st.fixed_dictionaries(
    {"command": st.sampled_from(COMMANDS), "arguments": st.lists(json_values, max_size=3)}
)


@dataclass
class Probe:
    body: bytes
    expect_id: Any  # the id a response must carry; None for notifications and garbage


@st.composite
def requests(draw: st.DrawFn, next_id: list[int]) -> Probe:
    next_id[0] += 1
    msg_id = next_id[0]
    method = draw(st.sampled_from(METHODS))
    if method == types.WORKSPACE_EXECUTE_COMMAND:
        params: Any = draw(command_params)
    else:
        params = draw(plausible_params | json_values)
    body = json.dumps({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
    return Probe(body.encode(), msg_id)


@st.composite
def notifications(draw: st.DrawFn) -> Probe:
    method = draw(st.sampled_from(METHODS))
    params = draw(plausible_params | json_values)
    return Probe(json.dumps({"jsonrpc": "2.0", "method": method, "params": params}).encode(), None)


garbage = st.one_of(
    st.binary(min_size=1, max_size=200),
    st.just(b'{"jsonrpc": "2.0", "id": 1, "method": '),
    st.just(b"null"),
    st.just(b"[]"),
    st.text(max_size=50).map(lambda t: json.dumps(t).encode()),
    json_values.map(lambda v: json.dumps(v).encode()),
).map(lambda b: Probe(b, None))


@st.composite
def document_changes(draw: st.DrawFn) -> Probe:
    """didChange on the open fuzz document: odd versions, ranges past the end, odd text."""
    change = {
        "range": draw(ranges),
        "text": draw(st.text(max_size=30) | st.sampled_from(["\r\n", "\ud83d", "\x00", "😀"])),
    }
    full = {"text": draw(st.text(max_size=60))}
    params = {
        "textDocument": {"uri": "file:///tmp/fuzz.py", "version": draw(coordinates)},
        "contentChanges": draw(
            st.lists(st.sampled_from([change, full]) | st.just(change), max_size=3)
        ),
    }
    body = json.dumps({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": params})
    return Probe(body.encode(), None)


def traffic(next_id: list[int]) -> st.SearchStrategy[Probe]:
    return st.one_of(
        requests(next_id), requests(next_id), notifications(), garbage, document_changes()
    )


def huge_request(msg_id: int, megabytes: int = 8) -> Probe:
    text = "x = 1\n" * (megabytes * 1024 * 1024 // 6)
    body = json.dumps(
        {
            "jsonrpc": "2.0",
            "id": msg_id,
            "method": "textDocument/hover",
            "params": {
                "textDocument": {"uri": "file:///tmp/huge.py"},
                "position": {"line": 0, "character": 0},
                "junk": text,
            },
        }
    )
    return Probe(body.encode(), msg_id)
