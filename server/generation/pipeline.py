"""The generation pipeline: request -> context -> prompt -> model -> clean -> parse check.

No LSP here: the language server, the CLI, the benchmark and the HumanEval evaluation all
drive this same object. The model is any callable with the ``Backend.generate`` signature
(normally ``ModelManager.generate``), so tests can use the scripted double.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from prosepy.server.config import GenerateSettings
from prosepy.server.generation.clean import NO_CODE, CleanError, Draft, clean_reply
from prosepy.server.generation.context import FileContext, gather
from prosepy.server.generation.place import Placement, place
from prosepy.server.generation.prompt import AFTER_LINES, Prompt, build_prompt, repair_messages
from prosepy.server.generation.requests import NlRequest, request_at
from prosepy.server.models.base import (
    CancelToken,
    GenerationRequest,
    GenerationResult,
    ModelError,
    TokenCallback,
)

logger = logging.getLogger(__name__)

ModelCall = Callable[
    [GenerationRequest, CancelToken | None, TokenCallback | None], GenerationResult
]


@dataclass
class Job:
    """A request with everything gathered from the file at the time it was made."""

    request: NlRequest
    context: FileContext
    prompt: Prompt
    key: str
    text: str


@dataclass
class Outcome:
    """What came of one job: a draft to place, or a message saying why there is none."""

    draft: Draft | None
    message: str = ""
    finish_reason: str = "stop"
    tokens: int = 0
    seconds: float = 0.0
    cached: bool = False
    model: str = ""
    repaired: bool = False
    replies: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.draft is not None


def _grammar() -> str | None:
    """The GBNF that forces one fenced python block, if the models package provides it."""
    try:
        grammars = importlib.import_module("prosepy.server.models.grammars")
    except ImportError:
        return None
    for name in ("PYTHON_BLOCK", "PYTHON_CODE_BLOCK", "FENCED_PYTHON", "python_block"):
        value = getattr(grammars, name, None)
        if isinstance(value, str):
            return value
        if callable(value):
            result = value()
            return result if isinstance(result, str) else None
    return None


class Generator:
    """Turns requests into drafts; caches results by (request, context, model, settings)."""

    def __init__(
        self,
        model: ModelCall,
        settings: GenerateSettings,
        model_name: Callable[[], str] = lambda: "",
        grammar: str | None | bool = True,
        cache_size: int = 64,
    ) -> None:
        self.model = model
        self.settings = settings
        self.model_name = model_name
        self.grammar = _grammar() if grammar is True else (grammar or None)
        self._cache: OrderedDict[str, Outcome] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    # -- preparation (cheap apart from jedi) -------------------------------------------
    def prepare(self, text: str, line: int, path: str | None = None) -> Job | None:
        """The job for the request at 0-based ``line`` of ``text``, or None if there is none."""
        lines = text.splitlines()
        request = request_at(lines, line)
        if request is None:
            return None
        return self.prepare_request(text, request, path)

    def prepare_request(self, text: str, request: NlRequest, path: str | None = None) -> Job:
        lines = text.splitlines()
        context = gather(lines, request, path)
        prompt = build_prompt(request, context, self.settings.context_tokens)
        s = self.settings
        key_data = {
            "request": request.text,
            "indent": request.indent,
            "messages": [(m.role, m.content) for m in prompt.messages],
            "model": self.model_name(),
            "settings": [s.max_tokens, s.temperature, s.context_tokens, bool(self.grammar)],
        }
        key = hashlib.sha256(json.dumps(key_data, ensure_ascii=False).encode()).hexdigest()
        return Job(request, context, prompt, key, text)

    # -- generation (slow: run off the event loop) --------------------------------------
    def cached(self, job: Job) -> Outcome | None:
        with self._lock:
            hit = self._cache.get(job.key)
            if hit is not None:
                self._cache.move_to_end(job.key)
        if hit is None:
            return None
        return Outcome(hit.draft, hit.message, hit.finish_reason, hit.tokens, 0.0, True, hit.model)

    def _call(
        self,
        messages: list,
        cancel: CancelToken | None,
        on_token: TokenCallback | None,
        budget: float,
    ) -> GenerationResult:
        request = GenerationRequest(
            messages=messages,
            max_tokens=self.settings.max_tokens,
            temperature=self.settings.temperature,
            grammar=self.grammar,
            time_budget_s=max(0.1, budget),
        )
        return self.model(request, cancel, on_token)

    def generate(
        self,
        job: Job,
        cancel: CancelToken | None = None,
        on_token: TokenCallback | None = None,
    ) -> Outcome:
        """Ask the model, clean the reply, check the file still parses; one repair round."""
        hit = self.cached(job)
        if hit is not None:
            return hit
        start = time.monotonic()
        budget = self.settings.time_budget_s
        outcome = Outcome(None)
        messages = list(job.prompt.messages)
        for attempt in range(2):
            try:
                result = self._call(messages, cancel, on_token, budget - (time.monotonic() - start))
            except ModelError as exc:
                outcome.message = f"the model is not available: {exc}"
                break
            outcome.tokens += result.tokens
            outcome.model = result.model
            outcome.finish_reason = result.finish_reason
            outcome.replies.append(result.text)
            if result.finish_reason == "cancelled":
                outcome.message = "generation cancelled" + (
                    f" ({cancel.reason})" if cancel is not None and cancel.reason else ""
                )
                break
            if result.finish_reason == "timeout":
                outcome.message = (
                    f"generation stopped at the time budget ({budget:g} s, setting "
                    "generate.timeBudgetS); nothing inserted"
                )
                break
            if result.finish_reason == "error":
                outcome.message = f"the model failed: {result.text or 'unknown error'}"
                break
            draft, error = self.check(job, result.text)
            if draft is not None:
                outcome.draft = draft
                outcome.repaired = attempt > 0
                outcome.message = ""
                break
            nothing_new = error == NO_CODE
            outcome.message = (
                f"{NO_CODE}; nothing inserted"
                if nothing_new
                else f"the generated code does not parse: {error}; nothing inserted"
            )
            if result.finish_reason == "length":
                outcome.message = (
                    f"the generated code was cut off at {self.settings.max_tokens} tokens "
                    f"(setting generate.maxTokens) and does not parse: {error}; nothing inserted"
                )
                break
            if attempt == 0:
                logger.info("generated code does not parse (%s): one repair round", error)
                messages = repair_messages(
                    job.prompt, result.text, error or "syntax error", nothing_new, job.request.text
                )
        outcome.seconds = time.monotonic() - start
        if outcome.ok:
            with self._lock:
                self._cache[job.key] = outcome
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return outcome

    def check(self, job: Job, reply: str) -> tuple[Draft | None, str | None]:
        """Clean ``reply`` and check it fits the job's text; (draft, None) or (None, error)."""
        function = job.context.function
        try:
            draft = clean_reply(
                reply,
                function.name if function else None,
                [*job.context.before, *job.request.comment_lines],
                job.context.after[:AFTER_LINES],
            )
        except CleanError as exc:
            return None, str(exc)
        placement = self.place(job, draft, job.text, job.request)
        if placement.error:
            return None, placement.error
        return draft, None

    @staticmethod
    def place(
        job: Job,
        draft: Draft,
        text: str,
        request: NlRequest,
        replace: tuple[int, int] | None = None,
    ) -> Placement:
        return place(text, request, draft, job.context.parses, replace)


def generate_text(
    generator: Generator,
    text: str,
    line: int,
    path: str | None = None,
    cancel: CancelToken | None = None,
    on_token: TokenCallback | None = None,
) -> tuple[Outcome, Placement | None]:
    """One-shot helper: generate for the request at ``line`` and place it in ``text``."""
    job = generator.prepare(text, line, path)
    if job is None:
        return Outcome(None, f"no `# nl:` request on line {line + 1}"), None
    outcome = generator.generate(job, cancel, on_token)
    if outcome.draft is None:
        return outcome, None
    return outcome, generator.place(job, outcome.draft, text, job.request)
