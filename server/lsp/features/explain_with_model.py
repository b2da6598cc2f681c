"""``workspace/executeCommand`` ``prosepy.explainWithModel``: a selection explained by the model.

Only on request, never on hover. Arguments: ``{"uri", "range"}`` (an LSP range; an empty
range means the line it is on). The explanation streams into work-done progress (the text
so far, with a cancel button), the same selection in the same language is answered from a
cache, and ``$/cancelRequest`` or the progress cancel stop the model between tokens. The
result is ``{"text", "cached", "finishReason", "language"}`` or ``{"error"}``.

The prompt (``prosepy.explain.model_prompt``) includes the deterministic explanation of the
selection, so a small model has certain facts to start from.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from cachetools import LRUCache
from lsprotocol import types

from prosepy.explain.model_prompt import explanation_messages
from prosepy.server.lsp.features.hover import language_of
from prosepy.server.lsp.progress import work_done
from prosepy.server.models.base import CancelToken, ChatMessage, GenerationRequest, ModelError

if TYPE_CHECKING:
    from prosepy.server.lsp.server import ProsepyServer

logger = logging.getLogger(__name__)

COMMAND = "prosepy.explainWithModel"
MAX_SELECTION = 6000
MAX_TOKENS = 320  # the default of explain.modelMaxTokens
#: Finished explanations, (model settings, language, code) -> (text, finish reason).
ExplainCache = LRUCache[tuple[str, str, str], tuple[str, str]]


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


def build_request(code: str, language: str, max_tokens: int = MAX_TOKENS) -> GenerationRequest:
    messages = [
        ChatMessage(role, content) for role, content in explanation_messages(code, language)
    ]
    return GenerationRequest(messages=messages, max_tokens=max_tokens, temperature=0.0)


async def explain_with_model(ls: ProsepyServer, args: Any, cache: ExplainCache) -> dict[str, Any]:
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
    manager = ls.services.models
    key = (f"{manager.settings!r}/{ls.settings.explain.model_max_tokens}", language, code)
    cached = cache.get(key)
    if cached is not None:
        text, finish = cached
        return {"text": text, "cached": True, "finishReason": finish, "language": language}
    cancel = CancelToken()
    streamed: list[str] = []

    def so_far() -> str:
        return "".join(streamed)[-200:].replace("\n", " ").strip() or "…"

    request = build_request(code, language, ls.settings.explain.model_max_tokens)
    title = "prosepy: explaining the selection"
    async with work_done(
        ls, title, message="…", cancel=cancel, prefix="prosepy-explain"
    ) as progress:
        progress.keep_reporting(so_far, interval_s=0.2)
        try:
            result = await asyncio.to_thread(manager.generate, request, cancel, streamed.append)
        except ModelError as exc:
            progress.end_message = "failed"
            ls.show_message(
                f"prosepy: the model could not explain this: {exc}", types.MessageType.Warning
            )
            return {"error": str(exc)}
        progress.end_message = "cancelled" if result.finish_reason == "cancelled" else "done"
    text = result.text.strip()
    if result.finish_reason in ("stop", "length") and text:
        cache[key] = (text, result.finish_reason)
    return {
        "text": text,
        "cached": False,
        "finishReason": result.finish_reason,
        "language": language,
    }


def register(server: ProsepyServer) -> None:
    cache: ExplainCache = LRUCache(maxsize=64)

    # ``ls`` is annotated Any: pygls resolves handler hints at run time (see model_status).
    @server.command(COMMAND)
    async def command(ls: Any, *args: Any) -> dict[str, Any]:
        return await explain_with_model(ls, list(args), cache)
