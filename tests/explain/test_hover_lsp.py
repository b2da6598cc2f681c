"""Hover through the real server over stdio: explanation, jedi signature, budget, languages."""

from __future__ import annotations

import asyncio
import sysconfig
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.conftest import SERVER_COMMAND, initialize_params, open_uri, server_env

SOURCE = """\
words = ["pear", "fig", "banana"]
result = sorted(words, key=len)
total = 0
for i in range(1, 101):
    total += i

"""


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env())
)
async def raw_client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


async def _hover(client: LanguageClient, uri: str, line: int, character: int) -> str | None:
    result = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=line, character=character),
        )
    )
    if result is None:
        return None
    assert isinstance(result.contents, types.MarkupContent)
    assert result.contents.kind == types.MarkupKind.Markdown
    return result.contents.value


async def test_english_hover_with_signature(raw_client: LanguageClient, tmp_path: Path) -> None:
    await raw_client.initialize_session(initialize_params({"explain": {"jediBudgetMs": 10000}}))
    uri = (tmp_path / "example.py").as_uri()
    open_uri(raw_client, uri, SOURCE)
    text = await _hover(raw_client, uri, 1, 10)  # on `sorted`
    assert text is not None
    assert text.startswith("Sets `result` to the items of `words` sorted by length, as a new list.")
    assert "```python\ndef sorted(" in text  # jedi's signature, after the explanation
    assert "Return a new list containing all items from the iterable" in text  # and its docstring
    loop = await _hover(raw_client, uri, 3, 0)
    assert loop is not None and loop.startswith(
        "Repeats for each `i` from 1 to 100: adds `i` to `total`."
    )
    assert await _hover(raw_client, uri, 5, 0) is None  # a blank line has nothing to explain


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        pytest.param(None, "把 `i` 加到 `total` 上。", id="chinese-follows-the-client-locale"),
        pytest.param(
            {"explain": {"language": "en"}}, "Adds `i` to `total`.", id="setting-overrides-locale"
        ),
    ],
)
async def test_language_from_locale_or_setting(
    raw_client: LanguageClient, tmp_path: Path, options: dict | None, expected: str
) -> None:
    await raw_client.initialize_session(initialize_params(options, locale="zh-CN"))
    uri = (tmp_path / "example.py").as_uri()
    open_uri(raw_client, uri, SOURCE)
    text = await _hover(raw_client, uri, 4, 4)
    assert text is not None and text.startswith(expected)


async def test_budget_answers_at_once_and_says_what_is_loading(
    raw_client: LanguageClient, tmp_path: Path
) -> None:
    """With a 1 ms budget a name jedi has not reached yet is said to be loading (never left
    out without a word); the explanation is there all the same, and the next hover there
    has jedi's answer once it is ready."""
    await raw_client.initialize_session(initialize_params({"explain": {"jediBudgetMs": 1}}))
    source = (Path(sysconfig.get_paths()["stdlib"]) / "argparse.py").read_text(encoding="utf-8")
    lines = source.splitlines()
    line = next(
        i for i, t in enumerate(lines) if t.strip().startswith("formatter = self._get_formatter()")
    )
    column = lines[line].index("_get_formatter")
    uri = (tmp_path / "argparse_copy.py").as_uri()
    open_uri(raw_client, uri, source)
    explanation = "Sets `formatter` to `self._get_formatter()`.\n\n---\n\n"
    later = await _hover(raw_client, uri, line, column) or ""
    for _ in range(600):
        assert later.startswith(explanation)
        if "```python" in later:
            break
        assert later.startswith(explanation + "⏳ *The signature and docs of `_get_formatter`")
        await asyncio.sleep(0.1)
        later = await _hover(raw_client, uri, line, column) or ""
    assert later.startswith(explanation + "```python\ndef _get_formatter()")


async def test_unparsable_document_and_hover_providers(
    raw_client: LanguageClient, tmp_path: Path
) -> None:
    await raw_client.initialize_session(initialize_params())
    uri = (tmp_path / "broken.py").as_uri()
    open_uri(raw_client, uri, "total = 0\nif total >\nprint(total)\n")
    text = await _hover(raw_client, uri, 2, 0)
    assert text is not None
    assert text.startswith(
        "Prints `total`. (The file does not parse right now, so only this line was read.)"
    )
    assert (
        await _hover(raw_client, uri, 1, 0) is None
    )  # the broken line itself: nothing certain to say


async def test_hover_on_a_run_line_adds_the_run_output(
    raw_client: LanguageClient, tmp_path: Path
) -> None:
    """The hover aggregates: explanation first, then what the run feature's provider shows."""
    await raw_client.initialize_session(initialize_params())
    uri = (tmp_path / "run.py").as_uri()
    open_uri(raw_client, uri, "count = 0\ntotal = 10\nx = total / count\n")
    rng = {"start": {"line": 0, "character": 0}, "end": {"line": 2, "character": 17}}
    await raw_client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="prosepy.run", arguments=[{"uri": uri, "range": rng}])
    )
    text = await _hover(raw_client, uri, 2, 4)
    assert text is not None
    assert text.startswith("Sets `x` to `total` divided by `count`.")
    assert "ZeroDivisionError" in text.split("---", 1)[1]  # the run's error, after the explanation
