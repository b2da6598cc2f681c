"""The symbol under the cursor through jedi: its signature and docstring, as markdown.

jedi can take seconds on a first look at a big file or a heavy import, so callers run
``symbol_markdown`` on a worker thread with a time budget (the hover does); the CLI simply
waits for it. Also here: how the hover's sections are put together, shared with the CLI
so that ``prosepy explain`` prints what the hover shows.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

MAX_DOC = 1500
#: One jedi Script per document text: jedi keeps what it inferred inside the Script, so
#: asking the same Script again is several times faster than building a new one per hover.
#: Only the hover's single worker thread (or the CLI) calls in here.
_SCRIPTS: OrderedDict[tuple[str | None, int, int], Any] = OrderedDict()
_MAX_SCRIPTS = 8
#: jedi is not thread-safe: its inference and parser caches are process-wide, and two
#: threads completing at once (a hover warming a file while generation reads the names in
#: scope) made jedi now and then answer with none of the file's names. Every jedi call in
#: the process holds this lock.
JEDI_LOCK = threading.RLock()


def _script(source: str, path: str | None) -> Any:
    import jedi

    key = (path, len(source), hash(source))
    script = _SCRIPTS.get(key)
    if script is None:
        script = jedi.Script(code=source, path=path)
        _SCRIPTS[key] = script
        while len(_SCRIPTS) > _MAX_SCRIPTS:
            _SCRIPTS.popitem(last=False)
    _SCRIPTS.move_to_end(key)
    return script


def symbol_markdown(source: str, path: str | None, line: int, col: int) -> str | None:
    """Signature and docstring of the name at 1-based ``line``, 0-based character ``col``."""
    try:
        with JEDI_LOCK:
            names = _script(source, path).help(line, col)
            return _first_formatted(names)
    except Exception:  # jedi has rare internal errors on odd code; no signature is fine
        return None


def _first_formatted(names: list[Any]) -> str | None:
    for name in names:
        if name.type == "keyword":
            continue
        text = _format(name)
        if text:
            return text
    return None


def _format(name: Any) -> str | None:
    signatures = []
    try:
        signatures = [s.to_string() for s in name.get_signatures()]
    except Exception:
        signatures = []
    if signatures:
        header = "\n".join(signatures[:3])
    elif name.type == "module":
        header = f"module {name.full_name or name.name}"
    elif name.type == "class":
        header = f"class {name.name}"
    else:
        header = name.description or name.name
    try:
        doc = name.docstring(raw=True).strip()
    except Exception:
        doc = ""
    if len(doc) > MAX_DOC:
        doc = doc[: MAX_DOC - 1].rstrip() + "…"
    text = f"```python\n{header}\n```"
    if doc:
        text += "\n\n" + doc
    return text


def warm(source: str, path: str | None) -> None:
    """Parse the file in jedi ahead of the first hover (jedi caches parses per file)."""
    try:
        with JEDI_LOCK:
            _script(source, path).get_names(all_scopes=False)
    except Exception:
        pass


def compose(explanation: str | None, symbol: str | None, extras: list[str]) -> str | None:
    """The hover's markdown: explanation, then signature and docs, then other features' text."""
    sections = [s.strip() for s in [explanation, symbol, *extras] if s and s.strip()]
    return "\n\n---\n\n".join(sections) if sections else None
