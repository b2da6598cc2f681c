"""``prosepy/variables``: the variables of a document's run session, for a variables view.

Request ``{"uri": str}``; answer::

    {"uri": str, "variables": [{"name": str, "type": str, "summary": str,
                                "shape": [int]?, "line": int?, "table": bool}]}

``summary`` is one short line (a capped repr; a frame's size and columns), ``shape`` the
dimensions of arrays and frames or the length of other containers, ``line`` the 0-based line
that last assigned the name where it is known, ``table`` whether ``prosepy/table`` can page
through it. The list is the one the session reported after its last run (no round trip to
the sandbox, so it answers while a run is going); empty before the first run and after a
restart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pygls.exceptions import JsonRpcInvalidParams

if TYPE_CHECKING:
    from prosepy.server.lsp.server import ProsepyServer

METHOD = "prosepy/variables"


def plain(value: Any) -> Any:
    """pygls hands a custom method's params over as named tuples: back to dicts and lists."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def request_params(method: str, params: Any) -> dict[str, Any]:
    """A request's object parameter with a ``uri`` (an invalid-params error otherwise)."""
    found = plain(params)
    uri = found.get("uri") if isinstance(found, dict) else None
    if not isinstance(uri, str) or not uri:
        raise JsonRpcInvalidParams(f'{method}: expected {{"uri": "file:///...", ...}}')
    return found


def register(server: ProsepyServer) -> None:
    @server.feature(METHOD)
    def variables(ls: ProsepyServer, params: Any) -> dict[str, Any]:
        uri = request_params(METHOD, params)["uri"]
        listed = ls.services.run_results.variables.get(uri, [])
        return {"uri": uri, "variables": [v.to_protocol() for v in listed]}
