"""A real `agentsess serve` in a subprocess on a free port, and a way to reach its database
in-process (the same file, the same signing secret)."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

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


@dataclass
class Server:
    home: Path
    db: Path
    port: int
    process: subprocess.Popen[bytes]
    log: Path
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
        stderr=log.open("wb"),
        stdin=subprocess.DEVNULL,
    )
    server = Server(home, db, port, process, log)
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"server exited {process.returncode}: {server.log_text()}")
        try:
            if httpx.get(f"{server.url}/health", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"server did not start: {server.log_text()}")
        time.sleep(0.05)  # waiting for a process to start listening, not for time to pass
