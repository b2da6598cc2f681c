"""jedi Scripts for the open documents, with jedi's inferences kept from one text to the next.

Every ``jedi.Script`` starts a new inference state, so a new text of a document (every
typing pause) would make jedi work out again everything that document uses: for a pandas
script, seconds spent on ``DataFrame`` alone. Here the Scripts of one file share one
inference state across its texts, also after the file is closed and opened again, so that
jedi works a library out once. A state is dropped when a document it has read changes
(its inferences about that document would be stale) or after MAX_USES texts (it also holds
what it inferred about the old texts).

A document's first parse starts from parso's disk cache of the file (``warm_parse``).
"""

from __future__ import annotations

import os
from collections import OrderedDict
from pathlib import Path
from typing import Any

#: Texts a shared inference state serves before a fresh one replaces it.
MAX_USES = 40
#: Inference states kept (one per file, closed files' for a while).
MAX_STATES = 12
#: Scripts kept (each holds a parse tree).
MAX_SCRIPTS = 8


class Scripts:
    def __init__(self) -> None:
        self.scripts: OrderedDict[str, Any] = OrderedDict()
        #: file (or document) -> [inference state, texts served]
        self.states: OrderedDict[str, list[Any]] = OrderedDict()

    def get(self, uri: str) -> Any | None:
        script = self.scripts.get(uri)
        if script is not None:
            self.scripts.move_to_end(uri)
        return script

    def create(self, uri: str, path: str | None, text: str, project: Any, environment: Any) -> Any:
        import jedi

        if path is not None:
            warm_parse(path, environment)
        script = jedi.Script(code=text, path=path, project=project, environment=environment)
        key = path or uri
        shared = self.states.get(key)
        if shared is not None and shared[0].environment is environment and shared[1] < MAX_USES:
            script._inference_state = shared[0]
            shared[1] += 1
            self.states.move_to_end(key)
        else:
            self.states[key] = [script._inference_state, 1]
            while len(self.states) > MAX_STATES:
                self.states.popitem(last=False)
        self.scripts[uri] = script
        while len(self.scripts) > MAX_SCRIPTS:
            self.scripts.popitem(last=False)
        return script

    def changed(self, uri: str, path: str | None) -> None:
        """The document has a new text: its Script goes; so do other files' inference
        states that read it (they would show what it said before)."""
        self.scripts.pop(uri, None)
        if path is None:
            return
        for key, (state, _) in list(self.states.items()):
            if key != path and _has_read(state, path):
                del self.states[key]
                for other, script in list(self.scripts.items()):
                    if script._inference_state is state:
                        del self.scripts[other]

    def closed(self, uri: str) -> None:
        self.scripts.pop(uri, None)  # the file's inference state stays for a reopening

    def clear(self) -> None:
        self.scripts.clear()
        self.states.clear()


def warm_parse(path: str, environment: Any) -> None:
    """Start the document's parse from the file's parse kept in parso's disk cache.

    jedi parses the open document whole and never from that cache (its text may differ
    from the file's), but from parso's in-memory tree of the same path it only parses the
    lines that differ. Loading the file's kept tree first made the Script of an open
    ``argparse.py`` 0.10 s to create instead of 0.28 s on a slow CPU (both workers parse it
    when it opens, and hovers wait for the requests worker's parse); the first time, the
    file is parsed and kept for the next session, which costs writing the tree once.
    """
    try:
        import jedi
        from parso import cache

        grammar = environment.get_grammar()
        if Path(path) in cache.parser_cache.get(grammar._hashed, {}):
            return  # jedi's own tree of it (an earlier text) is the better start
        if os.path.getsize(path) > jedi.settings._cropped_file_size:
            return  # jedi reads only the start of such a file
        grammar.parse(path=path, cache=True, cache_path=jedi.settings.cache_directory)
    except Exception:  # no such file, unreadable, another parso: jedi parses it whole
        return


def fresh_limits(script: Any) -> None:
    """Let the next query start with jedi's inference limits untouched.

    jedi counts the inferences of each syntax node over an inference state's whole life
    and gives up on a node past 300 of them (``_limit_value_infers``), a limit meant for
    one query: jedi-language-server makes a new Script for every request. A state kept
    for thousands of names reaches it in a busy class and then answers nothing (or
    another definition) where a fresh one answers, so the count starts anew per query.
    """
    counts = getattr(getattr(script, "_inference_state", None), "inferred_element_counts", None)
    if isinstance(counts, dict):
        counts.clear()


def _has_read(state: Any, path: str) -> bool:
    """Whether jedi's inference ``state`` has loaded the module in file ``path``."""
    try:
        cache = state.module_cache._name_cache
    except AttributeError:
        return True  # another jedi version: assume it has
    target = Path(path)
    for values in list(cache.values()):
        for value in values:
            try:
                file = value.py__file__()
            except Exception:
                continue
            if file is not None and Path(file) == target:
                return True
    return False
