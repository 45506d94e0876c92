"""A separate process writing to a shared database, for tests/core/test_multiprocess.py.

Run as a script: `python mp_worker.py MODE DB ...`. It waits for a line on stdin before it
starts, so that every worker of a test writes at the same time.

- `mixed DB AGENT SHARED_SESSION N`: N mixed writes; prints one JSON report of what committed.
- `stream DB SESSION`: writes until killed, printing each committed write as `kind id` lines.
- `open DB AGENT`: opens (maybe creating) the database and the key file, adds an agent;
  prints the key's id.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from typing import Any

from agentsess_tui.core import DatabaseLocked, Store
from agentsess_tui.core.tokens import key_id


def mixed(db: str, agent: str, shared: str, writes: int) -> dict[str, Any]:
    store = Store(db)
    report: dict[str, Any] = {
        "messages": [],
        "shared_messages": [],
        "memories": [],
        "sessions": [],
        "extends": 0,
        "heartbeats": 0,
        "lock_errors": 0,
        "errors": [],
    }
    own = store.create_session(agent, f"{agent} main").session.id
    report["sessions"].append(own)
    report["own"] = own
    for i in range(writes - 1):
        try:
            step = i % 6
            if step == 0:
                report["messages"].append(store.add_message(own, f"{agent} {i}").id)
            elif step == 1:
                report["shared_messages"].append(store.add_message(shared, f"{agent} {i}").id)
            elif step == 2:
                memory = store.remember(f"{agent} learnt {i}", session_id=own, tags=[agent])
                report["memories"].append(memory.id)
            elif step == 3:
                store.extend_session(own, 1)
                report["extends"] += 1
            elif step == 4:
                store.heartbeat(shared)
                report["heartbeats"] += 1
            elif i % 60 == 5:
                report["sessions"].append(store.create_session(agent, f"{agent} {i}").session.id)
            else:
                report["messages"].append(store.add_message(own, f"{agent} {i}", "assistant").id)
        except (DatabaseLocked, sqlite3.OperationalError):
            report["lock_errors"] += 1
        except Exception as exc:  # reported to the test, which fails on it
            report["errors"].append(f"{type(exc).__name__}: {exc}")
    store.close()
    return report


def stream(db: str, session_id: str) -> None:
    store = Store(db)
    padding = "x" * 2000
    i = 0
    while True:
        i += 1
        if i % 3 == 0:
            memory = store.remember(f"fact {i} {padding}", session_id=session_id)
            print(f"memory {memory.id}", flush=True)
        else:
            message = store.add_message(session_id, f"message {i} {padding}")
            print(f"message {message.id}", flush=True)


def main(argv: list[str]) -> None:
    mode, db, *rest = argv
    sys.stdin.readline()  # the start signal
    if mode == "mixed":
        agent, shared, writes = rest
        print(json.dumps(mixed(db, agent, shared, int(writes))), flush=True)
    elif mode == "stream":
        stream(db, rest[0])
    elif mode == "open":
        store = Store(db)
        store.ensure_agent(rest[0])
        store.close()
        print(key_id(store.key), flush=True)
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
