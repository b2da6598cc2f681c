"""``textDocument/codeAction`` and ``codeAction/resolve``: actions from every feature.

Features add a :class:`~prosepy.server.lsp.providers.CodeActionProvider` with
``server.add_code_action_provider``: ``actions`` lists (cheap: never touches a model),
``resolve`` may do the work. Every action's ``data`` carries ``{"provider": name, ...}`` so
that resolve reaches the feature that offered it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from prosepy.server.lsp.server import ProsepyServer

logger = logging.getLogger(__name__)

KINDS = [
    types.CodeActionKind.Refactor,
    types.CodeActionKind.RefactorRewrite,
    types.CodeActionKind.QuickFix,
    types.CodeActionKind.Source,
    types.CodeActionKind.Empty,
]


def register(server: ProsepyServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=KINDS, resolve_provider=True),
    )
    def code_action(
        ls: ProsepyServer, params: types.CodeActionParams
    ) -> list[types.CodeAction | types.Command]:
        actions: list[types.CodeAction | types.Command] = []
        for name, provider in ls.code_action_providers.items():
            try:
                actions.extend(provider.actions(ls, params))
            except Exception:
                logger.exception("code action provider %s failed", name)
        return actions

    @server.feature(types.CODE_ACTION_RESOLVE)
    async def resolve(ls: ProsepyServer, action: types.CodeAction) -> types.CodeAction:
        data = action.data if isinstance(action.data, dict) else {}
        provider = ls.code_action_providers.get(str(data.get("provider")))
        if provider is None:
            return action
        return await provider.resolve(ls, action)
