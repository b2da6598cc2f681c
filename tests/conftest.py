"""Shared fixtures: the real prosepy server over stdio, driven by pytest-lsp."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

ROOT = Path(__file__).resolve().parent.parent
SERVER_COMMAND = [sys.executable, "-m", "prosepy.server"]


def server_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def initialize_params(
    options: dict | None = None, locale: str | None = "en", client: str = "visual-studio-code"
) -> types.InitializeParams:
    return types.InitializeParams(
        capabilities=pytest_lsp.client_capabilities(client),
        initialization_options=options,
        locale=locale,
        root_uri=ROOT.as_uri(),
    )


def open_doc(client: LanguageClient, path: Path, text: str) -> str:
    """Write ``text`` to ``path`` and open it in the server; its URI."""
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    open_uri(client, uri, text)
    return uri


def open_uri(client: LanguageClient, uri: str, text: str, version: int = 1) -> None:
    """Open ``text`` in the server as ``uri`` (nothing written to disk)."""
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)
        )
    )


def markdown(hover: types.Hover | None) -> str:
    """A hover's text ("" for no hover); prosepy's hovers are always MarkupContent."""
    if hover is None:
        return ""
    assert isinstance(hover.contents, types.MarkupContent), hover.contents
    return hover.contents.value


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env())
)
async def client(lsp_client: LanguageClient):
    """A server initialized as VS Code would, with default settings."""
    await lsp_client.initialize_session(initialize_params())
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def examples_dir() -> Path:
    return ROOT / "examples"


#: Set by scripts/test (and so CI): a real-model test that skips is a failure there, since a
#: skipped model test would hide a broken setup. Skips whose reason starts with "optional:"
#: (e.g. the opt-in llama-cpp-python build) stay skips.
REQUIRE_MODEL = os.environ.get("PROSEPY_REQUIRE_MODEL") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> object:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if not (REQUIRE_MODEL and report.skipped and item.get_closest_marker("model")):
        return
    if item.get_closest_marker("editor"):
        return  # editors have their own requirements
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    if "optional:" in reason:
        return
    report.outcome = "failed"
    report.longrepr = f"a real-model test was skipped ({reason}): scripts/test requires the model"
