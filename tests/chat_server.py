"""A real chat server on 127.0.0.1 for the OpenAI-compatible client (started by a fixture).

The server speaks the streaming chat-completions protocol over HTTP/1.1 (chunked server-sent
events), records every request, and follows a script the test sets: events to send, points
where it stalls until released, an early end, a dropped connection, or an HTTP error.
"""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from agentsess_tui.agents import ResponderSettings

API_KEY = "sk-test-secret-4242"
# How long a test waits for the server thread to notice something; never a sleep.
WAIT = 5.0


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


# Script steps: ("event", data) sends `data: …` + blank line; ("raw", text) sends text as is;
# ("wait",) stalls until released; ("drop",) closes without ending the chunked body.
Step = tuple[str, ...]


def delta(content: str | None, finish: str | None = None) -> Step:
    choice: dict[str, Any] = {"index": 0, "delta": {}, "finish_reason": finish}
    if content is not None:
        choice["delta"] = {"role": "assistant", "content": content}
    return (
        "event",
        json.dumps({"id": "c1", "object": "chat.completion.chunk", "choices": [choice]}),
    )


def reply_script(*pieces: str) -> list[Step]:
    """A well-behaved stream: a role-only chunk, the pieces, a finish chunk, [DONE]."""
    return [
        ("event", json.dumps({"choices": [{"index": 0, "delta": {"role": "assistant"}}]})),
        *(delta(piece) for piece in pieces),
        delta(None, "stop"),
        ("event", "[DONE]"),
    ]


@dataclass
class ChatServer:
    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    script: list[Step] = field(default_factory=lambda: reply_script("Hello", " there", "!"))
    error: tuple[int, dict[str, Any] | str] | None = None
    stall_before_headers: bool = False
    stalled: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    disconnected: threading.Event = field(default_factory=threading.Event)
    content_type: str = "text/event-stream"


class ChatServerHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ChatServerHTTP

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass

    def do_POST(self) -> None:
        chat = self.server.chat
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        chat.requests.append(Recorded(self.path, dict(self.headers.items()), body))
        if chat.stall_before_headers:
            chat.stalled.set()
            chat.release.wait(WAIT)
            return
        if chat.error is not None:
            status, payload = chat.error
            data = (payload if isinstance(payload, str) else json.dumps(payload)).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
            return
        self.send_response(200)
        self.send_header("Content-Type", chat.content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            for step in chat.script:
                if step[0] == "wait":
                    chat.stalled.set()
                    chat.release.wait(WAIT)
                    # Keep writing until the client's closed socket makes a write fail.
                    for _ in range(200):
                        self._chunk(": keep-alive\n\n")
                        if chat.disconnected.wait(0.01):
                            break
                    continue
                if step[0] == "drop":
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                text = f"data: {step[1]}\n\n" if step[0] == "event" else step[1]
                self._chunk(text)
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            chat.disconnected.set()

    def _chunk(self, text: str) -> None:
        data = text.encode()
        try:
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()
        except OSError:
            self.server.chat.disconnected.set()
            raise


class ChatServerHTTP(ThreadingHTTPServer):
    daemon_threads = True
    chat: ChatServer


def openai_settings(url: str, **changes: Any) -> ResponderSettings:
    values: dict[str, Any] = {
        "backend": "openai",
        "base_url": url,
        "model": "test-model",
        "api_key": API_KEY,
        "timeout_seconds": 5.0,
    }
    values.update(changes)
    return ResponderSettings(**values)
