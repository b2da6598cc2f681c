"""The real server over stdio: initialize, open, settings, shutdown."""

from __future__ import annotations

import asyncio

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from prosepy.server import __version__
from tests.conftest import SERVER_COMMAND, initialize_params, server_env


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env())
)
async def raw_client(lsp_client: LanguageClient):
    """A started but not yet initialized server, for tests that initialize themselves."""
    yield
    await lsp_client.shutdown_session()


async def test_initialize_open_shutdown(raw_client: LanguageClient) -> None:
    result = await raw_client.initialize_session(initialize_params())
    assert result.server_info is not None
    assert result.server_info.name == "prosepy"
    assert result.server_info.version == __version__
    commands = result.capabilities.execute_command_provider
    assert commands is not None and "prosepy.doctor" in commands.commands

    raw_client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri="file:///tmp/example.py",
                language_id="python",
                version=1,
                text="# nl: 计算 1 到 100 的和\n",
            )
        )
    )
    # The document is accepted: no error message comes back.
    await asyncio.sleep(0.2)
    assert not [m for m in raw_client.messages if m.type == types.MessageType.Error]


async def test_invalid_initialization_options_are_reported(raw_client: LanguageClient) -> None:
    await raw_client.initialize_session(
        initialize_params({"run": {"timeoutS": "soon", "memoryMb": 64}, "nonsense": 1})
    )
    for _ in range(50):
        if raw_client.messages:
            break
        await asyncio.sleep(0.1)
    warnings = [m for m in raw_client.messages if m.type == types.MessageType.Warning]
    assert warnings, "an invalid setting must be reported with window/showMessage"
    text = warnings[0].message
    assert "run.timeoutS" in text and "nonsense: unknown setting" in text
    assert "run.memoryMb" not in text  # the valid value is not complained about


async def test_workspace_configuration_is_pulled(raw_client: LanguageClient) -> None:
    raw_client.set_configuration({"explain": {"language": "klingon"}}, section="prosepy")
    await raw_client.initialize_session(initialize_params())
    for _ in range(50):
        if raw_client.messages:
            break
        await asyncio.sleep(0.1)
    assert any("explain.language" in m.message for m in raw_client.messages)


async def test_doctor_command(raw_client: LanguageClient) -> None:
    await raw_client.initialize_session(initialize_params())
    result = await raw_client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="prosepy.doctor")
    )
    assert result is not None and "prosepy" in result["text"]
    names = {c["name"] for c in result["checks"]}
    assert "pygls" in names


@pytest.mark.parametrize("method", ["prosepy/noSuchMethod", "textDocument/noSuchThing"])
async def test_unknown_method_is_an_error_and_server_keeps_serving(
    raw_client: LanguageClient, method: str
) -> None:
    await raw_client.initialize_session(initialize_params())
    with pytest.raises(Exception) as info:
        await raw_client.protocol.send_request_async(method, {})
    assert "not found" in str(info.value).lower() or "-32601" in str(info.value)
    result = await raw_client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="prosepy.doctor")
    )
    assert result is not None and result["text"]
