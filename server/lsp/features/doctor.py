"""``workspace/executeCommand`` ``prosepy.doctor``: the setup report, for the editor.

Returns the rendered text and the structured checks, so a client can show either.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from prosepy.server import doctor
from prosepy.server.lsp.server import ProsepyServer  # at run time: pygls reads command annotations

COMMAND = "prosepy.doctor"


def register(server: ProsepyServer) -> None:
    @server.command(COMMAND)
    async def run_doctor(ls: ProsepyServer, *args: Any) -> dict[str, Any]:
        checks = await asyncio.to_thread(doctor.collect, ls.settings)
        return {
            "text": doctor.render(checks),
            "checks": [dataclasses.asdict(c) for c in checks],
        }
