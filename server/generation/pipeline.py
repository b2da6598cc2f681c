"""The generation pipeline: request -> context -> prompt -> model -> clean -> place -> review.

No LSP here: the language server, the CLI, the demo, the benchmarks and the HumanEval
evaluation all call :meth:`Generator.run`. The model is any callable with the
``Backend.generate`` signature (normally ``ModelManager.generate``), so tests can use the
scripted double.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable

from cachetools import LRUCache

from prosepy.server.config import GenerateSettings
from prosepy.server.generation.answers import Answer, Generated, Job, Locate, Target
from prosepy.server.generation.checking import PhaseCallback, check_answer
from prosepy.server.generation.clean import NO_CODE, CleanError, Draft, clean_reply
from prosepy.server.generation.context import gather
from prosepy.server.generation.escalation import escalate, needs_fallback
from prosepy.server.generation.place import Placement, place
from prosepy.server.generation.prompt import (
    AFTER_LINES,
    build_prompt,
    completion_messages,
    repair_messages,
)
from prosepy.server.generation.requests import NlRequest, request_at
from prosepy.server.generation.review import Finding, review
from prosepy.server.generation.trials import TrialRunner
from prosepy.server.lines import line_texts
from prosepy.server.models.base import (
    CancelToken,
    ChatMessage,
    GenerationRequest,
    GenerationResult,
    ModelError,
    TokenCallback,
)
from prosepy.server.models.grammars import PYTHON_BLOCK

logger = logging.getLogger(__name__)

ModelCall = Callable[
    [GenerationRequest, CancelToken | None, TokenCallback | None], GenerationResult
]


class Generator:
    """Turns requests into drafts; caches results by (request, context, model, settings)."""

    def __init__(
        self,
        model: ModelCall,
        settings: GenerateSettings,
        model_name: Callable[[], str] = lambda: "",
        grammar: str | None | bool = True,
        cache_size: int = 64,
        trials: TrialRunner | None = None,
    ) -> None:
        self.model = model
        #: Runs candidates in a throwaway sandbox (``generate.check``); None: never checked.
        self.trials = trials
        self.settings = settings
        self.model_name = model_name
        #: GBNF forcing one fenced python block (runtimes without grammars ignore it).
        self.grammar = PYTHON_BLOCK if grammar is True else (grammar or None)
        self._cache: LRUCache[str, Answer] = LRUCache(maxsize=cache_size)
        self._lock = threading.Lock()
        #: The larger model asked when this one's checked code fails (``escalation.py``).
        self.fallback: Generator | None = None

    # -- the whole way --------------------------------------------------------------------
    def run(
        self,
        text: str,
        request: NlRequest | int,
        path: str | None = None,
        *,
        cancel: CancelToken | None = None,
        on_token: TokenCallback | None = None,
        locate: Locate | None = None,
        on_phase: PhaseCallback | None = None,
        language: str = "en",
    ) -> Generated:
        """prepare -> generate -> place -> review, for the request (or 0-based line) in ``text``.

        ``text`` is what the model sees (for a regeneration: without the code it replaces).
        ``locate`` says where the code goes once the model has answered; by default below
        the request in ``text`` itself. Slow (the model): run it off the event loop.
        """
        if isinstance(request, int):
            found = request_at(line_texts(text), request)
            if found is None:
                message = f"no `# nl:` request on line {request + 1}"
                return Generated(Answer(None, message), message=message)
            request = found
        job = self.prepare_request(text, request, path)
        if on_phase is not None:
            on_phase("generating")
        answer = self.generate(job, cancel, on_token)
        self.check_generated(job, answer, path, cancel, on_token, on_phase, language)
        if self.fallback is not None and self.checking and needs_fallback(answer):
            answer = escalate(
                self,
                job,
                answer,
                path,
                cancel=cancel,
                on_token=on_token,
                on_phase=on_phase,
                language=language,
            )
        if answer.draft is None:
            return Generated(answer, job, message=answer.message)
        target = locate(job.request) if locate is not None else Target(text, job.request)
        if isinstance(target, str):
            return Generated(answer, job, message=target)
        placement = self.place(job, answer.draft, target.text, target.request, target.replace)
        if placement.error:
            message = f"the code would not parse here ({placement.error}); nothing inserted"
            return Generated(answer, job, target, placement, message=message)
        findings: list[Finding] = []
        if self.settings.review:
            in_function = job.context.function is not None
            findings = review(answer.draft.code, placement.imports_added, in_function)
        return Generated(answer, job, target, placement, findings)

    @property
    def checking(self) -> bool:
        return self.settings.check and self.trials is not None

    def check_generated(
        self,
        job: Job,
        answer: Answer,
        path: str | None,
        cancel: CancelToken | None = None,
        on_token: TokenCallback | None = None,
        on_phase: PhaseCallback | None = None,
        language: str = "en",
    ) -> None:
        """Check ``answer`` when checking is on and it has not been: its draft, or (no new
        code, or none that parses) candidates sampled in its place."""
        if not self.checking or answer.verdict is not None:
            return
        if answer.draft is None:
            if answer.finish_reason not in ("stop", "length") or not answer.replies:
                return
            if not answer.message.startswith((NO_CODE, "the generated code")):
                return
        self._check(job, answer, path, cancel, on_token, on_phase, language)

    def remember(self, job: Job, answer: Answer) -> None:
        """Answer ``job`` with ``answer`` from now on (the cache)."""
        with self._lock:
            self._cache[job.key] = answer

    def _check(
        self,
        job: Job,
        answer: Answer,
        path: str | None,
        cancel: CancelToken | None,
        on_token: TokenCallback | None,
        on_phase: PhaseCallback | None,
        language: str,
    ) -> None:
        """Run the answer's draft; repair or replace it as ``checking.py`` says; cache that."""
        assert self.trials is not None
        started = time.monotonic() - answer.seconds
        folder = os.path.dirname(path) if path and os.path.isabs(path) else None
        checked = check_answer(
            self,
            job,
            answer,
            self.trials,
            path=path,
            folder=folder,
            language=language,
            cancel=cancel,
            on_token=on_token,
            on_phase=on_phase,
            started=started,
        )
        if checked is None:
            return
        answer.message = ""
        answer.draft = checked.draft
        answer.verdict = checked.verdict
        answer.checked = checked
        answer.tokens += checked.tokens
        answer.repaired = answer.repaired or checked.repaired
        answer.seconds = time.monotonic() - started
        with self._lock:
            self._cache[job.key] = answer

    # -- preparation (cheap apart from jedi) -------------------------------------------
    def prepare_request(self, text: str, request: NlRequest, path: str | None = None) -> Job:
        lines = line_texts(text)
        context = gather(lines, request, path)
        prompt = build_prompt(request, context, self.settings.context_tokens)
        s = self.settings
        key_data = {
            "request": request.text,
            "indent": request.indent,
            "messages": [(m.role, m.content) for m in prompt.messages],
            "model": self.model_name(),
            "settings": [s.max_tokens, s.temperature, s.context_tokens, bool(self.grammar)],
            "check": [self.checking, s.candidates, s.sample_temperature, s.check_timeout_s],
        }
        key = hashlib.sha256(json.dumps(key_data, ensure_ascii=False).encode()).hexdigest()
        return Job(request, context, prompt, key, text)

    # -- generation (slow: run off the event loop) --------------------------------------
    def cached(self, job: Job) -> Answer | None:
        with self._lock:
            hit = self._cache.get(job.key)
        if hit is None:
            return None
        return Answer(
            hit.draft,
            hit.message,
            hit.finish_reason,
            hit.tokens,
            0.0,
            True,
            hit.model,
            verdict=hit.verdict,
            checked=hit.checked,
            fallback_note=hit.fallback_note,
        )

    def call(
        self,
        messages: list[ChatMessage],
        cancel: CancelToken | None,
        on_token: TokenCallback | None,
        budget: float,
        temperature: float | None = None,
        seed: int | None = None,
    ) -> GenerationResult:
        """One model call with the generation settings (``temperature`` overrides theirs;
        ``seed`` makes a sample repeatable)."""
        request = GenerationRequest(
            messages=messages,
            max_tokens=self.settings.max_tokens,
            temperature=self.settings.temperature if temperature is None else temperature,
            grammar=self.grammar,
            time_budget_s=max(0.1, budget),
            seed=seed,
        )
        return self.model(request, cancel, on_token)

    def generate(
        self,
        job: Job,
        cancel: CancelToken | None = None,
        on_token: TokenCallback | None = None,
    ) -> Answer:
        """Ask the model, clean the reply, check the file still parses; one repair round."""
        hit = self.cached(job)
        if hit is not None:
            return hit
        start = time.monotonic()
        budget = self.settings.time_budget_s
        answer = Answer(None)
        messages = list(job.prompt.messages)
        for attempt in range(2):
            try:
                result = self.call(messages, cancel, on_token, budget - (time.monotonic() - start))
            except ModelError as exc:
                answer.message = f"the model is not available: {exc}"
                break
            answer.tokens += result.tokens
            answer.model = result.model
            answer.finish_reason = result.finish_reason
            answer.replies.append(result.text)
            if result.finish_reason == "cancelled":
                answer.message = "generation cancelled" + (
                    f" ({cancel.reason})" if cancel is not None and cancel.reason else ""
                )
                break
            if result.finish_reason == "timeout":
                answer.message = (
                    f"generation stopped at the time budget ({budget:g} s, setting "
                    "generate.timeBudgetS); nothing inserted"
                )
                break
            if result.finish_reason == "error":
                answer.message = f"the model failed: {result.text or 'unknown error'}"
                break
            draft, error = self.check(job, result.text)
            if draft is not None:
                answer.draft = draft
                answer.repaired = attempt > 0
                answer.message = ""
                break
            nothing_new = error == NO_CODE
            answer.message = (
                f"{NO_CODE}; nothing inserted"
                if nothing_new
                else f"the generated code does not parse: {error}; nothing inserted"
            )
            if result.finish_reason == "length":
                answer.message = (
                    f"the generated code was cut off at {self.settings.max_tokens} tokens "
                    f"(setting generate.maxTokens) and does not parse: {error}; nothing inserted"
                )
                break
            if attempt == 0:
                logger.info("generated code does not parse (%s): one repair round", error)
                completion = completion_messages(job.request, job.context) if nothing_new else None
                if completion == job.prompt.messages:
                    completion = None  # asked that way already: the same ask gives the same stub
                messages = completion or repair_messages(
                    job.prompt, result.text, error or "syntax error", nothing_new, job.request.text
                )
        answer.seconds = time.monotonic() - start
        if answer.ok and not self.checking:
            with self._lock:
                self._cache[job.key] = answer
        return answer

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
