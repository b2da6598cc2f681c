"""Asking the larger model when the first model's checked code still fails.

``Generator.run`` checks the first model's code (``checking.py``: run, repair, samples).
When the best candidate still fails its check (an exception, an example that does not
match) or no candidate had usable code, the same request goes to the fallback model
(``model.fallback``), checked the same way, and the better of the two answers is kept: the
fallback's only when its verdict ranks higher, so asking it never makes the answer worse.
Code that could not be checked ("not checked: ...") and code that passed are not sent on:
nothing says the larger model would do better, and the user would wait for nothing.

The fallback gets a time budget of its own (``generate.timeBudgetS``); the progress
notification says when the larger model is at work, and the verdict says which model
wrote the code.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from prosepy.server.config import ModelSettings
from prosepy.server.generation.checking import PhaseCallback
from prosepy.server.generation.trials import TrialRunner
from prosepy.server.models.base import CancelToken, TokenCallback
from prosepy.server.models.fallback import fallback_settings
from prosepy.server.models.manager import ModelManager, ModelStatus

if TYPE_CHECKING:
    from prosepy.server.generation.pipeline import Answer, Generator, Job

logger = logging.getLogger(__name__)


def needs_fallback(answer: Answer) -> bool:
    """The first model's checked answer failed in a way a larger model may mend."""
    if answer.finish_reason not in ("stop", "length") or answer.cached:
        return False  # cancelled, out of time, the model broke; or an answer given before
    if answer.verdict is None:
        return answer.draft is None and bool(answer.replies)  # no usable code at all
    return answer.verdict.kind == "failed"


def escalate(
    generator: Generator,
    job: Job,
    answer: Answer,
    path: str | None,
    *,
    cancel: CancelToken | None = None,
    on_token: TokenCallback | None = None,
    on_phase: PhaseCallback | None = None,
    language: str = "en",
) -> Answer:
    """The fallback model's checked answer to ``job`` when it is better, else ``answer``
    with a note of what the fallback did."""
    fallback = generator.fallback
    assert fallback is not None
    phase = on_phase or (lambda _text: None)
    phase("asking the larger model")
    first = answer.verdict.summary if answer.verdict is not None else answer.message
    second_job = fallback.prepare_request(job.text, job.request, path)
    second = fallback.generate(second_job, cancel, on_token)
    fallback.check_generated(
        second_job,
        second,
        path,
        cancel,
        on_token,
        lambda text: phase(f"larger model: {text}"),
        language,
    )
    name = second.model or fallback.model_name() or "the larger model"
    if _better(second, answer):
        logger.info("the fallback model %s did better than the first: %s", name, first)
        assert second.verdict is not None
        summary = f"{second.verdict.summary}, written by the larger model"
        second.verdict = dataclasses.replace(second.verdict, summary=summary)
        if second.checked is not None:
            second.checked.verdict = second.verdict
        second.fallback_note = f"the first model's code {first}"
        second.tokens += answer.tokens
        second.seconds += answer.seconds
        generator.remember(job, second)
        return second
    if second.verdict is not None:
        did = second.verdict.summary
    else:
        did = second.message or "no usable code"
    if second.message.startswith("the model is not available"):
        answer.fallback_note = f"the larger model was not available: {second.message}"
    elif second.finish_reason in ("cancelled", "timeout"):
        answer.fallback_note = f"the larger model was stopped: {second.message}"
    else:
        answer.fallback_note = f"the larger model did no better: {did}"
    logger.info("fallback model %s: %s", name, answer.fallback_note)
    if answer.draft is not None and answer.checked is not None:
        generator.remember(job, answer)
    return answer


def _better(second: Answer, first: Answer) -> bool:
    if second.draft is None or second.verdict is None:
        return False
    if first.draft is None or first.verdict is None:
        return True
    return second.verdict.rank() > first.verdict.rank()


class Fallback:
    """The fallback model's manager and its generator, hung on ``generator.fallback`` and
    kept in step with the settings; no process starts before the fallback is first asked."""

    def __init__(
        self,
        generator: Generator,
        model: ModelSettings,
        on_status: Callable[[ModelStatus], None] | None = None,
        trials: TrialRunner | None = None,
    ) -> None:
        self.generator = generator
        self.manager: ModelManager | None = None
        self._on_status = on_status
        #: Where the fallback's code is checked (default: where the generator's is).
        self.trials = trials
        self.update(model)

    def update(self, model: ModelSettings) -> None:
        """New settings: another fallback model, none, or the generation settings changed."""
        from prosepy.server.generation.pipeline import Generator

        wanted = fallback_settings(model)
        if wanted is None:
            self.close()
            return
        if self.manager is None:
            self.manager = ModelManager(wanted, on_status=self._on_status)
        else:
            self.manager.update_settings(wanted)
        manager = self.manager
        if self.generator.fallback is None:
            self.generator.fallback = Generator(
                manager.generate,
                self.generator.settings,
                lambda: manager.status.model,
                grammar=self.generator.grammar,
                trials=self.trials or self.generator.trials,
            )
        self.generator.fallback.settings = self.generator.settings

    def close(self) -> None:
        self.generator.fallback = None
        if self.manager is not None:
            self.manager.close()
            self.manager = None
