"""A "user" Python environment with pandas, apart from prosepy's own, for hover tests and
``scripts/bench_hover.py``: what a user's project interpreter (``run.python``) looks like.
It also has a small module of its own (``USER_ONLY``) that prosepy's environment lacks.

Created once with ``venv`` and pip (about 15 s and 60 MB), then reused; a marker file is
written only after pandas imports, so an interrupted setup is redone.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ENVS = Path(os.environ.get("PROSEPY_USER_ENVS", Path.home() / ".cache" / "prosepy" / "user-envs"))
PANDAS = "pandas>=2,<4"


def _python_in(env: Path) -> Path:
    return env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


#: A module only the user's environment has (prosepy's own may have pandas: the sandbox
#: tests install it), so that tests can tell whose libraries jedi read.
USER_ONLY = "prosepy_user_only"
USER_ONLY_SOURCE = '''"""Helpers that exist only in this test environment."""


def greet(name: str, punctuation: str = "!") -> str:
    """Say hello to someone.

    Parameters
    ----------
    name : str
        Who to greet.
    punctuation : str
        What ends the greeting.
    """
    return "Hello, " + name + punctuation
'''


def pandas_python() -> Path:
    """The interpreter of a virtual environment that has pandas and ``USER_ONLY`` (created
    if missing)."""
    env = ENVS / f"pandas-py{sys.version_info[0]}{sys.version_info[1]}"
    python = _python_in(env)
    marker = env / ".prosepy-ready"
    if marker.exists() and python.exists():
        _add_user_only(python)
        return python
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--clear", str(env)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", PANDAS],
        check=True,
    )
    subprocess.run([str(python), "-c", "import pandas"], check=True)
    marker.write_text(PANDAS + "\n")
    _add_user_only(python)
    return python


def _add_user_only(python: Path) -> None:
    found = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    )
    module = Path(found.stdout.strip()) / f"{USER_ONLY}.py"
    if not module.exists() or module.read_text() != USER_ONLY_SOURCE:
        module.write_text(USER_ONLY_SOURCE)


def importable_here(module: str) -> bool:
    """Whether prosepy's own interpreter can import ``module`` (the tests need it not to)."""
    import importlib.util

    return importlib.util.find_spec(module) is not None


if __name__ == "__main__":
    print(pandas_python())
