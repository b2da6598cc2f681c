"""Putting text a snippet produced into Markdown so that it shows as literal text.

A value's ``repr``, an exception's type and message, printed output: all of it is written by
the snippet, which may put a code fence, HTML, a link or an image (``![](https://host/?data)``,
fetched by the editor even when the snippet had no network) into it. Two tools:

- :func:`fenced`: a fenced code block whose fence is longer than any run of backticks in the
  text, so nothing inside can close it (CommonMark: a closing fence must be at least as long as
  the opening one); inside a code block nothing is Markdown or HTML.
- :func:`escape`: one line of inline text with the characters that start Markdown constructs
  backslash-escaped (emphasis, code spans, links, images, raw HTML and entities, autolinks,
  strikethrough), and bare URLs and e-mail addresses broken (``https\\://``, ``www\\.``,
  ``a\\@b``: neither CommonMark with linkify nor GitHub-flavoured renderers such as VS Code's
  hover link them); line breaks become spaces, so no block (heading, list, table) can start.
  Ordinary punctuation (``/ . : ( )``) stays as it is, so clients that show hovers as plain
  text (Neovim) stay readable.

No LSP imports: the run feature's hover uses it, and so can any other renderer.
"""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\`*_\[\]<>!~&#|@])")
_URL_START = re.compile(r"(?i)(https?|ftp|file|mailto|data|javascript)(:)|(www)(\.)")
_BACKTICKS = re.compile(r"`+")
#: Characters that reorder or hide text (bidirectional controls, zero-width ones).
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff]")


def escape(text: str) -> str:
    """``text`` as one line of literal inline Markdown."""
    text = _INVISIBLE.sub(_visible, text)
    text = " ".join(text.split())  # newlines (and runs of blanks) become single spaces
    text = _SPECIAL.sub(r"\\\1", text)
    return _URL_START.sub(lambda m: f"{m.group(1) or m.group(3)}\\{m.group(2) or m.group(4)}", text)


def fenced(text: str, language: str = "") -> str:
    """``text`` as a fenced code block that no content can close."""
    longest = max((len(m) for m in _BACKTICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    body = _INVISIBLE.sub(_visible, text.rstrip("\n"))
    return f"{fence}{language}\n{body}\n{fence}"


def _visible(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"
