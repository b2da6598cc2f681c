"""``initialize``, ``initialized`` and ``workspace/didChangeConfiguration``: settings in.

Settings come from ``initializationOptions`` first, then from ``workspace/configuration``
(section ``prosepy``) when the client supports it, and again on every configuration change.
Once they are in, ``initialized`` tells the features that asked (``server.on_initialized``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from lsprotocol import types

if TYPE_CHECKING:
    from prosepy.server.lsp.server import ProsepyServer

logger = logging.getLogger("prosepy")


def _supports_configuration(server: ProsepyServer) -> bool:
    caps = server.client_capabilities
    return bool(caps and caps.workspace and caps.workspace.configuration)


async def pull_configuration(server: ProsepyServer) -> None:
    """Ask the client for the ``prosepy`` section and apply it."""
    if not _supports_configuration(server):
        return
    try:
        result = await server.workspace_configuration_async(
            types.ConfigurationParams(items=[types.ConfigurationItem(section="prosepy")])
        )
    except Exception as exc:
        logger.warning("could not read workspace/configuration: %s", exc)
        return
    raw: Any = result[0] if result else None
    if raw is not None:
        server.apply_settings(raw, "workspace configuration")


def register(server: ProsepyServer) -> None:
    @server.feature(types.INITIALIZE)
    def on_initialize(ls: ProsepyServer, params: types.InitializeParams) -> None:
        ls.client_locale = params.locale
        options = params.initialization_options
        if isinstance(options, dict) and "prosepy" in options:
            options = options["prosepy"]
        if options is not None:
            ls.apply_settings(options, "initializationOptions")
        name = params.client_info.name if params.client_info else "unknown client"
        logger.info("prosepy %s serving %s", ls.version, name)

    @server.feature(types.INITIALIZED)
    async def on_initialized(ls: ProsepyServer, params: types.InitializedParams) -> None:
        await pull_configuration(ls)
        ls.emit_initialized()

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def on_configuration(
        ls: ProsepyServer, params: types.DidChangeConfigurationParams
    ) -> None:
        settings = params.settings
        if isinstance(settings, dict) and isinstance(settings.get("prosepy"), dict):
            ls.apply_settings(settings["prosepy"], "workspace/didChangeConfiguration")
        else:
            await pull_configuration(ls)
