"""The contract every model backend meets: chat in, streamed tokens out, cancellable.

No LSP imports. Backends are synchronous and run on a worker thread; cancellation and the
time budget are checked between tokens, so a cancelled request stops computing at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

FinishReason = Literal["stop", "length", "cancelled", "timeout", "error"]


class ModelError(Exception):
    """A model problem a user can act on: the message says what happened, ``fix`` what to do."""

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.message} ({self.fix})" if self.fix else self.message


@dataclass
class ChatMessage:
    role: Literal["system", "user", "assistant"]
    content: str


@dataclass
class GenerationRequest:
    messages: list[ChatMessage]
    max_tokens: int = 512
    stop: list[str] = field(default_factory=list)
    temperature: float = 0.0
    #: A GBNF grammar the output must follow; backends without grammars ignore it.
    grammar: str | None = None
    #: Wall-clock budget in seconds; generation ends with finish_reason "timeout" past it.
    time_budget_s: float | None = None
    #: Seed of the sampler when ``temperature`` > 0 (None: the runtime picks one). The same
    #: seed and prompt give the same sample with the same model and runtime on one machine.
    seed: int | None = None


@dataclass
class GenerationResult:
    text: str
    tokens: int
    finish_reason: FinishReason
    #: Seconds from the call to the first token (None when no token came).
    first_token_s: float | None
    total_s: float
    model: str = ""


class CancelToken:
    """Set by whoever started the work; polled by the backend between tokens."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.reason = ""

    def cancel(self, reason: str = "cancelled") -> None:
        self.reason = reason
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


def chat_body(request: GenerationRequest) -> dict[str, Any]:
    """A streamed OpenAI-style chat-completions body: messages, max_tokens, temperature
    (and the seed when one is set: llama.cpp's server, Ollama and vLLM honour it)."""
    body: dict[str, Any] = {
        "messages": chat_dicts(request.messages),
        "max_tokens": request.max_tokens,
        "temperature": request.temperature,
        "stream": True,
    }
    if request.seed is not None:
        body["seed"] = request.seed
    return body


def chat_dicts(messages: list[ChatMessage]) -> list[dict[str, str]]:
    """The chat as the role/content dicts chat templates and chat APIs take."""
    return [{"role": m.role, "content": m.content} for m in messages]


def not_installed(package: str, exc: ImportError, fix: str) -> ModelError:
    """The error for a backend whose runtime package cannot be imported."""
    return ModelError(f"{package} is not installed ({exc})", fix)


def installed_version(distribution: str) -> str | None:
    """The installed version of a runtime's package (None when it is not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return None


#: Called with each new piece of text as it is generated.
TokenCallback = Callable[[str], None]


@runtime_checkable
class Backend(Protocol):
    """A loaded model. ``generate`` may be called from any one thread at a time."""

    name: str

    def generate(
        self,
        request: GenerationRequest,
        cancel: CancelToken | None = None,
        on_token: TokenCallback | None = None,
    ) -> GenerationResult: ...

    def close(self) -> None: ...


class StreamCollector:
    """Shared bookkeeping for streaming backends: text, token count, timing, stop checks."""

    def __init__(
        self,
        request: GenerationRequest,
        cancel: CancelToken | None,
        on_token: TokenCallback | None,
    ) -> None:
        self.request = request
        self.cancel = cancel
        self.on_token = on_token
        self.start = time.monotonic()
        self.first_token_s: float | None = None
        self.parts: list[str] = []
        self.tokens = 0

    def should_stop(self) -> FinishReason | None:
        """Checked before each token: cancellation first, then the time budget."""
        if self.cancel is not None and self.cancel.cancelled:
            return "cancelled"
        budget = self.request.time_budget_s
        if budget is not None and time.monotonic() - self.start > budget:
            return "timeout"
        return None

    def add(self, piece: str) -> None:
        if self.first_token_s is None:
            self.first_token_s = time.monotonic() - self.start
        self.tokens += 1
        self.parts.append(piece)
        if self.on_token is not None and piece:
            self.on_token(piece)

    def add_tail(self, tail: str) -> None:
        """Emit text held back at the end (a possible stop prefix that never completed):
        it joins the output and reaches ``on_token`` but is no new token."""
        if tail:
            self.parts.append(tail)
            if self.on_token is not None:
                self.on_token(tail)

    def drain(self, pieces: Iterable[str], stops: StopFilter) -> FinishReason:
        """Add ``pieces`` through ``stops`` until cancelled, out of time or tokens, stopped,
        or the pieces end. Each stop check comes before the next piece is asked for."""
        it = iter(pieces)
        while True:
            reason = self.should_stop()
            if reason is not None:
                return reason
            if self.tokens >= self.request.max_tokens:
                return "length"
            piece = next(it, None)
            if piece is None:
                return "stop"
            self.add(stops.feed(piece))
            if stops.stopped:
                return "stop"

    def flush_stops(self, stops: StopFilter, finish: FinishReason, extra: str = "") -> None:
        """After a stream that ended by itself: emit what ``stops`` held back, plus ``extra``."""
        if finish == "stop" and not stops.stopped:
            self.add_tail(stops.flush() + extra)

    def result(self, finish: FinishReason, model: str) -> GenerationResult:
        return GenerationResult(
            text="".join(self.parts),
            tokens=self.tokens,
            finish_reason=finish,
            first_token_s=self.first_token_s,
            total_s=time.monotonic() - self.start,
            model=model,
        )


class StopFilter:
    """Stop sequences for backends whose runtime does not handle them.

    Text that might be the start of a stop sequence is held back until it is clearly not,
    so a stop sequence never reaches the user, even when it arrives split across tokens.
    """

    def __init__(self, stops: list[str]) -> None:
        self.stops = [s for s in stops if s]
        self.pending = ""
        self.stopped = False

    def feed(self, piece: str) -> str:
        """Add generated text; return what is safe to emit now (sets ``stopped`` on a stop)."""
        self.pending += piece
        if not self.stops:
            out, self.pending = self.pending, ""
            return out
        hits = [i for i in (self.pending.find(s) for s in self.stops) if i >= 0]
        if hits:
            out = self.pending[: min(hits)]
            self.pending = ""
            self.stopped = True
            return out
        hold = 0
        for stop in self.stops:
            for k in range(min(len(stop) - 1, len(self.pending)), hold, -1):
                if self.pending.endswith(stop[:k]):
                    hold = k
                    break
        cut = len(self.pending) - hold
        out, self.pending = self.pending[:cut], self.pending[cut:]
        return out

    def flush(self) -> str:
        """The held-back text once generation ended without completing a stop sequence."""
        out, self.pending = self.pending, ""
        return out
