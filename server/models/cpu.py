"""Which instruction sets this CPU has, and whether a native runtime's build may run on it.

A prebuilt runtime is compiled for a fixed set of x86 extensions (AVX2, FMA, ...). Running it
on a CPU without one of them dies with SIGILL, so a runtime is only loaded after the features
its build reports were found in ``/proc/cpuinfo``. The reverse matters too: a build may use
paths (AMX, AVX-512) that crash on a CPU which merely advertises them, which is why the
default runtime is a portable build and every runtime runs outside the language server.
"""

from __future__ import annotations

import platform
import re
from functools import lru_cache

from prosepy.server.models.base import ModelError

#: Names llama.cpp's system info uses, mapped to the flags Linux shows in /proc/cpuinfo.
_CPUINFO_FLAG = {
    "SSE3": "pni",
    "SSSE3": "ssse3",
    "AVX": "avx",
    "AVX2": "avx2",
    "F16C": "f16c",
    "FMA": "fma",
    "BMI2": "bmi2",
    "AVX_VNNI": "avx_vnni",
    "AVX512": "avx512f",
    "AVX512_VBMI": "avx512vbmi",
    "AVX512_VNNI": "avx512_vnni",
    "AVX512_BF16": "avx512_bf16",
    "AMX_INT8": "amx_int8",
}
#: Flags worth naming when saying what a CPU has that a build leaves unused.
NOTABLE = ("avx2", "fma", "f16c", "avx512f", "avx512_vnni", "avx512_bf16", "amx_int8")


@lru_cache(maxsize=1)
def cpu_flags() -> frozenset[str]:
    """The CPU's feature flags (Linux); empty where they cannot be read."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith(("flags", "Features")):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def build_features(system_info: str) -> list[str]:
    """The CPU features a llama.cpp build reports as compiled in (``NAME = 1``)."""
    found = re.findall(r"([A-Z0-9_]+) = (\d)", system_info)
    return [name for name, on in found if on == "1" and name in _CPUINFO_FLAG]


def missing_features(features: list[str]) -> list[str]:
    """Features a build uses that this x86 CPU does not list (empty when unknowable)."""
    flags = cpu_flags()
    if not flags or platform.machine().lower() not in ("x86_64", "amd64"):
        return []
    return [f for f in features if f in _CPUINFO_FLAG and _CPUINFO_FLAG[f] not in flags]


def unused_features(features: list[str]) -> list[str]:
    """Notable flags of this CPU that the build does not use (e.g. avx512f, amx_int8)."""
    used = {_CPUINFO_FLAG[f] for f in features if f in _CPUINFO_FLAG}
    return [f for f in NOTABLE if f in cpu_flags() and f not in used]


def require(features: list[str], runtime: str) -> None:
    """Refuse to run a build that needs instructions this CPU lacks (it would die of SIGILL)."""
    missing = missing_features(features)
    if missing:
        raise ModelError(
            f"{runtime} is built for {', '.join(missing)}, which this CPU ({cpu_name()}) lacks",
            'set model.runtime to "llama-cpp-python" with a build made on this machine, '
            'or use model.backend "openai"',
        )
