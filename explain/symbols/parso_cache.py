"""parso's on-disk cache of parsed modules, made safe to share between processes.

parso (jedi's parser) pickles every library module it parses into its cache directory and
reads it back in later processes instead of parsing again. It writes that file in place,
so a process that reads it while another one writes it gets half a pickle:
``EOFError('Ran out of input')`` comes out of jedi, and the query fails. The server's two
jedi workers read the same library modules at the same moment when a file opens (a first
hover came back without its signature that way), and so do two editor windows.

``install`` makes a write go to a temporary file that then replaces the old one whole (a
reader sees the old file or the new one), and makes a file that cannot be read count as
not cached (parso parses the module again and writes a good one). It patches two private
functions of ``parso.cache``; if a parso version lacks them, nothing is patched and parso
behaves as it always did.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

_installed = False


def install() -> bool:
    """Patch parso's cache once per process; whether the patch is in place."""
    global _installed
    if _installed:
        return True
    import parso.cache as cache

    load = getattr(cache, "_load_from_file_system", None)
    hashed_path = getattr(cache, "_get_hashed_path", None)
    if load is None or hashed_path is None or not hasattr(cache, "_save_to_file_system"):
        return False

    def load_or_miss(hashed_grammar: str, path: Any, p_time: float, cache_path: Any = None) -> Any:
        try:
            return load(hashed_grammar, path, p_time, cache_path=cache_path)
        except Exception:  # half written, or from another parso: parse the module again
            return None

    def save_whole(hashed_grammar: str, path: Any, item: Any, cache_path: Any = None) -> None:
        import pickle

        target = hashed_path(hashed_grammar, path, cache_path=cache_path)
        fd, temporary = tempfile.mkstemp(dir=os.path.dirname(target), suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(item, f, pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, target)
        except BaseException:
            try:
                os.unlink(temporary)
            except OSError:
                pass
            raise

    cache._load_from_file_system = load_or_miss
    cache._save_to_file_system = save_whole
    _installed = True
    return True
