"""What must be fixed when a sandboxed interpreter starts: :class:`Spec`.

Its own module so that ``bwrap.py`` (which builds the command line from it) and
``supervisor.py`` (which starts the process) both import it without importing each other.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass


class SandboxError(Exception):
    """The sandbox could not be started or stopped answering."""


@dataclass(frozen=True)
class Spec:
    """Fixed at start-up (everything else comes with ``Init``); a warm pool keys on it."""

    python: str
    network: bool = False
    #: Start inside bubblewrap (namespaces); False is medium mode (in-process layers only).
    bwrap: bool = True
    #: Size of the private working directory (strong mode) and of any one file written.
    disk_bytes: int = 100 * 1024 * 1024
    #: The document's folder, bound read-only at start-up (strong mode only; medium mode
    #: shares it through Landlock at ``Init``, so its spares fit every folder).
    folder: str | None = None

    @property
    def disk_inodes(self) -> int:
        """Files and directories the working directory may hold: one per 8 KiB, at least 4096."""
        return max(4096, self.disk_bytes // 8192)


def resolve_python(configured: str) -> str:
    """The absolute interpreter path for ``run.python`` (empty: the server's own)."""
    if not configured:
        return sys.executable
    found = shutil.which(configured) or configured
    path = os.path.abspath(os.path.expanduser(found))
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise SandboxError(f"run.python {configured!r} is not an executable Python interpreter")
    return path
