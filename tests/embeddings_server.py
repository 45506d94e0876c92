"""A real OpenAI-compatible embeddings server on 127.0.0.1 (`POST /v1/embeddings`).

Its vectors are a bag of words hashed into 32 dimensions, so texts sharing words are close:
enough to check that the client sends what it should and ranks by what comes back. A test
can make it answer with an HTTP error or any body it likes.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DIM = 32


def bag_of_words(text: str) -> list[float]:
    vector = [0.0] * DIM
    for word in re.findall(r"\w+", text.lower()):
        vector[hashlib.sha256(word.encode()).digest()[0] % DIM] += 1.0
    return vector


@dataclass
class EmbeddingsServer:
    url: str = ""
    requests: list[tuple[dict[str, str], dict[str, Any]]] = field(default_factory=list)
    status: int = 200
    body: bytes | None = None  # sent instead of real embeddings when set


class _Handler(BaseHTTPRequestHandler):
    server: _HTTP

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        state = self.server.state
        length = int(self.headers.get("Content-Length", "0"))
        request = json.loads(self.rfile.read(length) or b"{}")
        state.requests.append((dict(self.headers.items()), request))
        if state.body is not None:
            data = state.body
        elif self.path != "/v1/embeddings":
            state.status, data = 404, b'{"error": "not found"}'
        else:
            data = json.dumps(
                {
                    "object": "list",
                    "data": [
                        {"object": "embedding", "index": i, "embedding": bag_of_words(text)}
                        for i, text in enumerate(request["input"])
                    ],
                    "model": request["model"],
                }
            ).encode()
        self.send_response(state.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _HTTP(ThreadingHTTPServer):
    daemon_threads = True
    state: EmbeddingsServer


def serve() -> Iterator[EmbeddingsServer]:
    server = _HTTP(("127.0.0.1", 0), _Handler)
    server.state = EmbeddingsServer(url=f"http://127.0.0.1:{server.server_address[1]}/v1")
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield server.state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
