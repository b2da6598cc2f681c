"""LSP features, one module each; ``register_all`` wires them into a server.

To add a feature, write a module with ``register(server)`` and list it in ``FEATURES``.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from server.lsp.server import ProsepyServer

logger = logging.getLogger(__name__)

FEATURES = [
    "server.lsp.features.lifecycle",
    "server.lsp.features.documents",
    "server.lsp.features.doctor",
    "server.lsp.features.code_lens",
    "server.lsp.features.code_actions",
    "server.lsp.features.hover",
    "server.lsp.features.explain_with_model",
    "server.lsp.features.model_status",
    "server.lsp.features.generate",
    "server.lsp.features.run_results",
    "server.lsp.features.inlay_hints",
    "server.lsp.features.run",
    "server.lsp.features.run_actions",
]


def register_all(server: ProsepyServer) -> None:
    for name in FEATURES:
        importlib.import_module(name).register(server)
