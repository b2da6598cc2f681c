"""prosepy: plain language to running, understood Python, as a language server."""

__version__ = "0.1.0"
