"""The namespaces layer: bubblewrap's command line, its start-up probe, the clean environment.

bubblewrap gives each sandbox its own PID, network, IPC, UTS, user and mount namespaces, a
read-only view of the host's root and a size-capped tmpfs as the working directory. Whether
it works is probed once per interpreter (desktops often refuse unprivileged user namespaces);
when it does not, the in-process layers stand alone and the result says so.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prosepy.server.sandbox.supervisor import Spec


def clean_env(workdir: str) -> dict[str, str]:
    """The snippet's whole environment: nothing of the editor's (no tokens, no keys)."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": workdir,
        "TMPDIR": workdir,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
    }


def bwrap_argv(spec: Spec, workdir: str, env: dict[str, str]) -> list[str]:
    """Namespaces, a read-only root, a size-capped private tmpfs as the working directory."""
    argv = [
        "bwrap",
        "--unshare-all",
        "--unshare-user",
        "--uid",
        "65534",
        "--gid",
        "65534",
        "--disable-userns",
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
        "--hostname",
        "prosepy-sandbox",
        "--ro-bind",
        "/",
        "/",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "--size",
        str(spec.disk_bytes),
        "--tmpfs",
        workdir,
        "--chdir",
        workdir,
        "--clearenv",
    ]
    if spec.network:
        argv.append("--share-net")
    for key, value in env.items():
        argv += ["--setenv", key, value]
    return argv + ["--"]


_probe_cache: dict[str, tuple[bool, str]] = {}
_probe_lock = threading.Lock()


def probe_bwrap(python: str) -> tuple[bool, str]:
    """Does bubblewrap start a namespaced interpreter here? (cached per interpreter)"""
    with _probe_lock:
        if python in _probe_cache:
            return _probe_cache[python]
        if sys.platform != "linux":
            result = (False, f"namespaces need Linux (this is {sys.platform})")
        elif shutil.which("bwrap") is None:
            result = (False, "bubblewrap (bwrap) is not installed")
        else:
            workdir = tempfile.mkdtemp(prefix="prosepy-probe-")
            from prosepy.server.sandbox.supervisor import Spec

            argv = bwrap_argv(Spec(python), workdir, clean_env(workdir))
            try:
                done = subprocess.run(
                    argv + [python, "-I", "-S", "-c", "pass"],
                    capture_output=True,
                    timeout=20,
                    stdin=subprocess.DEVNULL,
                )
                err = done.stderr.decode(errors="replace").strip()
                result = (done.returncode == 0, err or "bwrap works")
            except (OSError, subprocess.TimeoutExpired) as exc:
                result = (False, f"bwrap failed: {exc}")
            finally:
                shutil.rmtree(workdir, ignore_errors=True)
        _probe_cache[python] = result
        return result
