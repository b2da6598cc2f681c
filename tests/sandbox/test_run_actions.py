"""Running through plain code actions, as Helix or any editor without prosepy's UI would.

Uses the raw JSON client: lsprotocol's structuring of ``(Command | CodeAction)[]`` reads a
CodeAction with a ``command`` object as a Command, which no real editor does.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any

import pytest

from tests.rawlsp import RawServer

TEXT = "x = 20\n# %%\ny = x + 22\ny\n"
_ids = count(100)


@pytest.fixture
def raw() -> Iterator[RawServer]:
    server = RawServer()
    server.initialize()
    yield server
    server.close()


def _call(raw: RawServer, method: str, params: Any) -> Any:
    msg_id = next(_ids)
    raw.request(msg_id, method, params)
    response = raw.wait_response(msg_id, timeout=60)
    assert "result" in response, response
    return response["result"]


def _actions(raw: RawServer, uri: str, start: tuple[int, int], end: tuple[int, int], only=None):
    context: dict[str, Any] = {"diagnostics": []}
    if only:
        context["only"] = only
    rng = {
        "start": {"line": start[0], "character": start[1]},
        "end": {"line": end[0], "character": end[1]},
    }
    return _call(
        raw,
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": rng, "context": context},
    )


def _run(raw: RawServer, action: dict[str, Any]) -> Any:
    command = action["command"]
    return _call(
        raw,
        "workspace/executeCommand",
        {"command": command["command"], "arguments": command["arguments"]},
    )


def test_run_actions_are_listed_and_their_commands_run(raw: RawServer, tmp_path: Path) -> None:
    path = tmp_path / "actions.py"
    path.write_text(TEXT)
    uri = path.as_uri()
    raw.open_document(uri, TEXT)
    actions = _actions(raw, uri, (2, 0), (2, 0))
    titles = [a["title"] for a in actions]
    assert titles[-3:] == ["Run statement", "Run cell", "Run file"]
    assert all(a["kind"] == "source.prosepy.run" for a in actions[-3:])
    by_title = {a["title"]: a for a in actions}

    # The cell alone runs in the document's session: x is not defined yet.
    assert _run(raw, by_title["Run cell"])["error"]["type"] == "NameError"
    whole = _run(raw, by_title["Run file"])
    assert whole["ok"] and whole["lines"][-1]["line"] == 3 and whole["lines"][-1]["text"] == "→ 42"
    statement = _run(raw, by_title["Run statement"])
    assert statement["ok"] and statement["range"] == {"firstLine": 2, "lastLine": 2}

    (selection,) = [a for a in _actions(raw, uri, (0, 0), (0, 6)) if a["title"] == "Run selection"]
    result = _run(raw, selection)
    assert result["ok"] and result["range"] == {"firstLine": 0, "lastLine": 0}


def test_run_actions_respect_only(raw: RawServer, tmp_path: Path) -> None:
    uri = (tmp_path / "only.py").as_uri()
    raw.open_document(uri, TEXT)
    quickfixes = _actions(raw, uri, (0, 0), (0, 0), only=["quickfix"])
    assert not [a for a in quickfixes if a["title"].startswith("Run")]
    sources = _actions(raw, uri, (0, 0), (0, 0), only=["source"])
    assert [a["title"] for a in sources if a["title"].startswith("Run")] == [
        "Run statement",
        "Run file",
    ]
