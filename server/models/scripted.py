"""``ScriptedBackend``: a test double that replays canned replies, for protocol tests.

Selected by the manager instead of a real model when ``PROSEPY_SCRIPTED_MODEL`` names a
JSON file such as::

    {"replies": ["```python\\nprint(1)\\n```"], "token_delay_s": 0.02,
     "load_delay_s": 0.5, "load_error": ""}

Each ``generate`` streams the next reply (cycling) in small chunks through the same
``StreamCollector`` bookkeeping a real backend uses, honouring cancellation, stop sequences,
``max_tokens`` and the time budget. Every request is appended as one JSON line to
``<file>.log`` so tests can inspect the prompts that were sent. A script with
``"fallback_replies"`` also plays the larger model that generation falls back on
(``model.fallback``), from those replies, logged to ``<file>.fallback.log``; without them
there is no fallback model while the double is in use.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from prosepy.server.models.base import (
    CancelToken,
    GenerationRequest,
    GenerationResult,
    ModelError,
    StopFilter,
    StreamCollector,
    TokenCallback,
)

ENV_VAR = "PROSEPY_SCRIPTED_MODEL"
#: ``model.path`` of the fallback model's settings while the double is in use.
FALLBACK_PATH = "scripted:fallback"
#: Chunks the size of real tokens: a word with its leading space, or a run of punctuation.
_CHUNK = re.compile(r"\s*\w{1,6}|\s*[^\w\s]{1,3}|\s+")


def scripted_path() -> Path | None:
    value = os.environ.get(ENV_VAR, "")
    return Path(value) if value else None


def scripts_fallback(script: Path) -> bool:
    """Whether the script also plays the fallback model."""
    try:
        data = json.loads(script.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and "fallback_replies" in data


class ScriptedBackend:
    """Replays ``replies`` from a JSON script; see the module docstring for the format."""

    def __init__(self, script: str | Path, fallback: bool = False) -> None:
        self.script = Path(script)
        try:
            data = json.loads(self.script.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelError(
                f"cannot read the scripted model {self.script}: {exc}",
                f"fix or unset {ENV_VAR}",
            ) from exc
        key = "fallback_replies" if fallback else "replies"
        replies = data.get(key) if isinstance(data, dict) else None
        if not isinstance(replies, list) or not all(isinstance(r, str) for r in replies):
            raise ModelError(
                f"{self.script}: {key!r} must be a list of strings", f"fix or unset {ENV_VAR}"
            )
        self.replies: list[str] = replies or [""]
        self.token_delay_s = float(data.get("token_delay_s", 0.0))
        self.name = f"scripted:{self.script.name}" + (":fallback" if fallback else "")
        self.log_path = Path(str(self.script) + (".fallback.log" if fallback else ".log"))
        self._lock = threading.Lock()
        time.sleep(float(data.get("load_delay_s", 0.0)))  # lets tests watch "loading"
        if data.get("load_error"):
            raise ModelError(str(data["load_error"]), "this is the scripted test model")

    def _next_reply(self, request: GenerationRequest) -> str:
        """Pick the reply after the ones already logged and log this request."""
        with self._lock:
            try:
                with self.log_path.open(encoding="utf-8") as fh:
                    index = sum(1 for _ in fh)
            except FileNotFoundError:
                index = 0
            record: dict[str, Any] = dataclasses.asdict(request)
            record["reply_index"] = index % len(self.replies)
            with self.log_path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            return self.replies[index % len(self.replies)]

    def generate(
        self,
        request: GenerationRequest,
        cancel: CancelToken | None = None,
        on_token: TokenCallback | None = None,
    ) -> GenerationResult:
        reply = self._next_reply(request)
        collector = StreamCollector(request, cancel, on_token)
        stops = StopFilter(request.stop)

        def pieces() -> Iterator[str]:
            for chunk in _CHUNK.findall(reply):
                if self.token_delay_s:
                    time.sleep(self.token_delay_s)
                yield chunk

        finish = collector.drain(pieces(), stops)
        collector.flush_stops(stops, finish)
        return collector.result(finish, self.name)

    def close(self) -> None:
        pass
