"""An older commit's server, runnable beside this tree's, for before/after benchmarks.

``export_tree(commit)`` writes that commit's ``server/`` and ``explain/`` to a temporary
folder laid out as ``prosepy/server`` and ``prosepy/explain``; a server started with that
folder first on ``PYTHONPATH`` runs the old code with this environment's packages.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def export_tree(commit: str) -> Path:
    """``commit``'s server and explain folders, importable as ``prosepy.*`` from the result."""
    tree = Path(tempfile.mkdtemp(prefix="prosepy-baseline-"))
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit, "server", "explain"],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    (tree / "prosepy").mkdir()
    for name in ("server", "explain"):
        (tree / "prosepy" / name).symlink_to(tree / name)
    return tree


def server_env(tree: Path | None = None, **extra: str) -> dict[str, str]:
    """The environment for a server from ``tree`` (None: this tree), checked to import it."""
    env = dict(os.environ, PYTHONPATH=str(tree or ROOT), **extra)
    if tree is not None:  # make sure the older code is what runs
        where = subprocess.run(
            [sys.executable, "-c", "import prosepy.server as s; print(s.__file__)"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert where.startswith(str(tree)), where
    return env
