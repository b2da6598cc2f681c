"""``prosepy.explainWithModel`` with the real bundled model, through the real server.

Slow (a real 0.5B model on a shared CPU): marked ``model``. A short answer (40 tokens),
greedy decoding.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from prosepy.server.models import bundled
from tests.conftest import SERVER_COMMAND, initialize_params, server_env

pytestmark = [
    pytest.mark.model,
    pytest.mark.skipif(
        not bundled.bundled_path().is_file(), reason="run `prosepy model install` first"
    ),
]
OPTIONS = {"explain": {"modelMaxTokens": 40}, "model": {"nThreads": 1}}
CODE = "words = ['pear', 'fig']\nresult = sorted(words, key=len)\nprint(result)\n"


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env())
)
async def real(lsp_client: LanguageClient):
    await lsp_client.initialize_session(initialize_params(OPTIONS))
    yield
    await lsp_client.shutdown_session()


async def test_real_model_explains_a_selection(real: LanguageClient, tmp_path: Path) -> None:
    uri = (tmp_path / "words.py").as_uri()
    real.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, CODE))
    )
    rng = {"start": {"line": 0, "character": 0}, "end": {"line": 3, "character": 0}}
    result = await real.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="prosepy.explainWithModel", arguments=[{"uri": uri, "range": rng}]
        )
    )
    assert result is not None and "error" not in result, result
    assert result["finishReason"] in ("stop", "length")
    text = result["text"]
    assert len(text.split()) >= 5  # prose, not an empty or one-word answer
    assert any(word in text.lower() for word in ("sort", "length", "words", "list"))
    again = await real.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="prosepy.explainWithModel", arguments=[{"uri": uri, "range": rng}]
        )
    )
    assert again == dict(result, cached=True)
