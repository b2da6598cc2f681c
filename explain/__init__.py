"""Plain-language explanations of Python source, in English and Chinese. No LSP imports.

Deterministic and fast: it reads the syntax tree, never runs the code or a model. Where it
does not understand something it quotes the code instead of guessing.
"""

from prosepy.explain.api import Explanation, Parsed, explain_at, explain_fragment, parse

__all__ = ["Explanation", "Parsed", "explain_at", "explain_fragment", "parse"]
