"""Real processes sharing one database: no lock errors, no lost writes, survives SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agentsess_tui.core import Store
from agentsess_tui.core.clock import MINUTE_MS
from agentsess_tui.core.schema import MIGRATIONS
from agentsess_tui.core.tokens import key_id

from .helpers import raw

WORKER = str(Path(__file__).with_name("mp_worker.py"))
WORKERS = 4
WRITES = 1000

pytestmark = pytest.mark.slow


def _spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, WORKER, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),  # AGENTSESS_HOME from the fixture: one shared key file
    )


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        for stream in (process.stdin, process.stdout, process.stderr):
            if stream:
                stream.close()


def _go(processes: list[subprocess.Popen[str]]) -> None:
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()


def test_four_processes_doing_mixed_writes(
    db_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    store = Store(db_path)
    agents = [f"worker-{n}" for n in range(WORKERS)]
    for agent in agents:
        store.add_agent(agent)
    store.add_agent("shared")
    shared = store.create_session("shared", "everyone writes here").session.id
    shared_before = store.get_session(shared)

    processes += [_spawn("mixed", str(db_path), agent, shared, str(WRITES)) for agent in agents]
    _go(processes)
    reports: list[dict[str, Any]] = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        reports.append(json.loads(out))

    assert [r["lock_errors"] for r in reports] == [0] * WORKERS
    assert [r["errors"] for r in reports] == [[]] * WORKERS
    conn = raw(db_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    total = 0
    for agent, report in zip(agents, reports, strict=True):
        writes = (
            len(report["messages"])
            + len(report["shared_messages"])
            + len(report["memories"])
            + len(report["sessions"])
            + report["extends"]
            + report["heartbeats"]
        )
        assert writes == WRITES
        total += writes
        own = report["own"]
        stored = {
            row["id"]: row
            for row in conn.execute("SELECT * FROM messages WHERE content LIKE ?", (f"{agent} %",))
        }
        assert set(stored) == set(report["messages"]) | set(report["shared_messages"])
        assert all(stored[i]["session_id"] == own for i in report["messages"])
        assert all(stored[i]["session_id"] == shared for i in report["shared_messages"])
        memories = [
            r[0] for r in conn.execute("SELECT id FROM memories WHERE agent_id = ?", (agent,))
        ]
        assert sorted(memories) == sorted(report["memories"])
        sessions = [
            r[0] for r in conn.execute("SELECT id FROM sessions WHERE agent_id = ?", (agent,))
        ]
        assert sorted(sessions) == sorted(report["sessions"])
        # Every extension committed exactly once: read-then-write never lost an update.
        row = conn.execute(
            "SELECT expires_at - activated_at FROM sessions WHERE id = ?", (own,)
        ).fetchone()
        assert row[0] == (360 + report["extends"]) * MINUTE_MS
    assert total == WORKERS * WRITES
    shared_count = conn.execute(
        "SELECT count(*) FROM messages WHERE session_id = ?", (shared,)
    ).fetchone()[0]
    assert shared_count == sum(len(r["shared_messages"]) for r in reports)
    # The workers really wrote at the same time: their writes to the shared session interleave.
    writers = [
        row[0].split()[0]
        for row in conn.execute(
            "SELECT content FROM messages WHERE session_id = ? ORDER BY id", (shared,)
        )
    ]
    switches = sum(1 for a, b in zip(writers, writers[1:], strict=False) if a != b)
    # One process after another would switch writers WORKERS - 1 times; more means their
    # writes interleaved (how much depends on the OS scheduler, so no higher bar).
    assert switches >= WORKERS
    assert store.get_session(shared).last_activity_at >= shared_before.last_activity_at
    conn.execute("INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')")
    conn.execute("INSERT INTO memories_fts(memories_fts) VALUES ('integrity-check')")
    conn.close()
    store.close()


def test_processes_opening_a_new_database_together(
    tmp_path: Path, home: Path, processes: list[subprocess.Popen[str]]
) -> None:
    """A fresh database and key file, created by four processes at once."""
    db = tmp_path / "fresh" / "new.db"
    processes += [_spawn("open", str(db), f"agent-{n}") for n in range(WORKERS)]
    _go(processes)
    key_ids = set()
    for process in processes:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        key_ids.add(out.strip())
    store = Store(db)
    assert key_ids == {key_id(store.key)}  # one key, whoever created the file
    assert sorted(p.name for p in home.iterdir()) == ["secret.key"]  # no temporary files left
    assert [a.id for a in store.list_agents()] == [f"agent-{n}" for n in range(WORKERS)]
    assert store.integrity_check() == "ok"
    conn = raw(db)
    applied = conn.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0]
    assert applied == len(MIGRATIONS)  # each applied once, by whoever came first
    conn.close()
    store.close()


@pytest.mark.parametrize("lines_before_kill", [1, 150, 400])
def test_a_process_killed_mid_write_loses_nothing_it_committed(
    db_path: Path, processes: list[subprocess.Popen[str]], lines_before_kill: int
) -> None:
    store = Store(db_path)
    store.add_agent("victim")
    sid = store.create_session("victim").session.id
    process = _spawn("stream", str(db_path), sid)
    processes.append(process)
    _go(processes)
    assert process.stdout is not None
    committed: list[tuple[str, int]] = []
    for _ in range(lines_before_kill):
        line = process.stdout.readline()
        assert line, process.stderr.read() if process.stderr else ""
        kind, number = line.split()
        committed.append((kind, int(number)))
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    # Lines already in the pipe were committed too (read through the same buffered reader).
    rest = process.stdout.read()
    for line in rest.splitlines():
        if line.strip():  # a line cut off by the kill cannot be trusted
            parts = line.split()
            if len(parts) == 2 and parts[1].isdigit():
                committed.append((parts[0], int(parts[1])))
    assert process.returncode == -signal.SIGKILL

    reopened = Store(db_path)
    assert reopened.integrity_check() == "ok"
    message_ids = {m.id for m in reopened.messages(sid, limit=1_000_000)}
    memory_ids = {m.id for m in reopened.list_memories(session_id=sid, limit=1_000_000)}
    for kind, number in committed:
        assert number in (message_ids if kind == "message" else memory_ids), (kind, number)
    # At most the one write in flight when the process died may be there without its line.
    assert len(message_ids) + len(memory_ids) - len(committed) in (0, 1)
    # Nothing partial: each write recorded its activity in the same transaction.
    session = reopened.get_session(sid)
    latest = max(
        [m.created_at for m in reopened.messages(sid, limit=1)]
        + [m.created_at for m in reopened.list_memories(session_id=sid, limit=1)]
    )
    assert session.last_activity_at == latest
    # The database is fully usable afterwards.
    reopened.add_message(sid, "after the crash")
    conn = raw(db_path)
    conn.execute("INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')")
    conn.execute("INSERT INTO memories_fts(memories_fts) VALUES ('integrity-check')")
    conn.close()
    reopened.close()
    store.close()
