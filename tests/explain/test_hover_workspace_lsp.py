"""Through the real server over stdio: a workspace file is analysed before it is opened, so
its first hover has jedi's signature even where jedi could not have answered in time."""

from __future__ import annotations

import asyncio
import sysconfig
import tempfile
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.conftest import SERVER_COMMAND, open_uri, server_env

#: This server's kept answers (the workspace file's are written here before it opens).
CACHE = Path(tempfile.mkdtemp(prefix="prosepy-workspace-tests-"))
#: The first thousand lines of argparse.py: long enough that jedi, starting at the top
#: when the file opens, is nowhere near its end within a hover's wait.
_ARGPARSE = (Path(sysconfig.get_paths()["stdlib"]) / "argparse.py").read_text(encoding="utf-8")
SOURCE = _ARGPARSE[: _ARGPARSE.index("\nclass _StoreFalseAction") + 1]
#: The line hovered, near the end: its `setattr`.
HOVER_LINE = "setattr(namespace, self.dest, values)"


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=SERVER_COMMAND, server_env=server_env(PROSEPY_CACHE=str(CACHE))
    )
)
async def client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


async def test_a_workspace_file_has_its_signatures_on_the_first_hover(
    client: LanguageClient, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    path = project / "cli_parser.py"
    path.write_text(SOURCE, encoding="utf-8")
    await client.initialize_session(
        types.InitializeParams(
            capabilities=pytest_lsp.client_capabilities("visual-studio-code"),
            initialization_options={"explain": {"jediBudgetMs": 1}},
            locale="en",
            root_uri=project.as_uri(),
        )
    )
    for _ in range(1200):  # the server works on it while no document is open
        if list(CACHE.glob("hover/*/*.json")):
            break
        await asyncio.sleep(0.1)
    assert list(CACHE.glob("hover/*/*.json")), "the workspace file was not analysed"

    lines = SOURCE.splitlines()
    line = max(i for i, text in enumerate(lines) if HOVER_LINE in text)
    column = lines[line].index("setattr")
    open_uri(client, path.as_uri(), SOURCE)
    await asyncio.sleep(0.3)  # the editor's hover delay
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=path.as_uri()),
            position=types.Position(line=line, character=column),
        )
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "```python\ndef setattr(" in hover.contents.value
    assert "loading" not in hover.contents.value
    assert "does not parse" not in hover.contents.value
