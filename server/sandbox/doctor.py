"""``prosepy doctor`` checks for the sandbox: the layers that really take on this machine.

The check starts a real sandbox and asks it which layers it applied, rather than guessing
from the kernel version; then it says what the missing layers leave unrestricted.
"""

from __future__ import annotations

import sys

from prosepy.server.config import Settings
from prosepy.server.doctor import Check
from prosepy.server.sandbox import layers as layer_info
from prosepy.server.sandbox.bwrap import probe_bwrap
from prosepy.server.sandbox.session import SandboxManager
from prosepy.server.sandbox.spec import SandboxError, resolve_python
from prosepy.server.sandbox.supervisor import Sandbox

SECTION = "sandbox"


def doctor_checks(settings: Settings) -> list[Check]:
    checks: list[Check] = []
    try:
        python = resolve_python(settings.run.python)
    except SandboxError as exc:
        return [
            Check(
                SECTION, "python", "missing", str(exc), "set run.python to a Python 3 interpreter"
            )
        ]
    checks.append(Check(SECTION, "python", "ok", f"snippets run with {python}"))
    bwrap_ok, why = probe_bwrap(python)
    checks.append(
        Check(
            SECTION,
            "namespaces",
            "ok" if bwrap_ok else "warn",
            "bubblewrap starts a namespaced interpreter" if bwrap_ok else why,
            "install bubblewrap (apt-get install bubblewrap) and allow unprivileged user "
            "namespaces (on Ubuntu 23.10+: an AppArmor profile for bwrap)",
        )
    )
    manager = SandboxManager(settings.run, namespaces=bwrap_ok)
    try:
        spec = manager.spec(None)
        box = Sandbox(spec)
        try:
            ready = box.init(manager.init_message(settings.run, spec, None, box.workdir))
            active = layer_info.ordered([layer_info.SUPERVISOR, *box.layers])
        finally:
            box.kill()
            manager.shutdown()
    except SandboxError as exc:
        checks.append(Check(SECTION, "start", "missing", str(exc), "see the layers above"))
        return checks
    for name in layer_info.ORDER:
        have = name in active
        if name in ("disk_quota", "disk_watch") and not have:
            continue  # one of the two; what is open without the quota is said below
        detail = layer_info.DESCRIPTION[name] if have else layer_info.UNRESTRICTED.get(name, "")
        if name == "landlock" and have:
            detail += f" (ABI {ready.landlock_abi})"
        checks.append(
            Check(
                SECTION,
                name,
                "ok" if have else "warn",
                detail if have else f"not active: {detail}",
                _fix(name),
            )
        )
    for problem in ready.problems:
        checks.append(Check(SECTION, "problem", "warn", problem))
    open_here = layer_info.unrestricted(active, settings.run.allow_network, settings.run.mode)
    checks.append(
        Check(SECTION, "not restricted", "warn" if open_here else "ok", "; ".join(open_here))
    )
    strength = layer_info.strength(active)
    checks.append(
        Check(
            SECTION,
            "strength",
            "ok" if strength == "strong" else "warn",
            f"{strength} ({', '.join(active)})",
            "" if strength == "strong" else "see the layers marked warn above",
        )
    )
    checks.append(
        Check(
            SECTION,
            "limits",
            "ok",
            f"timeout {settings.run.timeout_s:g} s, memory {settings.run.memory_mb} MiB, output "
            f"{settings.run.output_bytes} bytes, disk {settings.run.disk_mb} MiB, network "
            f"{'allowed' if settings.run.allow_network else 'blocked'}, mode {settings.run.mode}",
        )
    )
    return checks


def _fix(layer: str) -> str:
    if sys.platform != "linux":
        return "only Linux offers this layer; run prosepy in a Linux VM or container for it"
    return {
        "landlock": "use a kernel >= 5.13 with Landlock enabled (lsm=landlock,...)",
        "seccomp": "use a kernel with seccomp filters (CONFIG_SECCOMP_FILTER) on x86_64 or aarch64",
        "namespaces": "install bubblewrap and allow unprivileged user namespaces",
    }.get(layer, "")
