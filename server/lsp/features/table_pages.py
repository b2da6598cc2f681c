"""``prosepy/table``: one page of a table-shaped value, read from the document's run session.

Request::

    {"uri": str, "handle": str?, "name": str?, "offset": int = 0, "limit": int = 100,
     "sortBy": int | null, "descending": bool = false}

``handle`` names a table shown on a line (``tables[].handle`` of ``prosepy/runResult``, also in
the hover's *Open the whole table* link); ``name`` a variable of the session. ``sortBy`` is a
column number; the session sorts the whole value (stable, missing values last) and keeps the
order for the next pages. Answer: ``{"uri", "kind", "shape": [rows, columns], "columns":
[{"name", "dtype"}], "rows": [[str]], "offset", "index": [str] | null, "sortBy",
"descending"}``, or a JSON-RPC error saying why there is no such table. Pages are capped at
500 rows; the value itself never leaves the sandbox.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pygls.exceptions import JsonRpcInvalidParams, JsonRpcInvalidRequest

from prosepy.server.lsp.features.variables import request_params
from prosepy.server.sandbox.views import TableWindow

if TYPE_CHECKING:
    from prosepy.server.lsp.server import ProsepyServer

METHOD = "prosepy/table"
PAGE_CAP = 500


def _int(params: dict[str, Any], key: str, default: int | None, low: int = 0) -> int | None:
    value = params.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise JsonRpcInvalidParams(f"{METHOD}: {key} must be an integer >= {low}, got {value!r}")
    return value


def register(server: ProsepyServer) -> None:
    @server.feature(METHOD)
    async def table(ls: ProsepyServer, raw: Any) -> dict[str, Any]:
        params = request_params(METHOD, raw)
        uri = params["uri"]
        handle, name = params.get("handle"), params.get("name")
        if not isinstance(handle, str) and not isinstance(name, str):
            raise JsonRpcInvalidParams(f'{METHOD}: give "handle" (a shown table) or "name"')
        offset = _int(params, "offset", 0) or 0
        limit = min(_int(params, "limit", 100, 1) or 100, PAGE_CAP)
        sort_by = _int(params, "sortBy", None)
        window = await ls.services.sandbox.table_page(
            uri,
            handle if isinstance(handle, str) else None,
            name if isinstance(name, str) else None,
            offset,
            limit,
            sort_by,
            params.get("descending") is True,
        )
        if not isinstance(window, TableWindow):
            raise JsonRpcInvalidRequest(f"{METHOD}: {window}")
        return {"uri": uri, **window.to_protocol()}
