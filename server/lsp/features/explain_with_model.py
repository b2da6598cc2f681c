"""``workspace/executeCommand`` ``prosepy.explainWithModel``: a selection explained by the model.

Only on request, never on hover. Arguments: ``{"uri", "range"}`` (an LSP range; an empty
range means the line it is on). The explanation streams into work-done progress (the text
so far, with a cancel button), the same selection in the same language is answered from a
cache, and ``$/cancelRequest`` or the progress cancel stop the model between tokens. The
result is ``{"text", "cached", "finishReason", "language"}`` or ``{"error"}``.

The prompt includes the deterministic explanation of the selection, so a small model has
certain facts to start from.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from prosepy.explain import explain_at, parse
from prosepy.server.lsp.features.hover import language_of
from prosepy.server.lsp.features.model_status import get_models
from prosepy.server.models.base import CancelToken, ChatMessage, GenerationRequest, ModelError

if TYPE_CHECKING:
    from prosepy.server.lsp.server import ProsepyServer

logger = logging.getLogger(__name__)

COMMAND = "prosepy.explainWithModel"
MAX_SELECTION = 6000
MAX_TOKENS = 320  # the default of explain.modelMaxTokens
_SYSTEM = {
    "en": "You explain Python code to someone who did not write it. Answer in plain English, "
    "in at most six short sentences: what the code does, step by step, and anything surprising. "
    "Do not repeat the code. Do not invent behaviour that is not in the code.",
    "zh": "你向没有写过这段代码的人解释 Python 代码。"
    "用简体中文、不超过六个短句回答：代码做了什么（按步骤），以及需要注意的地方。"
    "不要重复代码，不要编造代码中没有的行为。",
}


class ExplainCache:
    """Finished model explanations by (model, language, code)."""

    def __init__(self, size: int = 64) -> None:
        self.items: OrderedDict[tuple[str, str, str], tuple[str, str]] = OrderedDict()
        self.size = size

    def get(self, key: tuple[str, str, str]) -> tuple[str, str] | None:
        """(text, finish reason) of an earlier answer."""
        found = self.items.get(key)
        if found is not None:
            self.items.move_to_end(key)
        return found

    def put(self, key: tuple[str, str, str], text: str, finish: str) -> None:
        self.items[key] = (text, finish)
        self.items.move_to_end(key)
        while len(self.items) > self.size:
            self.items.popitem(last=False)


def selection(ls: ProsepyServer, uri: str, raw_range: Any) -> str:
    """The selected text; an empty range means its whole line. Raises ValueError if unusable."""
    document = ls.workspace.get_text_document(uri)
    if not isinstance(raw_range, dict):
        raise ValueError("expected a range {start: {line, character}, end: {...}}")
    try:
        start, end = raw_range["start"], raw_range["end"]
        rng = types.Range(
            start=types.Position(line=int(start["line"]), character=int(start["character"])),
            end=types.Position(line=int(end["line"]), character=int(end["character"])),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"invalid range: {exc}") from exc
    lines = document.lines
    if not 0 <= rng.start.line < max(1, len(lines)):
        raise ValueError(f"line {rng.start.line + 1} is outside the document")
    if rng.start == rng.end:
        return lines[rng.start.line].rstrip("\r\n") if lines else ""
    return document.text_in_client_range(rng)


def certain_facts(code: str, language: str) -> str:
    """The deterministic explanation of each top-level statement of the selection."""
    import textwrap

    dedented = textwrap.dedent(code)
    parsed = parse(dedented)
    if parsed is None:
        return ""
    facts = []
    for stmt in parsed.tree.body[:12]:
        result = explain_at(parsed, stmt.lineno, stmt.col_offset, language)
        if result is not None:
            facts.append("- " + result.statement)
    return "\n".join(facts)


def build_request(code: str, language: str, max_tokens: int = MAX_TOKENS) -> GenerationRequest:
    facts = certain_facts(code, language)
    intro = "代码：" if language == "zh" else "Code:"
    user = f"{intro}\n```python\n{code}\n```"
    if facts:
        label = (
            "逐句的准确说明（可作参考）："
            if language == "zh"
            else "Exact notes, statement by statement:"
        )
        user += f"\n\n{label}\n{facts}"
    return GenerationRequest(
        messages=[ChatMessage("system", _SYSTEM[language]), ChatMessage("user", user)],
        max_tokens=max_tokens,
        temperature=0.0,
    )


class _Progress:
    """work-done progress showing the text as it streams; cancel sets the token."""

    def __init__(self, ls: ProsepyServer, cancel: CancelToken) -> None:
        self.ls = ls
        self.cancel = cancel
        self.token: str | None = None
        self.text = ""

    async def begin(self, title: str) -> None:
        caps = self.ls.client_capabilities
        if not (caps and caps.window and caps.window.work_done_progress):
            return
        token = f"prosepy-explain-{uuid.uuid4().hex[:8]}"
        try:
            await asyncio.wait_for(self.ls.work_done_progress.create_async(token), 5)
        except Exception as exc:
            logger.info("client refused work done progress: %s", exc)
            return
        self.token = token
        future = self.ls.work_done_progress.tokens.get(token)
        if future is not None:
            future.add_done_callback(lambda _f: self.cancel.cancel("cancelled by the user"))
        self.ls.work_done_progress.begin(
            token, types.WorkDoneProgressBegin(title=title, cancellable=True, message="…")
        )

    def report(self) -> None:
        if self.token is not None:
            tail = self.text[-200:].replace("\n", " ").strip() or "…"
            self.ls.work_done_progress.report(
                self.token, types.WorkDoneProgressReport(message=tail)
            )

    def end(self, message: str) -> None:
        if self.token is None:
            return
        token, self.token = self.token, None
        self.ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message=message))
        self.ls.work_done_progress.tokens.pop(token, None)


async def explain_with_model(ls: ProsepyServer, args: Any) -> dict[str, Any]:
    data = args[0] if isinstance(args, list | tuple) and args else args
    if not isinstance(data, dict) or not isinstance(data.get("uri"), str):
        return {"error": 'expected one argument {"uri": ..., "range": ...}'}
    try:
        code = selection(ls, data["uri"], data.get("range"))
    except Exception as exc:
        return {"error": f"cannot read the selection: {exc}"}
    if not code.strip():
        return {"error": "the selection is empty"}
    if len(code) > MAX_SELECTION:
        return {
            "error": f"the selection is too long ({len(code)} characters; at most {MAX_SELECTION})"
        }
    language = language_of(ls)
    manager = get_models(ls)
    cache: ExplainCache = ls.services.setdefault("explain.model_cache", ExplainCache())
    key = (f"{manager.settings!r}/{ls.settings.explain.model_max_tokens}", language, code)
    cached = cache.get(key)
    if cached is not None:
        text, finish = cached
        return {"text": text, "cached": True, "finishReason": finish, "language": language}
    cancel = CancelToken()
    progress = _Progress(ls, cancel)
    await progress.begin("prosepy: explaining the selection")
    loop = asyncio.get_running_loop()
    last = 0.0

    def on_token(piece: str) -> None:  # the model's thread
        nonlocal last
        progress.text += piece
        now = time.monotonic()
        if now - last > 0.2:
            last = now
            loop.call_soon_threadsafe(progress.report)

    request = build_request(code, language, ls.settings.explain.model_max_tokens)
    try:
        result = await loop.run_in_executor(None, manager.generate, request, cancel, on_token)
    except asyncio.CancelledError:
        cancel.cancel("request cancelled")
        progress.end("cancelled")
        raise
    except ModelError as exc:
        progress.end("failed")
        ls.show_message(
            f"prosepy: the model could not explain this: {exc}", types.MessageType.Warning
        )
        return {"error": str(exc)}
    text = result.text.strip()
    progress.end("cancelled" if result.finish_reason == "cancelled" else "done")
    if result.finish_reason in ("stop", "length") and text:
        cache.put(key, text, result.finish_reason)
    return {
        "text": text,
        "cached": False,
        "finishReason": result.finish_reason,
        "language": language,
    }


def register(server: ProsepyServer) -> None:
    # ``ls`` is annotated Any: pygls resolves handler hints at run time (see model_status).
    @server.command(COMMAND)
    async def command(ls: Any, *args: Any) -> dict[str, Any]:
        return await explain_with_model(ls, list(args))
