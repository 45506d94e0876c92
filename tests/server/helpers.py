"""A real `agentsess serve` in a subprocess on a free port, and a way to reach its database
in-process (the same file, the same signing secret)."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from agentsess_tui.core import Clock, Store
from agentsess_tui.core.repo.keys import ApiKeys

SECRET = "server-tests-secret-of-at-least-32-bytes"
START_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTSESS_")}
    env.update(AGENTSESS_HOME=str(home), AGENTSESS_SECRET=SECRET, NO_PROXY="127.0.0.1")
    return env


class LogWatch:
    """The server's stderr, copied to a file line by line by a thread; a test waits for a
    line to appear (a readiness signal, not a sleep)."""

    def __init__(self, stream: IO[bytes], path: Path) -> None:
        self.path = path
        self._lines: list[str] = []
        self._changed = threading.Condition()
        self._ended = False
        self._thread = threading.Thread(target=self._copy, args=(stream,), daemon=True)
        self._thread.start()

    def _copy(self, stream: IO[bytes]) -> None:
        with self.path.open("wb") as out:
            for raw in stream:
                out.write(raw)
                out.flush()
                with self._changed:
                    self._lines.append(raw.decode(errors="replace"))
                    self._changed.notify_all()
        with self._changed:
            self._ended = True
            self._changed.notify_all()

    def wait_for(self, text: str, timeout: float) -> bool:
        """True when a line holding `text` was logged within `timeout` (False: the server
        exited or the time ran out)."""
        with self._changed:
            return self._changed.wait_for(
                lambda: any(text in line for line in self._lines) or self._ended, timeout
            ) and any(text in line for line in self._lines)

    def join(self) -> None:
        self._thread.join(10)


@dataclass
class Server:
    home: Path
    db: Path
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    watch: LogWatch
    stores: list[Store] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def store(self, clock: Clock | None = None) -> Store:
        """The server's database, opened in this process (optionally at another time)."""
        store = Store(self.db, clock=clock, key=hashlib.sha256(SECRET.encode()).digest())
        self.stores.append(store)
        return store

    def key(self, name: str, *agents: str) -> str:
        return ApiKeys(self.store().db).create(name, agents)[0]

    def client(self, key: str | None = None, **headers: str) -> httpx.Client:
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def stop(self) -> None:
        for store in self.stores:
            store.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.watch.join()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def start_server(home: Path, *args: str) -> Server:
    home.mkdir(parents=True, exist_ok=True)
    db = home / "agentsess.db"
    port = free_port()
    log = home / "server.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "agentsess_tui.cli",
            "--db",
            str(db),
            "serve",
            "--port",
            str(port),
            *args,
        ],
        env=server_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    assert process.stderr is not None
    server = Server(home, db, port, process, log, LogWatch(process.stderr, log))
    # uvicorn says so once the socket listens.
    if not server.watch.wait_for("Uvicorn running on", START_TIMEOUT_S):
        server.stop()
        raise RuntimeError(f"server did not start: {server.log_text()}")
    if httpx.get(f"{server.url}/health", timeout=5).status_code != 200:
        server.stop()
        raise RuntimeError(f"server is not healthy: {server.log_text()}")
    return server
