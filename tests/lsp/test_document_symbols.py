"""``textDocument/documentSymbol`` through the real server: `# %%` cells and `# nl:` requests
in the outline, nested for clients that take a tree and flat for the others."""

from __future__ import annotations

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.conftest import ROOT, SERVER_COMMAND, initialize_params, server_env

URI = (ROOT / "outline-test.py").as_uri()
TEXT = (
    "import csv\n"  # 0
    "# nl: read data.csv into rows\n"  # 1
    "#     and keep the header\n"  # 2
    "\n"  # 3
    "# %% Load the data\n"  # 4
    "rows = []\n"  # 5
    "    # nl: 计算 1 到 100 的和\n"  # 6
    '"""\n'  # 7
    "# nl: inside a string, not a request\n"  # 8
    '"""\n'  # 9
    "#%%\n"  # 10
    "# nl: plot column price 📈\n"  # 11
    "x = 1\n"  # 12
)


def _open(client: LanguageClient) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(URI, "python", 1, TEXT))
    )


async def _symbols(client: LanguageClient) -> list:
    result = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(URI))
    )
    return list(result or [])


def _span(rng: types.Range) -> tuple[int, int, int, int]:
    return (rng.start.line, rng.start.character, rng.end.line, rng.end.character)


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env())
)
async def vscode(lsp_client: LanguageClient):
    await lsp_client.initialize_session(initialize_params())
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env())
)
async def flat(lsp_client: LanguageClient):
    """A client that takes symbols as a flat list only (LSP 3.0 style)."""
    params = initialize_params()
    assert params.capabilities.text_document is not None
    params.capabilities.text_document.document_symbol = types.DocumentSymbolClientCapabilities(
        hierarchical_document_symbol_support=False
    )
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


async def test_cells_hold_their_requests(vscode: LanguageClient) -> None:
    _open(vscode)
    symbols = await _symbols(vscode)
    assert all(isinstance(s, types.DocumentSymbol) for s in symbols)
    assert [(s.name, s.kind, s.detail) for s in symbols] == [
        ("read data.csv into rows", types.SymbolKind.Event, "# nl: request"),
        ("Load the data", types.SymbolKind.Namespace, "# %% cell"),
        ("Cell 2", types.SymbolKind.Namespace, "# %% cell"),  # an untitled marker
    ]
    request, load, second = symbols
    # the two-line request spans both comment lines; clicking it selects its first line
    assert _span(request.range) == (1, 0, 2, 25)
    assert _span(request.selection_range) == (1, 0, 1, 29)
    # a cell runs from its marker to the line before the next one
    assert _span(load.range) == (4, 0, 9, 3) and _span(load.selection_range) == (4, 0, 4, 18)
    # the string's `# nl:` line is text, not a request
    assert [(c.name, _span(c.range)) for c in load.children] == [
        ("计算 1 到 100 的和", (6, 4, 6, 23))
    ]
    # the last cell ends at the end of the file; the emoji is two UTF-16 units
    assert _span(second.range) == (10, 0, 12, 5)
    (plot,) = second.children
    assert plot.name == "plot column price 📈" and _span(plot.range) == (11, 0, 11, 26)


async def test_flat_clients_get_containers(flat: LanguageClient) -> None:
    _open(flat)
    symbols = await _symbols(flat)
    assert all(isinstance(s, types.SymbolInformation) for s in symbols)
    assert [(s.name, s.container_name) for s in symbols] == [
        ("read data.csv into rows", None),
        ("Load the data", None),
        ("计算 1 到 100 的和", "Load the data"),
        ("Cell 2", None),
        ("plot column price 📈", "Cell 2"),
    ]
    assert all(s.location.uri == URI for s in symbols)


async def test_an_edit_updates_the_outline(vscode: LanguageClient) -> None:
    _open(vscode)
    vscode.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument("x = 1\n")],
        )
    )
    assert await _symbols(vscode) == []
