"""Execution-checked generation: run the candidate, repair it, sample more, pick one.

After the model's first (greedy) answer parses, it runs in a throwaway sandbox with the
file's code up to the request (``trials.py``), followed by the user's examples
(``examples.py``). When that fails (an exception, or an example that does not match):

1. one repair round, telling the model the traceback, its plain-language explanation and
   the values at the failing line (or which examples failed and what they gave);
2. then up to ``generate.candidates`` candidates in all, sampled at
   ``generate.sampleTemperature``, each checked the same way;
3. the pick: a candidate passing every example; else the one passing most; among equals, the
   one whose output most candidates agree on; else the earliest.

Code that cannot be checked here (it reads a file that is not there, waits for input,
needs the network, or is a function nothing calls) is not repaired: its verdict says so.
"""

from __future__ import annotations

import ast
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from prosepy.explain.errors import explain_error
from prosepy.server.generation.clean import Draft
from prosepy.server.generation.examples import gather_examples
from prosepy.server.generation.prompt import runtime_repair_messages
from prosepy.server.generation.trials import Trial, TrialRunner
from prosepy.server.generation.verdict import Verdict, feedback, judge, output_signature
from prosepy.server.lines import line_texts
from prosepy.server.models.base import CancelToken, ChatMessage, ModelError, TokenCallback

if TYPE_CHECKING:
    from prosepy.server.generation.pipeline import Answer, Generator, Job

logger = logging.getLogger(__name__)

#: Told what the checking is doing now: "running", "repairing", "candidate 3 of 4".
PhaseCallback = Callable[[str], None]
#: Do not start another model call with less time than this left in the budget.
MIN_CALL_S = 3.0


@dataclass
class Candidate:
    draft: Draft
    reply: str
    trial: Trial
    verdict: Verdict
    #: "first", "repair" or "sample"
    origin: str


@dataclass
class Checked:
    """The chosen candidate and how it was found."""

    draft: Draft
    verdict: Verdict
    trial: Trial
    candidates: list[Candidate] = field(default_factory=list)
    repaired: bool = False
    tokens: int = 0

    @property
    def tried(self) -> int:
        return len(self.candidates)

    def story(self) -> str:
        """The verdict, and when the first answer was not the one taken, why and which was."""
        if not self.candidates or self.candidates[0].draft is self.draft:
            if self.candidates and self.candidates[0].origin != "first":
                return f"{self.verdict.summary}: the first answer had no usable code"
            return self.verdict.summary
        index = next(i for i, c in enumerate(self.candidates) if c.draft is self.draft)
        chosen = self.candidates[index]
        way = "the repair" if chosen.origin == "repair" else f"candidate {index + 1}"
        if self.candidates[0].origin != "first":
            return f"{self.verdict.summary}: the first answer had no usable code; took {way}"
        first = self.candidates[0].verdict.summary
        return f"{self.verdict.summary}: took {way} of {self.tried}; the first {first}"


def _top_level_end(lines: list[str], start: int) -> int:
    """The last line (0-based, inclusive) of the top-level statement holding line ``start``."""
    text = "\n".join(lines) + "\n"
    try:
        tree = ast.parse(text)
    except SyntaxError:
        tree = None
    if tree is not None:
        for node in tree.body:
            first = (
                node.decorator_list[0].lineno
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                and node.decorator_list
                else node.lineno
            ) - 1
            last = (node.end_lineno or node.lineno) - 1
            if first <= start <= last:
                return last
        return start
    end = start
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[0] in " \t" or line.startswith(("else", "elif", "except", "finally", ")", "]")):
            end = i
            continue
        break
    return end


def build_trial(
    generator: Generator, job: Job, draft: Draft, path: str | None, folder: str | None
) -> Trial | None:
    """The program for ``draft``: the file up to the end of the statement holding it."""
    placement = generator.place(job, draft, job.text, job.request)
    if placement.error:
        return None
    lines = line_texts(placement.new_text)
    code_start, code_end = placement.code_start, placement.code_end
    if job.request.indent:
        end = _top_level_end(lines, code_start)
    else:
        end = code_end - 1
    program = "\n".join(lines[: end + 1]) + "\n"
    top_end = (
        _top_level_end(line_texts(job.text), job.request.start_line) if job.request.indent else None
    )
    examples = gather_examples(line_texts(job.text), job.request, job.context, top_end)
    return Trial(
        program=program,
        code_start=code_start,
        code_end=code_end,
        filename=path or "<generated>",
        folder=folder,
        examples=examples,
        in_function=job.context.function is not None,
        show=not job.request.indent,
    )


def _explain(verdict: Verdict, trial: Trial, language: str) -> str:
    report = verdict.report
    error = report.error if report is not None else None
    if error is None:
        return ""
    lines = trial.program.splitlines()
    source = lines[error.line] if error.line is not None and 0 <= error.line < len(lines) else ""
    try:
        return explain_error(error.type, error.message, source.strip(), language)
    except Exception:  # an explanation must never cost the repair
        logger.debug("explain_error failed", exc_info=True)
        return ""


def pick(candidates: list[Candidate]) -> Candidate:
    """Best verdict; among equals the output most candidates share; then the earliest."""
    votes = Counter(output_signature(c.verdict.report) for c in candidates if c.verdict.good)

    def score(item: tuple[int, Candidate]) -> tuple[int, int, int, int]:
        index, c = item
        agree = votes.get(output_signature(c.verdict.report), 0) if c.verdict.good else 0
        kind, passed = c.verdict.rank()
        return kind, passed, agree, -index

    return max(enumerate(candidates), key=score)[1]


def check_answer(
    generator: Generator,
    job: Job,
    answer: Answer,
    trials: TrialRunner,
    *,
    path: str | None = None,
    folder: str | None = None,
    language: str = "en",
    cancel: CancelToken | None = None,
    on_token: TokenCallback | None = None,
    on_phase: PhaseCallback | None = None,
    started: float | None = None,
) -> Checked | None:
    """Check ``answer``'s draft; repair and sample as the module docstring says."""
    settings = generator.settings
    start = started if started is not None else time.monotonic()
    phase = on_phase or (lambda _text: None)
    candidates: list[Candidate] = []
    total = max(1, settings.candidates)

    def attempt(draft: Draft, reply: str, origin: str) -> Candidate | None:
        trial = build_trial(generator, job, draft, path, folder)
        if trial is None:
            return None
        phase(f"running candidate {len(candidates) + 1}" if candidates else "running")
        report = trials(trial)
        verdict = judge(report, trial, job.request.text, job.text)
        candidate = Candidate(draft, reply, trial, verdict, origin)
        candidates.append(candidate)
        return candidate

    def done() -> Checked | None:
        if not candidates:
            return None
        chosen = pick(candidates)
        return Checked(
            chosen.draft,
            chosen.verdict,
            chosen.trial,
            candidates,
            repaired=chosen.origin != "first",
            tokens=tokens,
        )

    tokens = 0
    first: Candidate | None = None
    if answer.draft is not None:
        first = attempt(answer.draft, answer.replies[-1] if answer.replies else "", "first")
        if first is None:
            return None
        if not first.verdict.repairable or total < 2:
            return done()
    # (no first draft: the model wrote no new code or none that parses: sample instead)

    def remaining() -> float:
        return settings.time_budget_s - (time.monotonic() - start)

    def ask(
        messages: list[ChatMessage], temperature: float, seed: int | None = None
    ) -> tuple[Draft | None, str]:
        nonlocal tokens
        try:
            result = generator.call(messages, cancel, on_token, remaining(), temperature, seed)
        except ModelError as exc:
            logger.info("model failed during checking: %s", exc)
            return None, ""
        tokens += result.tokens
        if result.finish_reason not in ("stop", "length"):
            return None, ""
        draft, _error = generator.check(job, result.text)
        return draft, result.text

    # 1. a repair round with what went wrong
    if first is not None and remaining() > MIN_CALL_S and not (cancel and cancel.cancelled):
        phase(f"repairing (candidate 2 of {total})")
        message = feedback(first.verdict, _explain(first.verdict, first.trial, language))
        draft, reply = ask(
            runtime_repair_messages(job.prompt, first.reply, message), settings.temperature
        )
        if draft is not None:
            repaired = attempt(draft, reply, "repair")
            if repaired is not None and repaired.verdict.kind == "passed":
                return done()
            if repaired is not None and repaired.verdict.good and not first.trial.examples:
                return done()
    examples = bool(first.trial.examples) if first is not None else None
    # 2. samples from the original prompt
    seen = {c.draft.code for c in candidates}
    for sample in range(2 * total):
        if len(candidates) >= total or remaining() <= MIN_CALL_S:
            break
        if cancel is not None and cancel.cancelled:
            break
        phase(f"candidate {len(candidates) + 1} of {total}")
        # seeded: the same request gives the same candidates, run after run
        draft, reply = ask(list(job.prompt.messages), settings.sample_temperature, sample + 1)
        if draft is None:
            continue
        if not candidates:
            answer.replies.append(reply)
        if draft.code in seen:
            # the same code again: count it as a vote without running it twice
            twin = next(c for c in candidates if c.draft.code == draft.code)
            candidates.append(Candidate(draft, reply, twin.trial, twin.verdict, "sample"))
        else:
            seen.add(draft.code)
            made = attempt(draft, reply, "sample")
            if made is None:
                continue
            if examples is None:
                examples = bool(made.trial.examples)
        best = pick(candidates)
        if best.verdict.kind == "passed":
            break
        good = [c for c in candidates if c.verdict.good]
        if good and not examples:
            outputs = Counter(output_signature(c.verdict.report) for c in good)
            if outputs.most_common(1)[0][1] >= 2:
                break  # two candidates that run agree: take their answer
    return done()
