"""The interfaces through which several features answer one LSP method together.

pygls takes one handler per method, yet hover, code lenses and code actions gather answers
from several features (run output on hover, "Run cell" and "Generate code" lenses, run and
generate actions). The aggregating feature modules (``hover.py``, ``code_lens.py``,
``code_actions.py``) own the method and call every provider declared here, as pylsp's
``hookspecs.py`` declares its hooks. A provider that raises costs its own contribution only.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, TypeAlias

from lsprotocol import types
from pygls.workspace import TextDocument

if TYPE_CHECKING:
    from prosepy.server.lsp.server import ProsepyServer

#: ``textDocument/hover``: markdown to append to the hover at ``params.position``, or None.
#: Called on the event loop; it must answer at once (no model, no waiting on threads).
HoverProvider: TypeAlias = Callable[["ProsepyServer", types.HoverParams], "str | None"]

#: ``textDocument/codeLens``: lenses for a document. They carry their command (no resolve).
CodeLensProvider: TypeAlias = Callable[["ProsepyServer", TextDocument], "list[types.CodeLens]"]


class CodeActionProvider(ABC):
    """``textDocument/codeAction`` and ``codeAction/resolve`` for one feature's actions.

    Listing must be cheap (it runs on every cursor move): never touch a model there. The
    work happens in ``resolve``. Every listed action's ``data`` holds ``{"provider": name}``
    so that ``codeAction/resolve`` reaches the provider that offered it.
    """

    #: Key of this provider in ``action.data["provider"]``.
    name: ClassVar[str]

    @abstractmethod
    def actions(self, ls: ProsepyServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        """The actions for ``params.range`` (respecting ``params.context.only``)."""

    async def resolve(self, ls: ProsepyServer, action: types.CodeAction) -> types.CodeAction:
        """Fill in the action's edit; by default there is nothing to resolve."""
        return action
