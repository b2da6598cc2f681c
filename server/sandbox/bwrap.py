"""The namespaces layer: bubblewrap's command line, its start-up probe, the clean environment.

bubblewrap gives each sandbox its own PID, network, IPC, UTS, user and mount namespaces. The
mount namespace shows the host read-only *except* the trees where users' and services' files
and sockets live (``/home``, ``/run``, ``/tmp``, ``/var``, ...): those are empty tmpfs, with
only what the interpreter needs bound back read-only (its prefixes and ``sys.path``, the
runtime, the document's folder). The working directory is a tmpfs of its own, which the
child then replaces with one capped in inodes too (``confine.private_workdir``; that is why
``--disable-userns`` is not given: seccomp forbids new namespaces once the child is confined).

Whether bubblewrap works is probed once per interpreter (desktops often refuse unprivileged
user namespaces); when it does not, the in-process layers stand alone and the result says so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from functools import lru_cache

from prosepy.server.sandbox.spec import Spec

RUNTIME = os.path.join(os.path.dirname(os.path.abspath(__file__)), "runtime")
#: Trees replaced by an empty tmpfs inside the sandbox (what the interpreter needs is bound back).
HIDDEN = ("/home", "/run", "/tmp", "/var", "/root", "/mnt", "/media", "/srv")
_PATHS_CODE = (
    "import json, sys; print(json.dumps([sys.executable, sys.prefix, sys.base_prefix, "
    "sys.exec_prefix, sys.base_exec_prefix, *sys.path]))"
)


def clean_env(workdir: str) -> dict[str, str]:
    """The snippet's whole environment: nothing of the editor's (no tokens, no keys).

    One thread per numeric library: a run must end with no thread of its own left (see
    ``runtime/hygiene.py``), and thread pools of BLAS or numexpr would stay. Two malloc
    arenas: glibc reserves 64 MiB of address space per arena, one per new thread by default,
    which the address-space limit counts, so eight threads would use up 512 MiB.
    """
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": workdir,
        "TMPDIR": workdir,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "NUMEXPR_NUM_THREADS": "1",
        "VECLIB_MAXIMUM_THREADS": "1",
        "MALLOC_ARENA_MAX": "2",
        "MPLBACKEND": "Agg",
    }


@lru_cache(maxsize=16)
def interpreter_paths(python: str) -> tuple[str, ...]:
    """The interpreter's executable, prefixes and ``sys.path`` as it runs the child (``-I``)."""
    try:
        done = subprocess.run(
            [python, "-I", "-c", _PATHS_CODE],
            capture_output=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
            env=clean_env(tempfile.gettempdir()),
        )
        found = json.loads(done.stdout)
    except (OSError, ValueError, subprocess.TimeoutExpired):
        found = [python]
    paths = [p for p in found if isinstance(p, str) and os.path.isabs(p)]
    return tuple(dict.fromkeys([*paths, os.path.dirname(python)]))


def _hidden_roots() -> list[str]:
    roots = sorted({os.path.realpath(p) for p in HIDDEN if os.path.isdir(p)})
    return [r for r in roots if not any(r.startswith(o + "/") for o in roots if o != r)]


def _under(path: str, roots: list[str]) -> bool:
    return any(path == r or path.startswith(r + "/") for r in roots)


def visible_paths(spec: Spec) -> list[str]:
    """Paths inside the hidden trees that the sandbox needs, outermost only, as real paths."""
    roots = _hidden_roots()
    wanted = [*interpreter_paths(spec.python), RUNTIME]
    if spec.folder:
        wanted.append(spec.folder)
    real = sorted({os.path.realpath(p) for p in wanted if os.path.exists(p)} - set(roots) - {"/"})
    out: list[str] = []
    for path in real:
        if _under(path, roots) and not any(path.startswith(o + "/") for o in out):
            out.append(path)
    return out


def bwrap_argv(spec: Spec, workdir: str, env: dict[str, str], info_fd: int) -> list[str]:
    """Namespaces, a read-only root with the hidden trees emptied, a private working dir."""
    argv = [
        "bwrap",
        "--unshare-all",
        "--unshare-user",
        "--uid",
        "65534",
        "--gid",
        "65534",
        "--die-with-parent",
        "--new-session",
        "--as-pid-1",
        "--cap-drop",
        "ALL",
        "--hostname",
        "prosepy-sandbox",
        "--info-fd",
        str(info_fd),
        "--ro-bind",
        "/",
        "/",
    ]
    for root in _hidden_roots():
        argv += ["--tmpfs", root]
    for path in visible_paths(spec):
        argv += ["--ro-bind", path, path]
    argv += ["--dev", "/dev", "--proc", "/proc"]
    argv += ["--size", str(spec.disk_bytes), "--tmpfs", workdir, "--chdir", workdir]
    argv.append("--clearenv")
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
            result = (False, "bubblewrap (bwrap) is not installed or not on PATH")
        else:
            result = _run_probe(python)
        _probe_cache[python] = result
        return result


def _run_probe(python: str) -> tuple[bool, str]:
    workdir = tempfile.mkdtemp(prefix="prosepy-probe-")
    info_r, info_w = os.pipe()
    argv = bwrap_argv(Spec(python), workdir, clean_env(workdir), info_w)
    try:
        done = subprocess.run(
            argv + [python, "-I", "-S", "-c", "pass"],
            capture_output=True,
            timeout=20,
            stdin=subprocess.DEVNULL,
            pass_fds=(info_w,),
        )
        err = done.stderr.decode(errors="replace").strip()
        return (done.returncode == 0, err or "bwrap works")
    except (OSError, subprocess.TimeoutExpired) as exc:
        return (False, f"bwrap failed: {exc}")
    finally:
        os.close(info_r)
        os.close(info_w)
        shutil.rmtree(workdir, ignore_errors=True)
