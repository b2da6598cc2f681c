"""Build the chat for one request within a token budget.

Small local models do best with short, concrete prompts: one system message that demands a
single fenced python block, then the request with just enough of the file to reuse what
exists. Parts are added by priority until the budget is spent: the request, the enclosing
function (signature, docstring), imports, names in scope, then nearby code.
"""

from __future__ import annotations

from dataclasses import dataclass

from prosepy.server.generation.context import FileContext
from prosepy.server.generation.requests import NlRequest
from prosepy.server.models.base import ChatMessage

SYSTEM = (
    "You are a Python coding assistant inside a code editor. The user writes a request as a "
    "comment; you write the Python code that does it, to be inserted right below the comment.\n"
    "Rules:\n"
    "- Reply with exactly one fenced ```python code block and nothing else.\n"
    "- Write working code, not an answer: never reply with only the result.\n"
    "- Reuse the imports, functions, variables and parameters that already exist; do not "
    "redefine them and do not repeat the surrounding code.\n"
    "- Put any import you need at the top of your block.\n"
    "- At module level, print the result so it can be seen when run.\n"
    "- Inside a function, write the complete function (same name and signature) with the "
    "request implemented, using its parameters and returning the result.\n"
    "- Keep it short, safe and efficient: prefer builtins and the standard library, avoid "
    "shadowing builtins such as sum, list or max."
)

REPAIR = (
    "That code does not parse: {error}. Reply with the corrected code, again as exactly one "
    "fenced ```python block."
)


#: Lines of code below the request shown to the model. 0: with them, the 0.5B model
#: answered "print the squares of 1 to 5" by copying the code above and below and writing
#: nothing new; without them it wrote the loop (measured, greedy).
AFTER_LINES = 0


def estimate_tokens(text: str) -> int:
    """A cheap upper-bound guess: ~3.5 ASCII characters per token, one per other character."""
    ascii_chars = sum(1 for c in text if c < "\x80")
    return int(ascii_chars / 3.5) + (len(text) - ascii_chars) + 1


@dataclass
class Prompt:
    messages: list[ChatMessage]
    #: The context text that went into the prompt (part of the cache key).
    context_text: str
    tokens: int


def _block(title: str, body: str) -> str:
    return f"{title}\n```python\n{body}\n```"


def build_prompt(request: NlRequest, ctx: FileContext, budget: int) -> Prompt:
    """The messages for ``request``; context parts that do not fit ``budget`` are left out."""
    function = ctx.function
    if function is not None and function.documented:
        # A documented function is asked for as a completion, the form the model knows
        # best: on HumanEval 0-63 the pipeline passed 52 with it against 39 with the editor
        # prompt (the bare model: 48). Undocumented functions keep the editor prompt, which
        # did better on our in-function requests (12 of 12 against 11).
        completion = completion_messages(request, ctx)
        if completion is not None:
            text = completion[0].content
            return Prompt(completion, text, estimate_tokens(text))
    if function is not None:
        # Small models write whole functions far better than bare bodies (asked for a
        # body, the 0.5B model often copied the signature and docstring and stopped); the
        # cleaner keeps only the body.
        where = (
            f"The request is inside the function `{function.name}`"
            + (f" (parameters: {', '.join(function.params)})" if function.params else "")
            + f". Write the complete function `{function.name}` with the request implemented."
        )
    elif ctx.scopes:
        where = f"The code goes inside the class `{ctx.scopes[-1].name}`."
    else:
        where = "The code goes at module level."
    ask = f"Request: {request.text}\n{where}"
    spent = estimate_tokens(SYSTEM) + estimate_tokens(ask)
    parts: list[str] = []

    def add(text: str) -> bool:
        nonlocal spent
        cost = estimate_tokens(text)
        if spent + cost > budget:
            return False
        parts.append(text)
        spent += cost
        return True

    shown_above = {line.rstrip() for line in ctx.before}
    if ctx.scopes and not all(s.header.splitlines()[0].rstrip() in shown_above for s in ctx.scopes):
        # (skipped when the nearby code shows the def lines anyway: no need to pay twice)
        add(_block("Enclosing definition:", "\n".join(s.header for s in ctx.scopes)))
    if ctx.imports:
        add(_block("The file already imports:", "\n".join(ctx.imports)))
    if ctx.names:
        add("Names already defined here: " + ", ".join(n.split(":")[0] for n in ctx.names))
    # Nearby code: the lines above the request (trimmed from the top to fit), then a few
    # lines below it. No "insert here" marker: small models copy markers into their answer.
    # The request comment itself is not shown: the 0.5B model copied it and stopped.
    before = list(ctx.before)
    while before and any(line.strip() for line in before):
        shown = "\n".join(before).strip("\n")
        if add(_block("The code so far (the request comes right after it):", shown)):
            break
        before.pop(0)
    after = [line for line in ctx.after[:AFTER_LINES]]
    while after and not after[-1].strip():
        after.pop()
    while after and any(line.strip() for line in after):
        if add(_block("The code below it (already there: do not repeat it):", "\n".join(after))):
            break
        after.pop()
    context_text = "\n\n".join(parts)
    user = (context_text + "\n\n" + ask) if context_text else ask
    messages = [ChatMessage("system", SYSTEM), ChatMessage("user", user)]
    return Prompt(messages, context_text, spent)


NOTHING_NEW = (
    "That only repeats code that is already there. Write the missing code that does the "
    "request ({request}), as exactly one fenced ```python block."
)


COMPLETE = "Complete the following Python function:\n```python\n{code}\n```"


def completion_messages(request: NlRequest, ctx: FileContext) -> list[ChatMessage] | None:
    """The bare completion prompt for a request inside a function: the first way to ask in a
    documented function, and the second way when the model only repeated the stub.

    The bare completion prompt ("Complete the following Python function", no system
    message): on HumanEval the 0.5B model repeated the signature and docstring with no
    body for 8 of 64 problems under the editor prompt, even after being told so, and wrote
    a passing body for all 7 retried with this prompt (measured, greedy). None outside a
    function.
    """
    function = ctx.function
    if function is None:
        return None
    # The code from the outermost enclosing definition (a method: its class, with what the
    # other methods set on self), as far as the nearby code reaches; else the headers.
    before = [line.rstrip() for line in ctx.before]
    code_lines: list[str] = []
    for scope in ctx.scopes:
        first = scope.header.splitlines()[0].rstrip() if scope.header else ""
        starts = [i for i, line in enumerate(before) if line == first]
        if starts:
            code_lines = before[starts[-1] :]
            break
    if not code_lines:
        code_lines = [s.header for s in ctx.scopes]
    code = "\n".join([*ctx.imports, "", *code_lines, f"{request.indent}# {request.text}"])
    return [ChatMessage("user", COMPLETE.format(code=code.strip("\n")))]


def repair_messages(
    prompt: Prompt, reply: str, error: str, nothing_new: bool = False, request: str = ""
) -> list[ChatMessage]:
    """The conversation for the one repair round: the reply and what is wrong with it."""
    follow_up = NOTHING_NEW.format(request=request) if nothing_new else REPAIR.format(error=error)
    return [*prompt.messages, ChatMessage("assistant", reply), ChatMessage("user", follow_up)]


RUNTIME_REPAIR = (
    "{feedback}\n\nFix the code so that it does the request and runs without error. Reply "
    "with the corrected code, again as exactly one fenced ```python block."
)


def runtime_repair_messages(prompt: Prompt, reply: str, feedback: str) -> list[ChatMessage]:
    """The repair round after a checked run failed: the traceback (with its explanation and
    the values at the failing line) or the examples that did not match."""
    follow_up = RUNTIME_REPAIR.format(feedback=feedback)
    return [*prompt.messages, ChatMessage("assistant", reply), ChatMessage("user", follow_up)]
