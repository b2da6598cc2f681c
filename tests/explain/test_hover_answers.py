"""jedi's answers in the hover are those jedi-language-server shows at the same place, through
the real server: however many names the worker has analysed before, and for methods reached
through an instance (no ``self`` in their signature)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.conftest import initialize_params, open_uri
from tests.explain.test_hover_jedi import _analysed, _hover, _jedi_part


def close_uri(client: LanguageClient, uri: str) -> None:
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri=uri))
    )


#: 200 methods that each use ``self.lines``: jedi used to give up on the class (it counts
#: inferences per class over the life of its state, and the worker keeps one) after about
#: 150 of them, and the hovers below had no signature.
METHODS = 200
BUSY_CLASS = (
    "class Report:\n"
    "    def __init__(self):\n"
    "        self.lines = []\n"
    + "".join(
        f"\n    def add_{i}(self, item):\n        self.lines.append(item)\n" for i in range(METHODS)
    )
    + "\n    def add(self, item, times=1):\n        self.lines.append(item)\n"
    + "\n    def twice(self, item):\n        self.add(item, 2)\n"
)


async def open_busy_class(client: LanguageClient, tmp_path: Path) -> tuple[str, list[str]]:
    """Start with a 1 ms budget (nothing but the ahead-of-time analysis reaches a hover),
    open the busy class and wait until every name is analysed."""
    await client.initialize_session(initialize_params({"explain": {"jediBudgetMs": 1}}))
    uri = (tmp_path / "report.py").as_uri()
    open_uri(client, uri, BUSY_CLASS)
    await _analysed(client, uri)
    return uri, BUSY_CLASS.splitlines()


async def test_names_late_in_a_busy_class_get_jedis_answer(
    client: LanguageClient, tmp_path: Path
) -> None:
    """Every name analysed ahead of time (1 ms budget: nothing else reaches the hover)."""
    uri, lines = await open_busy_class(client, tmp_path)
    last_append = max(i for i, text in enumerate(lines) if "self.lines.append" in text)
    column = lines[last_append].index("append")
    text = _jedi_part(await _hover(client, uri, last_append, column))
    assert text.startswith("```python\ndef append(object: _T, /) -> None\n```")
    assert "**Full name:** `builtins.list.append`" in text


async def test_a_method_through_an_instance_has_no_self_in_its_signature(
    client: LanguageClient, tmp_path: Path
) -> None:
    """As jedi-language-server shows them: ``self.add(...)`` without ``self``, the ``def``
    with it; the same method, two answers."""
    uri, lines = await open_busy_class(client, tmp_path)
    call = lines.index("        self.add(item, 2)")
    text = _jedi_part(await _hover(client, uri, call, lines[call].index("add")))
    assert text.startswith("```python\ndef add(item, times=1)\n```")
    definition = lines.index("    def add(self, item, times=1):")
    text = _jedi_part(await _hover(client, uri, definition, lines[definition].index("add")))
    assert text.startswith("```python\ndef add(self, item, times=1)\n```")


async def test_a_file_opened_again_has_its_answers_at_once(
    client: LanguageClient, tmp_path: Path
) -> None:
    """Closed and opened again with the same text (an editor tab, a client that opens a file
    per request): the first hover after the reopening has jedi's answer, with a 1 ms budget.
    With other text the old answers are not used."""
    uri, lines = await open_busy_class(client, tmp_path)
    call = lines.index("        self.add(item, 2)")
    for version in (2, 3):
        close_uri(client, uri)
        open_uri(client, uri, BUSY_CLASS, version=version)
        text = _jedi_part(await _hover(client, uri, call, lines[call].index("add")))
        assert text.startswith("```python\ndef add(item, times=1)\n```")
    close_uri(client, uri)
    changed = BUSY_CLASS.replace("times=1", "times=3")
    open_uri(client, uri, changed, version=4)
    text = await _hover(client, uri, call, lines[call].index("add"))
    assert "times=1" not in text


async def test_answers_that_cross_a_quick_close_and_reopen_are_kept(
    client: LanguageClient, tmp_path: Path
) -> None:
    """A client that opens a file per request, or tabs switched quickly: the workers' answers
    for one opening can reach the server after the next two; with the same text they are still
    right. They used to be dropped, and the workers, which had sent them, never sent them
    again: those names had no signature however long the reader waited (1 ms budget: only what
    the workers sent reaches these hovers)."""
    await client.initialize_session(initialize_params({"explain": {"jediBudgetMs": 1}}))
    uri = (tmp_path / "report.py").as_uri()
    lines = BUSY_CLASS.splitlines()
    version = 1
    open_uri(client, uri, BUSY_CLASS, version=version)
    ready = client.ready  # type: ignore[attr-defined]
    while not any(done == uri for done, _ in ready) and version < 3000:
        await asyncio.sleep(0.02)
        close_uri(client, uri)
        version += 1
        open_uri(client, uri, BUSY_CLASS, version=version)
    assert any(done == uri for done, _ in ready), "the file was never analysed"
    appends = [i for i, text in enumerate(lines) if "self.lines.append" in text]
    missing = []
    for line in appends:
        text = _jedi_part(await _hover(client, uri, line, lines[line].index("append")))
        if not text.startswith("```python\ndef append(object: _T, /) -> None\n```"):
            missing.append(line)
    assert missing == [], f"{len(missing)} of {len(appends)} without jedi's answer"
