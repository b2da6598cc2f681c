"""The symbol under the cursor through jedi: its signature and docstring, as Markdown.

In the language server jedi runs in a worker process of its own (``worker``) that works
out the answers ahead of the hovers; the server keeps them (``index``) and talks to the
worker through ``client``. The command line (``prosepy explain``) asks jedi directly here,
without a time budget. ``render`` lays a definition out the same way for both, and
``compose`` puts the hover's sections together.
"""

from __future__ import annotations

import threading

#: jedi is not thread-safe: its inference and parser caches are process-wide. Every jedi
#: call in a process that may call it from several threads (the server's generation
#: context, the command line) holds this lock; the hover's jedi runs in its own process.
JEDI_LOCK = threading.RLock()


def symbol_markdown(
    source: str, path: str | None, line: int, col: int, python: str | None = None
) -> str | None:
    """Signature and docstring of the name at 1-based ``line``, 0-based character ``col``,
    as the hover shows them (``python``: the interpreter whose libraries jedi reads)."""
    import jedi

    from prosepy.explain.symbols import parso_cache, render

    parso_cache.install()
    try:
        with JEDI_LOCK:
            environment = jedi.create_environment(python, safe=False) if python else None
            script = jedi.Script(source, path=path, environment=environment)
            names = render.distinct(script.help(line, col), path, line - 1, col)
            records = [render.definition(name) for name in names]
    except Exception:  # jedi has rare internal errors on odd code; no signature is fine
        return None
    return render.sections(records, path) if records else None


def compose(explanation: str | None, symbol: str | None, extras: list[str]) -> str | None:
    """The hover's markdown: explanation, then signature and docs, then other features' text."""
    sections = [s.strip() for s in [explanation, symbol, *extras] if s and s.strip()]
    return "\n\n---\n\n".join(sections) if sections else None
