"""LSP features, one module each; ``register_all`` wires them into a server.

To add a feature, write a module with ``register(server)`` and list it in ``FEATURES``.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prosepy.server.lsp.server import ProsepyServer

logger = logging.getLogger(__name__)

FEATURES = [
    "prosepy.server.lsp.features.lifecycle",
    "prosepy.server.lsp.features.documents",
    "prosepy.server.lsp.features.doctor",
    "prosepy.server.lsp.features.code_lens",
    "prosepy.server.lsp.features.code_actions",
    "prosepy.server.lsp.features.hover",
    "prosepy.server.lsp.features.explain_with_model",
    "prosepy.server.lsp.features.model_status",
    "prosepy.server.lsp.features.generate",
    "prosepy.server.lsp.features.run_results",
    "prosepy.server.lsp.features.inlay_hints",
    "prosepy.server.lsp.features.run",
    "prosepy.server.lsp.features.run_actions",
]


def register_all(server: ProsepyServer) -> None:
    for name in FEATURES:
        importlib.import_module(name).register(server)
