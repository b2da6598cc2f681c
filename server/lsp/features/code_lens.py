"""``textDocument/codeLens``: lenses from every feature that offers some.

Features append a :data:`~prosepy.server.lsp.providers.CodeLensProvider` to
``ls.code_lens_providers`` (generation: "Generate code" above `# nl:` requests; run: "Run
cell" above `# %%`).
Lenses carry their command, so no resolve step is needed.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from prosepy.server.lsp.server import ProsepyServer

logger = logging.getLogger(__name__)


def register(server: ProsepyServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_CODE_LENS)
    def code_lens(ls: ProsepyServer, params: types.CodeLensParams) -> list[types.CodeLens]:
        document = ls.workspace.get_text_document(params.text_document.uri)
        lenses: list[types.CodeLens] = []
        for provider in ls.code_lens_providers:
            try:
                lenses.extend(provider(ls, document))
            except Exception:
                logger.exception("code lens provider %r failed", provider)
        return lenses
