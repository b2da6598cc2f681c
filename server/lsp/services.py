"""The long-lived helpers that features share, built in one place: :func:`build_services`.

Features reach them as ``ls.services.<name>``: the model manager, the sandbox, the generation
pipeline, the generated regions and the run results. Each is created here with the server's
settings and kept in step with them; none is created by a feature on first use. State that
only one feature reads (hover's parse cache, the model-explanation cache) stays in that
feature's module.
"""

from __future__ import annotations

import atexit
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from prosepy.server.config import Settings
from prosepy.server.generation.escalation import Fallback
from prosepy.server.generation.pipeline import Generator
from prosepy.server.generation.regions import Regions
from prosepy.server.generation.trials import SandboxTrials
from prosepy.server.lsp.run_store import ResultStore
from prosepy.server.models.manager import ModelManager, ModelStatus
from prosepy.server.sandbox.session import SandboxManager

if TYPE_CHECKING:
    from prosepy.server.lsp.server import ProsepyServer

logger = logging.getLogger(__name__)

ModelStatusListener = Callable[[ModelStatus], None]


@dataclass
class Services:
    """What features share. Build with :func:`build_services`, never per feature."""

    #: The one model of the server (loads on first use; thread-safe).
    models: ModelManager
    #: Sandboxed sessions per document.
    sandbox: SandboxManager
    #: `# nl:` request -> placed, reviewed code; answers the model with ``models``.
    generator: Generator
    #: The larger model the generator asks when checked code fails (``model.fallback``).
    fallback: Fallback
    #: Throwaway sandboxes that check generated code and fixes (never a document's session).
    trials: SandboxTrials
    #: Code inserted by generation, per document, followed through edits.
    regions: Regions = field(default_factory=Regions)
    #: Run values and errors per document line, followed through edits.
    run_results: ResultStore = field(default_factory=ResultStore)
    #: Called with every model status change, from whatever thread made it.
    model_status_listeners: list[ModelStatusListener] = field(default_factory=list)

    def settings_changed(self, old: Settings, new: Settings) -> None:
        self.models.update_settings(new.model)
        self.sandbox.update_settings(new.run)
        self.generator.settings = new.generate
        self.fallback.update(new.model)
        self.trials.update(new.run, new.generate.check_timeout_s)


def build_services(server: ProsepyServer) -> Services:
    """Create every shared helper from ``server.settings`` and keep them in step with it."""
    listeners: list[ModelStatusListener] = []
    models = ModelManager(server.settings.model, on_status=lambda s: _tell(listeners, s))
    settings = server.settings
    trials = SandboxTrials(settings.run, settings.generate.check_timeout_s)
    generator = Generator(
        models.generate, settings.generate, lambda: models.status.model, trials=trials
    )
    services = Services(
        models=models,
        sandbox=SandboxManager(settings.run),
        generator=generator,
        fallback=Fallback(generator, settings.model),
        trials=trials,
        model_status_listeners=listeners,
    )
    server.on_settings_changed(services.settings_changed)
    # Sandboxes die with the server, but their working directories are removed by
    # ``shutdown``: without this every editor session left one or more in the temp folder.
    atexit.register(services.sandbox.shutdown)
    atexit.register(trials.close)
    atexit.register(services.fallback.close)
    return services


def _tell(listeners: list[ModelStatusListener], status: ModelStatus) -> None:
    for listener in list(listeners):
        try:
            listener(status)
        except Exception:  # a broken listener must not break the model
            logger.exception("model status listener failed")
