"""A name with several definitions (assigned in two branches, imported in a ``try`` and in
its ``except``) through the real server: one hover section per definition, in the same
order at every hover and in every session. jedi's own order follows set iteration, which
changes with the process's hash seed: the sessions here run with different seeds."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from pytest_lsp import LanguageClient, make_test_lsp_client

from tests.conftest import initialize_params, open_uri, server_env
from tests.explain.conftest import READY
from tests.explain.test_hover_jedi import _hover, _until

MODULE = """\
import random

if random.random() > 0.5:
    value = 1
else:
    value = "one"
print(value)

try:
    from json import loads as parse
except ImportError:
    from pickle import loads as parse
parse("1")
"""
VALUE = (6, 6)  # `value` in print(value)
PARSE = (12, 0)  # `parse` in parse("1")


async def _session(tmp_path: Path, seed: str) -> list[list[str]]:
    """A fresh server (nothing kept from earlier sessions) with hash seed ``seed``: the jedi
    sections of the two hovers, first at once, then once every name is analysed."""
    env = server_env(PROSEPY_CACHE=str(tmp_path / f"cache-{seed}"), PYTHONHASHSEED=seed)
    client = make_test_lsp_client()
    ready: list[Any] = []

    @client.feature(READY)
    def on_ready(params: Any) -> None:
        ready.append(params.uri)

    await client.start_io(sys.executable, "-m", "prosepy.server", env=env)
    try:
        await client.initialize_session(initialize_params({"explain": {"jediBudgetMs": 10000}}))
        uri = (tmp_path / "branches.py").as_uri()
        open_uri(client, uri, MODULE)
        hovers = [await _jedi_sections(client, uri, *at) for at in (VALUE, PARSE)]
        await _until(lambda: uri in ready)
        hovers += [await _jedi_sections(client, uri, *at) for at in (VALUE, PARSE)]
        await client.shutdown_session()
    finally:
        await client.stop()
    return hovers


async def _jedi_sections(client: LanguageClient, uri: str, line: int, col: int) -> list[str]:
    """The hover's sections after the explanation."""
    return (await _hover(client, uri, line, col)).split("\n\n---\n\n")[1:]


def _headline(section: str) -> str:
    """A section's signature block and where it is defined (what a quick answer shares with
    the complete one: the complete one may add a variable's value)."""
    where = [line for line in section.splitlines() if "Full name" in line or "Defined" in line]
    return section.split("\n```", 1)[0] + " | " + " ".join(where)


async def test_several_definitions_show_once_each_in_a_stable_order(tmp_path: Path) -> None:
    first, second = await _session(tmp_path, "1"), await _session(tmp_path, "2")
    value_now, parse_now, value_later, parse_later = first
    # `value`: the assignment nearest above the cursor first, then the file's others
    assert [_headline(s) for s in value_later] == [
        '```python\nvalue = "one" | **Full name:** `__main__.value` Defined at line 6.',
        "```python\nvalue = 1 | **Full name:** `__main__.value` Defined at line 4.",
    ]  # (`__main__`: the file is outside the project)
    # `parse`: both modules' loads, once each, ordered by their files' paths
    pickle_path = next(s for s in parse_later if "pickle.loads`" in s)
    assert len(parse_later) == 2 and any("`json.loads`" in s for s in parse_later)
    assert pickle_path in parse_later
    # the first hover (a quick answer) lists them in the same order as the complete one
    assert [_headline(s) for s in value_now] == [_headline(s) for s in value_later]
    assert [_headline(s) for s in parse_now] == [_headline(s) for s in parse_later]
    # and another session, with another hash seed, shows the same
    assert second[2:] == first[2:]
    assert [[_headline(s) for s in hover] for hover in second] == [
        [_headline(s) for s in hover] for hover in first
    ]
