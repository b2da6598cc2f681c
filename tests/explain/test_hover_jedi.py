"""jedi's part of the hover through the real server over stdio: signatures and Markdown docs
on the first hover, worked out ahead of time, said to be loading when they cannot be ready,
kept across edits, and read from the user's Python environment (``run.python``)."""

from __future__ import annotations

import asyncio
import sysconfig
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.conftest import initialize_params, open_uri
from tests.userenv import USER_ONLY, importable_here, pandas_python

STDLIB = Path(sysconfig.get_paths()["stdlib"])


async def _hover(client: LanguageClient, uri: str, line: int, character: int) -> str:
    result = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=line, character=character),
        )
    )
    assert result is not None
    assert isinstance(result.contents, types.MarkupContent)
    assert result.contents.kind == types.MarkupKind.Markdown
    return result.contents.value


async def _until(predicate: Any, timeout: float = 120.0) -> None:
    """Wait for the server (never a timing assertion: only how long to keep trying)."""
    for _ in range(int(timeout * 10)):
        if predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the server did not get there")


async def _analysed(client: LanguageClient, uri: str, version: int = 1) -> None:
    await _until(lambda: (uri, version) in client.ready)  # type: ignore[attr-defined]


def _jedi_part(hover: str) -> str:
    """The hover's section after the explanation."""
    return hover.split("\n\n---\n\n", 1)[1]


async def test_first_hover_on_a_stdlib_call_has_the_signature_and_docs(
    client: LanguageClient, tmp_path: Path
) -> None:
    await client.initialize_session(initialize_params({"explain": {"jediBudgetMs": 10000}}))
    uri = (tmp_path / "reader.py").as_uri()
    open_uri(client, uri, "import json\n\ndata = json.loads('{\"a\": 1}')\n")
    first = await _hover(client, uri, 2, 14)  # the first hover of the file, on `loads`
    assert first.startswith("Sets `data` to the Python value parsed from the JSON text")
    jedi_part = _jedi_part(first)
    assert jedi_part.startswith("```python\ndef loads(s: str")
    assert "Deserialize ``s`` (a ``str``, ``bytes`` or ``bytearray`` instance" in jedi_part
    assert "**Full name:** `json.loads`" in jedi_part


MODULE = """\
import re
import textwrap
from collections import Counter


def word_counts(text):
    words = re.findall(r"\\w+", text.lower())
    counts = Counter(words)
    return counts.most_common(3)


summary = textwrap.shorten("a long text " * 20, width=40)
"""


async def test_names_are_analysed_before_the_first_hover(
    client: LanguageClient, tmp_path: Path
) -> None:
    """With a 1 ms budget only answers worked out ahead of time can be in the hover."""
    await client.initialize_session(initialize_params({"explain": {"jediBudgetMs": 1}}))
    uri = (tmp_path / "counting.py").as_uri()
    open_uri(client, uri, MODULE)
    await _analysed(client, uri)
    text = _jedi_part(await _hover(client, uri, 6, 16))  # re.findall
    assert text.startswith("```python\ndef findall(pattern")
    assert "Return a list of all non-overlapping matches in the string." in text
    assert "**Full name:** `re.findall`" in text
    text = _jedi_part(await _hover(client, uri, 8, 18))  # counts.most_common
    assert text.startswith("```python\ndef most_common(")
    assert "**Full name:** `collections.Counter.most_common`" in text
    # a variable: its defining statement, full name, and where it is defined
    text = _jedi_part(await _hover(client, uri, 8, 11))
    assert text.startswith("```python\ncounts = Counter(words)\n```")
    assert "word_counts.counts`" in text  # (the module: `__main__` outside the project)
    assert text.endswith("Defined at line 8.")


async def test_a_hover_while_jedi_reads_a_huge_file_says_what_is_loading(
    client: LanguageClient, tmp_path: Path
) -> None:
    """The hovers wait up to 1 s: long enough for the hover in the huge file to reach the
    worker whatever small step it is in (a hover that stops waiting withdraws its request),
    and far less than reading the huge file takes."""
    await client.initialize_session(initialize_params({"explain": {"jediBudgetMs": 1000}}))
    warm_uri = (tmp_path / "first.py").as_uri()
    open_uri(client, warm_uri, "import os\n\nhere = os.getcwd()\n")
    for _ in range(1200):  # until jedi has started
        if "```python" in await _hover(client, warm_uri, 2, 10):
            break
        await asyncio.sleep(0.1)
    huge = "\n".join(f"def function_{i}(value):\n    return value + {i}\n" for i in range(40000))
    huge_uri = (tmp_path / "huge.py").as_uri()
    open_uri(client, huge_uri, huge)
    # a hover in the huge file: jedi reads it now (seconds); its explanation is there at once
    in_huge = await _hover(client, huge_uri, 60001, 11)
    assert in_huge.startswith("`function_20000` returns `value + 20000`.\n\n---\n\n⏳")
    # meanwhile, in a file opened after it (one opened before could still be having its
    # imports resolved by the worker that answers hovers: the note would rightly name that)
    uri = (tmp_path / "small.py").as_uri()
    open_uri(client, uri, "import json\n\nvalue = json.dumps([1, 2])\n")
    text = await _hover(client, uri, 2, 14)
    assert text.startswith("Sets `value` to `[1, 2]` written as JSON text.\n\n---\n\n")
    assert _jedi_part(text) == (
        "⏳ *The signature and docs of `dumps` are loading: jedi is reading `huge.py` "
        "(120,000 lines); hover again in a moment.*"
    )
    later = text
    for _ in range(600):  # the answer is kept: a later hover has it
        later = await _hover(client, uri, 2, 14)
        if "```python" in later:
            break
        await asyncio.sleep(0.2)
    assert "```python\ndef dumps(obj: Any" in _jedi_part(later)


async def test_answers_follow_edits(client: LanguageClient, tmp_path: Path) -> None:
    """Lines inserted above move the answers with them: with a 1 ms budget, the hover
    below the edit still shows the signature worked out before it."""
    await client.initialize_session(initialize_params({"explain": {"jediBudgetMs": 1}}))
    uri = (tmp_path / "edited.py").as_uri()
    open_uri(client, uri, "import os\n\nhome = os.path.expanduser('~')\n")
    await _analysed(client, uri)
    assert "def expanduser(path" in await _hover(client, uri, 2, 16)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(1, 0), types.Position(1, 0)),
                    text="# where the user lives\n# (an edit above)\n",
                )
            ],
        )
    )
    moved = await _hover(client, uri, 4, 16)
    assert moved.startswith("Sets `home` to")
    assert "def expanduser(path" in _jedi_part(moved)


@pytest.fixture(scope="module")
def user_python() -> Path:
    """A virtualenv with pandas and a module prosepy's own environment lacks."""
    assert not importable_here(USER_ONLY)
    return pandas_python()


PANDAS_SCRIPT = 'import pandas as pd\n\nsales = pd.read_csv("sales.csv")\n'


async def test_third_party_docs_come_from_the_users_environment(
    client: LanguageClient, tmp_path: Path, user_python: Path
) -> None:
    """Issue 15's acceptance: hover on ``pd.read_csv`` in a project whose interpreter has
    pandas shows its signature and a readable Markdown docstring. (Here prosepy's own
    environment may have pandas too, for the sandbox tests; that the docs come from
    ``run.python`` is shown with a module only the user's environment has, below.)"""
    options = {"run": {"python": str(user_python)}, "explain": {"jediBudgetMs": 1}}
    await client.initialize_session(initialize_params(options))
    uri = (tmp_path / "report.py").as_uri()
    open_uri(client, uri, PANDAS_SCRIPT)
    await _analysed(client, uri)
    text = _jedi_part(await _hover(client, uri, 2, 11))
    assert text.startswith("```python\ndef read_csv(filepath_or_buffer: FilePath")
    for _ in range(600):  # pandas is being imported in the user's Python to read the docstring
        if "⏳" not in text:
            break
        assert text.endswith(
            "⏳ *Docs loading: `pandas` is being imported in the project's Python.*"
        )
        await asyncio.sleep(0.2)
        text = _jedi_part(await _hover(client, uri, 2, 11))
    # pandas writes this docstring at import time; the Markdown is docstring-to-markdown's
    assert "Read a comma-separated values (csv) file into DataFrame." in text
    assert "#### Parameters" in text
    assert "- `filepath_or_buffer`: str, path object or file-like object" in text
    assert "**Full name:** `pandas.io.parsers.readers.read_csv`" in text


async def test_changing_run_python_takes_effect_without_restart(
    client: LanguageClient, tmp_path: Path, user_python: Path
) -> None:
    """The docs come from ``run.python``'s environment: a module only it has is documented
    once the setting points there, without a restart."""
    await client.initialize_session(initialize_params({"explain": {"jediBudgetMs": 10000}}))
    uri = (tmp_path / "hello.py").as_uri()
    open_uri(client, uri, f"from {USER_ONLY} import greet\n\nmessage = greet('Ada')\n")
    before = await _hover(client, uri, 2, 10)
    assert before.startswith("Sets `message` to")
    assert "def greet" not in before  # the server's Python has no such module
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(
            settings={"prosepy": {"run": {"python": str(user_python)}}}
        )
    )
    after = ""
    for _ in range(600):
        after = await _hover(client, uri, 2, 10)
        if "def greet(" in after:
            break
        await asyncio.sleep(0.2)
    assert _jedi_part(after) == (
        '```python\ndef greet(name: str, punctuation: str="!") -> str\n```\n\n'
        "Say hello to someone.\n\n#### Parameters\n\n- `name`: str\n    Who to greet.\n"
        "- `punctuation`: str\n    What ends the greeting.\n\n"
        f"**Full name:** `{USER_ONLY}.greet`"
    )


async def test_an_unusable_run_python_is_reported_and_the_servers_is_used(
    client: LanguageClient, tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-env" / "bin" / "python"
    options = {"run": {"python": str(missing)}, "explain": {"jediBudgetMs": 10000}}
    await client.initialize_session(initialize_params(options))
    uri = (tmp_path / "reader.py").as_uri()
    open_uri(client, uri, "import json\n\ndata = json.loads('1')\n")
    assert "```python\ndef loads(" in await _hover(client, uri, 2, 14)
    shown = lambda: [m.message for m in client.messages if str(missing) in m.message]  # noqa: E731
    await _until(shown, timeout=30)
    (message,) = shown()
    assert message.startswith("prosepy: hover docs use the server's Python instead of run.python")


async def test_an_unusable_run_python_is_reported_before_any_file_opens(
    client: LanguageClient, tmp_path: Path
) -> None:
    """The requests worker reads the interpreter as soon as the settings come; the warning
    must reach the user then, not only if a file was opened before the worker got there."""
    missing = tmp_path / "no-such-env" / "bin" / "python"
    await client.initialize_session(initialize_params({"run": {"python": str(missing)}}))
    shown = lambda: [m.message for m in client.messages if str(missing) in m.message]  # noqa: E731
    await _until(shown, timeout=60)
    (message,) = shown()
    assert message.startswith("prosepy: hover docs use the server's Python instead of run.python")


async def test_a_jedi_worker_that_dies_is_restarted(client: LanguageClient, tmp_path: Path) -> None:
    """Killing the worker that answers hovers costs no hover: the explanation is there at
    once, and a new worker answers once it has started."""
    import psutil

    await client.initialize_session(initialize_params({"explain": {"jediBudgetMs": 10000}}))
    uri = (tmp_path / "reader.py").as_uri()
    open_uri(client, uri, "import json\n\ndata = json.loads('1')\nmore = json.dumps(data)\n")
    assert "def loads(" in await _hover(client, uri, 2, 14)
    server = psutil.Process(client._server.pid)  # type: ignore[union-attr]
    (answerer,) = [
        p
        for p in server.children()
        if p.cmdline()[-2:] == ["prosepy.explain.symbols.worker", "requests"]
    ]
    answerer.kill()
    answerer.wait(10)
    text = await _hover(client, uri, 3, 14)  # on `dumps`: not asked before
    assert text.startswith("Sets `more` to `data` written as JSON text.")
    for _ in range(600):
        if "def dumps(" in text:
            break
        await asyncio.sleep(0.2)
        text = await _hover(client, uri, 3, 14)
    assert "def dumps(" in text
    restarted = [
        p
        for p in server.children()
        if p.cmdline()[-2:] == ["prosepy.explain.symbols.worker", "requests"]
    ]
    assert [p.pid for p in restarted] != [answerer.pid] and len(restarted) == 1
