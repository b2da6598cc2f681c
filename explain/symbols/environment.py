"""The Python environment jedi reads: the user's interpreter (``run.python``), so that the
libraries their code imports are documented, else the server's own."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prosepy.explain.symbols.runtime_docs import library_dirs


@dataclass
class Environment:
    #: jedi's environment and project
    jedi: Any
    project: Any
    #: the interpreter read (the server's when ``error``)
    python: str
    version: str
    #: its installed libraries' folders (``runtime_docs`` imports only from these)
    libraries: list[Path]
    #: why the interpreter asked for could not be used
    error: str | None = None

    def message(self) -> dict[str, Any]:
        return {
            "op": "environment",
            "python": self.python,
            "version": self.version,
            "error": self.error,
        }


def create(python: str, root: str | None, previous: Environment | None = None) -> Environment:
    """jedi's view of ``python`` ("" for the server's own interpreter) for the project at
    ``root``; ``previous`` is reused when it read the same interpreter."""
    import jedi

    error = None
    environment = None
    if previous is not None and previous.error is None and python in ("", previous.python):
        environment = previous.jedi  # only the project changed: keep its subprocess
    elif python:
        try:
            environment = jedi.create_environment(python, safe=False)
            environment._get_subprocess()  # fails here, not at the first hover
        except Exception as exc:
            error = f"{python} cannot be used: {exc}"
            environment = None
        # The server's own environment (a venv's python is often a link to the same binary as
        # another venv's: compare environments, not files) is read in-process: faster.
        if environment is not None and os.path.samefile(environment.path, sys.prefix):
            environment = None
    if environment is None:
        environment = jedi.InterpreterEnvironment()
    try:
        project = jedi.Project(root) if root else None
    except Exception:
        project = None
    try:
        sys_path = list(environment.get_sys_path())
    except Exception:
        sys_path = []
    used = environment.executable if python and error is None else sys.executable
    return Environment(
        jedi=environment,
        project=project,
        python=str(used),
        version=".".join(map(str, environment.version_info[:3])),
        libraries=library_dirs(sys_path, [root] if root else []),
        error=error,
    )
