"""The OpenAI-compatible backend: Ollama, vLLM, llama.cpp's server, TGI, or a team GPU box.

Streams ``POST {base_url}/chat/completions`` as server-sent events. The API key is read from
the environment variable named by ``model.apiKeyEnv`` when a request is made: it is never in
a settings file, never logged, and never part of an error message. Every failure (no
server, refused key, unknown model, a reply that is not the protocol, a stalled stream)
becomes a ``ModelError`` that says what happened and what to change.
"""

from __future__ import annotations

import json
import logging
import os
import re
from typing import Any

import httpx

from prosepy.server.config import ModelSettings
from prosepy.server.models.base import (
    CancelToken,
    FinishReason,
    GenerationRequest,
    GenerationResult,
    ModelError,
    StopFilter,
    StreamCollector,
    TokenCallback,
    chat_body,
)

logger = logging.getLogger(__name__)
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def api_key(settings: ModelSettings) -> str | None:
    """The key from the named environment variable (None when no variable is named)."""
    name = settings.api_key_env
    if not name:
        return None
    if not _ENV_NAME.match(name):
        # Someone pasted the key itself into the setting: refuse without echoing it.
        raise ModelError(
            "model.apiKeyEnv must be the NAME of an environment variable, not the key itself",
            "e.g. set model.apiKeyEnv to OPENAI_API_KEY and export the key in that variable",
        )
    value = os.environ.get(name)
    if not value:
        raise ModelError(
            f"the environment variable {name} (named by model.apiKeyEnv) is not set",
            f"export {name}=<your key> in the environment that starts the editor",
        )
    return value


class OpenAIBackend:
    """A remote model behind an OpenAI-compatible HTTP endpoint."""

    def __init__(self, settings: ModelSettings) -> None:
        if not settings.base_url:
            raise ModelError(
                "model.baseUrl is empty: the openai backend needs an endpoint",
                "set model.baseUrl, e.g. http://127.0.0.1:11434/v1 for Ollama",
            )
        self.base_url = settings.base_url.rstrip("/")
        self.model = settings.name
        self.name = f"{settings.name or '(default)'} @ {self.base_url}"
        self.timeout_s = settings.request_timeout_s
        key = api_key(settings)
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.client = httpx.Client(headers=headers, timeout=self.timeout_s, trust_env=False)
        self._check_reachable()

    def _check_reachable(self) -> None:
        """Fail at load time, not at the first request, when nothing answers."""
        try:
            response = self.client.get(f"{self.base_url}/models", timeout=min(10, self.timeout_s))
        except httpx.HTTPError as exc:
            self.client.close()
            raise _transport_error(self.base_url, exc) from exc
        if response.status_code in (401, 403):
            self.client.close()
            raise ModelError(
                f"{self.base_url} refused the API key (HTTP {response.status_code})",
                "check the key in the environment variable named by model.apiKeyEnv",
            )
        # Other statuses are fine here: some servers have no /models route.

    def generate(
        self,
        request: GenerationRequest,
        cancel: CancelToken | None = None,
        on_token: TokenCallback | None = None,
    ) -> GenerationResult:
        collector = StreamCollector(request, cancel, on_token)
        stops = StopFilter(request.stop)  # servers differ in how they honour "stop"
        body = chat_body(request)
        if self.model:
            body["model"] = self.model
        if request.stop:
            body["stop"] = request.stop[:4]  # OpenAI accepts at most four
        read_timeout = self.timeout_s
        if request.time_budget_s is not None:
            read_timeout = min(read_timeout, max(0.5, request.time_budget_s))
        timeout = httpx.Timeout(self.timeout_s, read=read_timeout)
        finish: FinishReason = "stop"
        url = f"{self.base_url}/chat/completions"
        try:
            with self.client.stream("POST", url, json=body, timeout=timeout) as response:
                _check_status(response, self.base_url, self.model)
                kind = response.headers.get("content-type", "")
                if "text/event-stream" not in kind:
                    finish = self._whole_reply(response, collector, stops)
                else:
                    finish = self._stream(response, collector, stops)
        except httpx.ReadTimeout as exc:
            if request.time_budget_s is not None and read_timeout < self.timeout_s:
                return collector.result("timeout", self.name)
            raise ModelError(
                f"{self.base_url} stopped answering for {read_timeout:.0f} s",
                "the server is overloaded or stuck; raise model.requestTimeoutS or retry",
            ) from exc
        except httpx.HTTPError as exc:
            raise _transport_error(self.base_url, exc) from exc
        collector.flush_stops(stops, finish)
        return collector.result(finish, self.name)

    def _stream(
        self, response: httpx.Response, collector: StreamCollector, stops: StopFilter
    ) -> FinishReason:
        finish: FinishReason = "stop"
        saw_data = False
        for line in response.iter_lines():
            reason = collector.should_stop()
            if reason is not None:
                return reason  # leaving the block closes the connection: the server stops
            if not line or line.startswith(":"):
                continue  # keep-alive or comment
            if not line.startswith("data:"):
                if line.startswith(("event:", "id:", "retry:")):
                    continue
                raise _garbage(self.base_url, line)
            data = line[5:].strip()
            if data == "[DONE]":
                break
            chunk = _json(data, self.base_url)
            saw_data = True
            if "error" in chunk:
                raise ModelError(f"{self.base_url} reported an error: {_error_text(chunk)}")
            choice = _first_choice(chunk, self.base_url)
            if choice is None:
                continue  # e.g. a final usage-only chunk
            piece = (choice.get("delta") or {}).get("content")
            if isinstance(piece, str) and piece:
                collector.add(stops.feed(piece))
                if stops.stopped:
                    return "stop"
            if choice.get("finish_reason") == "length":
                finish = "length"
            if collector.tokens >= collector.request.max_tokens:
                return "length"
        if not saw_data:
            raise _garbage(self.base_url, "an empty stream")
        return finish

    def _whole_reply(
        self, response: httpx.Response, collector: StreamCollector, stops: StopFilter
    ) -> FinishReason:
        """A server that ignored ``stream: true`` and sent one JSON completion."""
        payload = _json(response.read().decode("utf-8", errors="replace"), self.base_url)
        choice = _first_choice(payload, self.base_url)
        message = (choice or {}).get("message") or {}
        text = message.get("content")
        if not isinstance(text, str):
            raise _garbage(self.base_url, json.dumps(payload)[:200])
        collector.add(stops.feed(text))
        usage = payload.get("usage") or {}
        if isinstance(usage.get("completion_tokens"), int):
            collector.tokens = usage["completion_tokens"]
        return "length" if (choice or {}).get("finish_reason") == "length" else "stop"

    def close(self) -> None:
        self.client.close()


def _check_status(response: httpx.Response, base_url: str, model: str) -> None:
    if response.status_code < 400:
        return
    response.read()
    detail = _error_text(_safe_json(response.text)) or response.text[:200]
    if response.status_code in (401, 403):
        raise ModelError(
            f"{base_url} refused the API key (HTTP {response.status_code})",
            "check the key in the environment variable named by model.apiKeyEnv",
        )
    if response.status_code == 404:
        raise ModelError(
            f"{base_url}: not found (HTTP 404): {detail}",
            f"check model.baseUrl (usually ends in /v1) and model.name ({model or 'empty'})",
        )
    raise ModelError(f"{base_url} answered HTTP {response.status_code}: {detail}")


def _transport_error(base_url: str, exc: Exception) -> ModelError:
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return ModelError(
            f"cannot reach {base_url}: {exc}",
            "start the server, or fix model.baseUrl (host, port, http/https)",
        )
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return ModelError(f"model.baseUrl {base_url!r} is not a valid http(s) URL: {exc}")
    return ModelError(f"talking to {base_url} failed: {exc!r}", "check the server's logs")


def _garbage(base_url: str, sample: str) -> ModelError:
    return ModelError(
        f"{base_url} did not answer in the OpenAI chat-completions protocol (got {sample[:120]!r})",
        "check that model.baseUrl points at an OpenAI-compatible API (usually .../v1)",
    )


def _safe_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _json(text: str, base_url: str) -> dict[str, Any]:
    value = _safe_json(text)
    if not isinstance(value, dict):
        raise _garbage(base_url, text)
    return value


def _first_choice(chunk: dict[str, Any], base_url: str) -> dict[str, Any] | None:
    choices = chunk.get("choices")
    if choices == [] or (choices is None and "usage" in chunk):
        return None
    if not isinstance(choices, list) or not isinstance(choices[0], dict):
        raise _garbage(base_url, json.dumps(chunk)[:200])
    return choices[0]


def _error_text(payload: Any) -> str:
    if isinstance(payload, dict):
        error = payload.get("error")
        if isinstance(error, dict):
            return str(error.get("message") or error)
        if error:
            return str(error)
    return ""
