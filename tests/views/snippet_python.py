"""The Python that views tests run snippets with: a venv holding pandas, numpy and matplotlib.

A user's ``run.python`` is usually their own environment with their data libraries; the tests do
the same with ``$PROSEPY_CACHE/snippet-python`` (``PROSEPY_SNIPPET_PYTHON`` overrides it), which
``scripts/setup test`` creates from ``requirements.txt`` beside this file. When it is missing the
first test that needs it creates it (a minute, from PyPI); when that fails the test fails with
the reason: these tests prove the feature with the real libraries, never without them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import venv
from pathlib import Path

REQUIREMENTS = Path(__file__).with_name("requirements.txt")
CACHE = Path(os.environ.get("PROSEPY_CACHE", Path.home() / ".cache" / "prosepy"))
_lock = threading.Lock()
CHECK = "import pandas, numpy, matplotlib, PIL, ipykernel"


def location() -> Path:
    configured = os.environ.get("PROSEPY_SNIPPET_PYTHON")
    return Path(configured) if configured else CACHE / "snippet-python" / "bin" / "python"


def _works(python: Path) -> bool:
    if not python.exists():
        return False
    done = subprocess.run([str(python), "-c", CHECK], capture_output=True, timeout=120)
    return done.returncode == 0


def snippet_python() -> str:
    """The interpreter's path, creating the venv when it is missing (RuntimeError on failure)."""
    python = location()
    with _lock:
        if _works(python):
            return str(python)
        if os.environ.get("PROSEPY_SNIPPET_PYTHON"):
            raise RuntimeError(f"PROSEPY_SNIPPET_PYTHON={python} cannot import {CHECK[7:]}")
        folder = python.parent.parent
        venv.EnvBuilder(with_pip=True, clear=folder.exists()).create(folder)
        done = subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                "-r",
                str(REQUIREMENTS),
            ],
            capture_output=True,
            text=True,
            timeout=900,
        )
        if done.returncode != 0 or not _works(python):
            raise RuntimeError(
                f"could not install the snippet Python's libraries into {folder}: "
                f"{done.stderr[-2000:]} (run scripts/setup test)"
            )
        return str(python)


if __name__ == "__main__":
    print(snippet_python())
    sys.exit(0)
