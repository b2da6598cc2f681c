"""Through the real server over stdio: once jedi has answered a name at one position, a hover
on the same name bound the same way a thousand lines further down has the answer at once,
though jedi has not looked there."""

from __future__ import annotations

import asyncio
import sysconfig
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.conftest import SERVER_COMMAND, open_uri, server_env

#: A thousand lines of argparse.py between two reads of `json.loads`: jedi, analysing the
#: names nearest the first hover, is nowhere near the second within the test.
_ARGPARSE = (Path(sysconfig.get_paths()["stdlib"]) / "argparse.py").read_text(encoding="utf-8")
_MIDDLE = _ARGPARSE[: _ARGPARSE.index("\nclass _StoreFalseAction") + 1]
SOURCE = (
    "import json\n\n\ndef first(raw):\n    return json.loads(raw)\n\n\n"
    + _MIDDLE
    + "\n\ndef last(raw):\n    return json.loads(raw)\n"
)


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env())
)
async def client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


async def _hover(client: LanguageClient, uri: str, line: int, column: int) -> str:
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=line, character=column),
        )
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    return hover.contents.value


async def test_a_name_answered_once_is_answered_wherever_it_is_bound_the_same_way(
    client: LanguageClient, tmp_path: Path
) -> None:
    path = tmp_path / "reader.py"
    path.write_text(SOURCE, encoding="utf-8")
    await client.initialize_session(
        types.InitializeParams(
            capabilities=pytest_lsp.client_capabilities("visual-studio-code"),
            initialization_options={"explain": {"jediBudgetMs": 1, "workspaceFiles": 0}},
            locale="en",
            root_uri=tmp_path.as_uri(),
        )
    )
    lines = SOURCE.splitlines()
    top, bottom = 4, len(lines) - 1
    assert lines[top].strip() == lines[bottom].strip() == "return json.loads(raw)"
    column = lines[top].index("loads")
    open_uri(client, path.as_uri(), SOURCE)
    await asyncio.sleep(0.3)
    for _ in range(600):  # 1 ms: "loading" until a worker has answered it
        text = await _hover(client, path.as_uri(), top, column)
        if "def loads(" in text:
            break
        await asyncio.sleep(0.05)
    assert "```python\ndef loads(s: " in text, text
    # once: a second hover there would be answered by the requests worker itself
    text = await _hover(client, path.as_uri(), bottom, column)
    assert "```python\ndef loads(s: " in text and "loading" not in text, text
