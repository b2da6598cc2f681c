"""The sandbox runtime's own modules, loaded by path as child.py loads them."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

RUNTIME = Path(__file__).resolve().parents[2] / "server" / "sandbox" / "runtime"


def load(name: str) -> Any:
    full = f"_prosepy_{name}"
    if full in sys.modules:
        return sys.modules[full]
    spec = importlib.util.spec_from_file_location(full, RUNTIME / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[full] = module
    spec.loader.exec_module(module)
    return module
