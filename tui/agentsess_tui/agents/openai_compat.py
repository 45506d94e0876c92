"""Streaming replies from any OpenAI-compatible chat server (Ollama, llama.cpp, vLLM, LM Studio,
OpenAI): `POST {base_url}/chat/completions` with `stream: true`, read as server-sent events.

httpx does the HTTP: streaming responses, separate connect/read timeouts, connection pooling,
proxies from the environment, and clean closing when the consuming task is cancelled.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from .base import ChatBackendError, ReplyRequest, ResponderSettings
from .http import httpx
from .sse import EventParser, ServerEvent

# A recalled memory goes into the context shortened to this many characters.
MEMORY_CONTEXT_CHARS = 500
# Error bodies are read up to this size: enough for any server's error message.
ERROR_BODY_BYTES = 64 * 1024
CONNECT_TIMEOUT_SECONDS = 10.0
KEY_NAME = "AGENTSESS_API_KEY"


def build_messages(request: ReplyRequest) -> list[dict[str, str]]:
    """The context: system prompt (with the recalled memories), recent history, the message."""
    system = request.system_prompt
    if request.memories:
        lines = []
        for hit in request.memories:
            memory = hit.memory
            content = " ".join(memory.content.split())
            if len(content) > MEMORY_CONTEXT_CHARS:
                content = content[: MEMORY_CONTEXT_CHARS - 1] + "…"
            lines.append(f"- #{memory.id} ({memory.type}) {content}")
        system += "\n\nRecalled memories, most relevant first:\n" + "\n".join(lines)
    # A hand-built request may have no system prompt: some servers reject an empty one.
    messages = [{"role": "system", "content": system}] if system.strip() else []
    for message in request.history:
        # Tool output needs the tool-call ids of the OpenAI protocol, which a logged message
        # does not have; servers reject such messages, so they stay out of the context.
        if message.role in ("system", "user", "assistant"):
            messages.append({"role": message.role, "content": message.content})
    messages.append({"role": "user", "content": request.user_text})
    return messages


class OpenAICompatResponder:
    backend = "openai"

    def __init__(
        self, settings: ResponderSettings, *, client: httpx.AsyncClient | None = None
    ) -> None:
        """`client`: a shared client for connection reuse (its owner closes it); without
        one, each reply opens and closes its own."""
        self.settings = settings
        self.model = settings.model
        self._client = client

    @property
    def url(self) -> str:
        return self.settings.base_url.rstrip("/") + "/chat/completions"

    async def reply(self, request: ReplyRequest) -> AsyncIterator[str]:
        settings = self.settings
        if not settings.model:
            raise ChatBackendError(
                "No model is set for the OpenAI-compatible backend.",
                reason="config",
                hint="Pick one with /model NAME, or set AGENTSESS_MODEL (e.g. llama3.2 for "
                "Ollama).",
            )
        body = {"model": settings.model, "messages": build_messages(request), "stream": True}
        headers = {"Accept": "text/event-stream"}
        if settings.api_key:
            headers["Authorization"] = f"Bearer {settings.api_key}"
        timeout = httpx.Timeout(
            settings.timeout_seconds,
            connect=min(CONNECT_TIMEOUT_SECONDS, settings.timeout_seconds),
        )
        stream = _Stream(settings)
        async with contextlib.AsyncExitStack() as stack:
            client = self._client
            if client is None:
                client = await stack.enter_async_context(httpx.AsyncClient(timeout=timeout))
            try:
                async with client.stream(
                    "POST", self.url, json=body, headers=headers, timeout=timeout
                ) as response:
                    if response.status_code >= 400:
                        raise self._http_error(response.status_code, await _error_body(response))
                    async for chunk in stream.chunks(response):
                        yield chunk
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                raise self._transport_error(exc, partial=stream.saw_content) from None

    # -- failures, in words a person can act on ---------------------------------------------

    def _http_error(self, status: int, body: bytes) -> ChatBackendError:
        settings = self.settings
        detail, code = _server_message(body)
        detail = self._redact(detail)
        said = f"HTTP {status}: {detail}" if detail else f"HTTP {status}"
        if status in (401, 403):
            problem = "rejected the API key" if settings.api_key else "wants an API key"
            return ChatBackendError(
                f"The chat server at {settings.base_url} {problem} ({said}).",
                reason="auth",
                hint=f"Set {KEY_NAME} (or api_key in config.toml [chat]) to a valid key, "
                "then retry.",
            )
        if _is_unknown_model(status, detail, code):
            return ChatBackendError(
                f"Unknown model '{settings.model}' at {settings.base_url} ({said}).",
                reason="model",
                hint=f"List the models with `ollama list` or GET {settings.base_url.rstrip('/')}"
                "/models, then pick one with /model NAME or AGENTSESS_MODEL.",
            )
        if status == 404:
            return ChatBackendError(
                f"{self.url} was not found ({said}).",
                reason="not_found",
                hint="Check the base URL: OpenAI-compatible servers usually answer under /v1 "
                "(e.g. http://127.0.0.1:11434/v1 for Ollama).",
            )
        if status == 429:
            return ChatBackendError(
                f"The chat server is limiting requests ({said}).",
                reason="http",
                hint="Wait a moment, then retry.",
            )
        if status >= 500:
            return ChatBackendError(
                f"The chat server failed ({said}).",
                reason="http",
                hint="Retry; if it keeps failing, look at the server's log.",
            )
        return ChatBackendError(
            f"The chat server rejected the request ({said}).",
            reason="http",
            hint="Check the model and base URL, then retry.",
        )

    def _transport_error(
        self, exc: httpx.HTTPError | httpx.InvalidURL, *, partial: bool
    ) -> ChatBackendError:
        base_url = self.settings.base_url
        kept = " The part of the reply that arrived is kept." if partial else ""
        if isinstance(exc, httpx.ConnectTimeout):
            return ChatBackendError(
                f"Cannot reach the chat server at {base_url}: no answer within "
                f"{min(CONNECT_TIMEOUT_SECONDS, self.settings.timeout_seconds):g} s.",
                reason="unreachable",
                hint="Check that it is running and that the base URL is right, then retry.",
            )
        if isinstance(exc, httpx.ConnectError):
            root = _root_cause(exc)
            cause = (
                root.strerror
                if isinstance(root, OSError) and root.strerror
                else str(root) or type(root).__name__
            )
            if isinstance(root, ConnectionRefusedError) or "refused" in cause.lower():
                return ChatBackendError(
                    f"Cannot reach the chat server at {base_url}: connection refused.",
                    reason="refused",
                    # /backend takes no URL: name where a base URL really is set.
                    hint="Start it (e.g. `ollama serve`) or change the base URL (in the app: "
                    "ctrl+p, Responder settings…; or AGENTSESS_BASE_URL, or base_url in "
                    "config.toml [chat]).",
                )
            return ChatBackendError(
                f"Cannot reach the chat server at {base_url}: {cause}.",
                reason="unreachable",
                hint="Check the base URL and the network, then retry.",
            )
        if isinstance(exc, httpx.TimeoutException):
            return ChatBackendError(
                f"The chat server at {base_url} sent nothing for "
                f"{self.settings.timeout_seconds:g} s.{kept}",
                reason="timeout",
                partial=partial,
                hint="It may still be loading the model: retry, or raise timeout_seconds in "
                "config.toml [chat].",
            )
        if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
            return ChatBackendError(
                f"The base URL {base_url!r} is not a valid http(s) URL.",
                reason="config",
                hint="Use something like http://127.0.0.1:11434/v1.",
            )
        return ChatBackendError(
            f"The connection to the chat server broke mid-reply ({exc or type(exc).__name__})."
            f"{kept}",
            reason="broken",
            partial=partial,
            hint="Retry; if it keeps happening, look at the server's log.",
        )

    def _redact(self, text: str) -> str:
        key = self.settings.api_key
        return text.replace(key, "***") if key else text


class _Stream:
    """Reads one streamed reply; remembers whether any text arrived (kept on failure)."""

    def __init__(self, settings: ResponderSettings) -> None:
        self.settings = settings
        self.saw_content = False
        self.finished = False

    async def chunks(self, response: httpx.Response) -> AsyncIterator[str]:
        content_type = response.headers.get("content-type", "")
        if "json" in content_type and "event-stream" not in content_type:
            # Some servers ignore `stream: true` and answer with one completion.
            text = self._whole(await response.aread())
            self.saw_content = self.finished = True
            yield text
            return
        parser = EventParser()
        async for line in response.aiter_lines():
            event = parser.feed(line)
            if event is not None:
                chunk = self._event(event)
                if chunk:
                    self.saw_content = True
                    yield chunk
                if self.finished:
                    self._check_end()
                    return
        event = parser.flush()
        if event is not None:
            chunk = self._event(event)
            if chunk:
                self.saw_content = True
                yield chunk
        self._check_end()

    def _event(self, event: ServerEvent) -> str:
        data = event.data.strip()
        if data == "[DONE]":
            self.finished = True
            return ""
        try:
            payload = json.loads(data)
        except ValueError:
            raise self._malformed(f"an event is not valid JSON ({_excerpt(data)})") from None
        if not isinstance(payload, dict):
            raise self._malformed(f"an event is not a JSON object ({_excerpt(data)})")
        if payload.get("error") is not None:
            detail, _ = _server_message(json.dumps(payload).encode())
            raise ChatBackendError(
                f"The chat server reported an error mid-reply: {detail}."
                + (" The part of the reply that arrived is kept." if self.saw_content else ""),
                reason="http",
                partial=self.saw_content,
                hint="Retry; if it keeps happening, look at the server's log.",
            )
        choices = payload.get("choices")
        if not isinstance(choices, list) or not choices:
            return ""  # e.g. a final usage report
        choice = choices[0]
        if not isinstance(choice, dict):
            raise self._malformed(f"a choice is not a JSON object ({_excerpt(data)})")
        if choice.get("finish_reason"):
            # A finished choice is the end even if the server never sends [DONE].
            self.finished = True
        delta = choice.get("delta")
        content = delta.get("content") if isinstance(delta, dict) else None
        if content is not None and not isinstance(content, str):
            raise self._malformed(f"a delta's content is not text ({_excerpt(data)})")
        return content or ""

    def _check_end(self) -> None:
        if not self.finished:
            if self.saw_content:
                raise ChatBackendError(
                    "The chat server's stream ended before the reply was finished (no [DONE]). "
                    "The part of the reply that arrived is kept.",
                    reason="incomplete",
                    partial=True,
                    hint="Retry for the whole reply.",
                )
            raise ChatBackendError(
                "The chat server's stream ended without any reply (no data, no [DONE]).",
                reason="empty",
                hint="Retry; if it keeps happening, check the model with the server's own client.",
            )
        if not self.saw_content:
            raise ChatBackendError(
                "The chat server finished its stream without any reply text.",
                reason="empty",
                hint="Retry, or try another model.",
            )

    def _whole(self, body: bytes) -> str:
        try:
            payload = json.loads(body)
            content = payload["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            what = f"the answer is not a chat completion ({_excerpt(body)})"
            raise self._malformed(what) from None
        if not isinstance(content, str) or not content:
            raise ChatBackendError(
                "The chat server answered without any reply text.",
                reason="empty",
                hint="Retry, or try another model.",
            )
        return content

    def _malformed(self, what: str) -> ChatBackendError:
        kept = " The part of the reply that arrived is kept." if self.saw_content else ""
        return ChatBackendError(
            f"The chat server sent a malformed stream: {what}.{kept}",
            reason="malformed",
            partial=self.saw_content,
            hint="Retry; if it keeps happening, check that the base URL points at an "
            "OpenAI-compatible API.",
        )


def _root_cause(exc: BaseException) -> BaseException:
    """The OS error under httpx's and anyio's wrappers ("All connection attempts failed")."""
    seen = {id(exc)}
    while (inner := exc.__cause__ or exc.__context__) is not None and id(inner) not in seen:
        seen.add(id(inner))
        exc = inner
    return exc


async def _error_body(response: httpx.Response) -> bytes:
    body = b""
    async for part in response.aiter_bytes():
        body += part
        if len(body) >= ERROR_BODY_BYTES:
            break
    return body[:ERROR_BODY_BYTES]


def _server_message(body: bytes) -> tuple[str, str]:
    """The error message and code in a server's error body (OpenAI, Ollama, FastAPI styles)."""
    text = body.decode("utf-8", errors="replace").strip()
    try:
        payload: Any = json.loads(text)
    except ValueError:
        return _excerpt(text, 300), ""
    if not isinstance(payload, dict):
        return _excerpt(text, 300), ""
    error = payload.get("error", payload)
    if isinstance(error, str):
        return _excerpt(error, 300), ""
    if isinstance(error, dict):
        message = error.get("message") or error.get("detail") or error.get("msg")
        code = str(error.get("code") or error.get("type") or "")
        if isinstance(message, str):
            return _excerpt(message, 300), code
        if message is not None:
            return _excerpt(json.dumps(message), 300), code
    return _excerpt(text, 300), ""


def _is_unknown_model(status: int, detail: str, code: str) -> bool:
    if code == "model_not_found":
        return True
    lowered = detail.lower()
    mentions_model = "model" in lowered
    missing = any(
        phrase in lowered for phrase in ("not found", "does not exist", "unknown", "no such")
    )
    return status in (400, 404) and mentions_model and missing


def _excerpt(data: str | bytes, limit: int = 80) -> str:
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
