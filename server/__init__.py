"""prosepy: plain language to running, understood Python, as a language server."""

from importlib.metadata import PackageNotFoundError, version

try:
    #: Written once, in pyproject.toml; read from the installed distribution's metadata.
    __version__ = version("prosepy")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"
