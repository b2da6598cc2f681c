"""What a generation is made of and gives back: the job, the model's answer, where the code goes,
and the result of :meth:`Generator.run` (``pipeline.py``). Plain data, no model and no LSP."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from prosepy.server.generation.clean import Draft
from prosepy.server.generation.context import FileContext
from prosepy.server.generation.place import Placement
from prosepy.server.generation.prompt import Prompt
from prosepy.server.generation.requests import NlRequest
from prosepy.server.generation.review import Finding
from prosepy.server.generation.verdict import Verdict

if TYPE_CHECKING:
    from prosepy.server.generation.checking import Checked


@dataclass
class Job:
    """A request with everything gathered from the file at the time it was made."""

    request: NlRequest
    context: FileContext
    prompt: Prompt
    key: str
    text: str


@dataclass
class Answer:
    """The model's answer to one job: a draft to place, or a message saying why there is none."""

    draft: Draft | None
    message: str = ""
    finish_reason: str = "stop"
    tokens: int = 0
    seconds: float = 0.0
    cached: bool = False
    model: str = ""
    repaired: bool = False
    replies: list[str] = field(default_factory=list)
    #: What running the code showed (None: checking is off or was not possible to start).
    verdict: Verdict | None = None
    #: The candidates tried while checking, and the trial of the chosen one.
    checked: Checked | None = None
    #: What the fallback model did, when it was asked ("" when it was not).
    fallback_note: str = ""

    @property
    def ok(self) -> bool:
        return self.draft is not None

    def check_story(self) -> str:
        """What checking found, and what the fallback model did; "" when nothing was checked."""
        parts = [self.checked.story()] if self.checked is not None else []
        return "; ".join([*parts, self.fallback_note] if self.fallback_note else parts)


@dataclass
class Target:
    """Where the code goes once the model has answered: ``request`` in ``text``."""

    text: str
    request: NlRequest
    #: Lines [start, end) of earlier generated code to replace (a regeneration).
    replace: tuple[int, int] | None = None
    #: The caller's version of ``text`` (an LSP document version), handed back untouched.
    version: int | None = None


#: Called once the model has answered: where the code goes now (the document may have
#: changed meanwhile), or a message saying why it goes nowhere.
Locate = Callable[[NlRequest], "Target | str"]


@dataclass
class Generated:
    """What one :meth:`Generator.run` produced: the code placed and reviewed, or why not."""

    answer: Answer
    job: Job | None = None
    target: Target | None = None
    placement: Placement | None = None
    findings: list[Finding] = field(default_factory=list)
    #: Why nothing is to be inserted ("" when ``placement`` is ready to apply).
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.placement is not None and not self.message
