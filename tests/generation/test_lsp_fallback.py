"""The larger model asked through the real server over stdio, with the scripted model double
(playing both models) and the real sandbox: what is inserted, the verdict diagnostic naming
the larger model, the phase in the progress, and the setting that turns it off."""

from __future__ import annotations

import json

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.conftest import SERVER_COMMAND, initialize_params, server_env
from tests.generation.lsp_util import DIR, Doc, actions, requests_logged, until
from tests.generation.test_escalation import DOUBLED, RIGHT, WRONG

SCRIPT = DIR / "fallback.json"
SCRIPT.write_text(json.dumps({"replies": [WRONG], "fallback_replies": [RIGHT]}))
FALLBACK_LOG = DIR / "fallback.json.fallback.log"
TEXT = DOUBLED


def _config() -> ClientServerConfig:
    env = {**server_env(PROSEPY_SCRIPTED_MODEL=str(SCRIPT)), "PROSEPY_CACHE": str(DIR / "fb")}
    return ClientServerConfig(server_command=SERVER_COMMAND, server_env=env)


async def _session(client: LanguageClient, options: dict) -> None:
    for method in ("prosepy/runResult", "prosepy/inlineResults", "prosepy/modelStatus"):
        client.feature(method)(lambda *args: None)
    client.feature(types.WORKSPACE_INLAY_HINT_REFRESH)(lambda *args: None)
    await client.initialize_session(initialize_params(options))


@pytest_lsp.fixture(config=_config())
async def client(lsp_client: LanguageClient):
    await _session(lsp_client, {"generate": {"candidates": 2}})
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=_config())
async def without(lsp_client: LanguageClient):
    await _session(lsp_client, {"generate": {"candidates": 2}, "model": {"fallback": ""}})
    yield
    await lsp_client.shutdown_session()


def _marks(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    return [d for d in client.diagnostics.get(uri, []) if d.source == "prosepy check"]


def _reports(client: LanguageClient) -> list[tuple[str, str]]:
    return [
        (getattr(value, "kind", ""), getattr(value, "message", None) or "")
        for values in client.progress_reports.values()
        for value in values
    ]


async def _generate(client: LanguageClient, name: str) -> Doc:
    doc = Doc(client, name, TEXT)
    (action,) = await actions(client, doc, 6)
    resolved = await client.code_action_resolve_async(action)
    assert resolved.edit is not None, [m.message for m in client.messages]
    assert doc.apply(resolved.edit)
    await until(lambda: _marks(client, doc.uri))
    return doc


async def test_the_larger_model_writes_what_the_first_could_not(client: LanguageClient):
    FALLBACK_LOG.unlink(missing_ok=True)
    doc = await _generate(client, "double.py")
    assert doc.lines()[7] == "    return x * 2"
    (mark,) = _marks(client, doc.uri)
    assert mark.message == "generated code ✓ passed 1 of 1 example, written by the larger model"
    assert mark.severity == types.DiagnosticSeverity.Hint
    reports = _reports(client)
    said = [message for kind, message in reports if kind == "report"]
    assert any(m.startswith("asking the larger model") for m in said), said
    assert any(m.startswith("larger model: running") for m in said), said
    ends = [message for kind, message in reports if kind == "end"]
    assert any("the first model's code passed 0 of 1 example" in m for m in ends), ends
    assert len(requests_logged(SCRIPT.with_suffix(".json.fallback"))) == 1


async def test_turned_off_the_first_models_code_stays(without: LanguageClient):
    FALLBACK_LOG.unlink(missing_ok=True)
    doc = await _generate(without, "double_off.py")
    assert doc.lines()[7] == "    return x + 2"
    (mark,) = _marks(without, doc.uri)
    assert mark.message == "generated code passed 0 of 1 example"
    assert mark.severity == types.DiagnosticSeverity.Warning
    assert not FALLBACK_LOG.exists()
