"""Plain-language explanations of Python source, in English and Chinese. No LSP imports.

Deterministic and fast: it reads the syntax tree, never runs the code or a model. Where it
does not understand something it quotes the code instead of guessing.

The names below are imported on first use, so that a process that only needs a submodule
(the hover's jedi worker imports ``prosepy.explain.symbols``) does not load them all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prosepy.explain.api import Explanation, Parsed, explain_at, explain_fragment, parse

__all__ = ["Explanation", "Parsed", "explain_at", "explain_fragment", "parse"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from prosepy.explain import api

        return getattr(api, name)
    raise AttributeError(f"module 'prosepy.explain' has no attribute {name!r}")
