"""Refuse a model load that cannot fit in memory, before the runtime tries and gets killed.

A runtime that runs out of memory mid-load is often killed by the kernel, taking the
language server with it. Weights are mmapped, so the file size plus the KV cache is a fair
lower bound of what a load needs.
"""

from __future__ import annotations

import os

from prosepy.server.models.base import ModelError


def available_bytes() -> int | None:
    """MemAvailable from /proc/meminfo (Linux); None where it cannot be known."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def needed_bytes(file_size: int, n_ctx: int) -> int:
    """Weights plus a generous KV-cache and scratch allowance (~48 KiB per context token)."""
    return file_size + n_ctx * 48 * 1024 + 64 * 1024 * 1024


#: What to do when a model does not fit.
MEMORY_FIX = "close other programs, lower model.nCtx, or choose a smaller model"


def out_of_memory_loading(name: str) -> ModelError:
    """The error for a runtime that raised MemoryError while loading ``name``."""
    return ModelError(f"out of memory while loading {name}", MEMORY_FIX)


def check_memory(file_size: int, n_ctx: int, name: str) -> None:
    need = needed_bytes(file_size, n_ctx)
    have = available_bytes()
    if have is not None and need > have:
        raise ModelError(
            f"not enough memory to load {name}: needs about {need / 2**20:,.0f} MiB, "
            f"{have / 2**20:,.0f} MiB available",
            MEMORY_FIX,
        )
