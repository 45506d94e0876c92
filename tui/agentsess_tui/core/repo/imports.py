"""Importing a whole session (read from a file by `transfer`) in one write transaction.

Everything is validated before the transaction commits (rows are checked as they are
written, and one bad row rolls the whole import back); an id that exists already is an
`AlreadyExists` unless `new_id` asks for a copy under a new id.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from .. import validate
from ..clock import MINUTE_MS, Clock
from ..db import Database
from ..errors import AlreadyExists, InvalidInput
from ..ids import check_agent_id, check_session_id, new_activation_id, new_session_id
from ..models import ImportResult, SessionImport
from ..rows import EVENTS, MEMORIES, MESSAGES, SESSIONS, add_event, insert, insert_many
from .agents import AgentRepo
from .sessions import SessionRepo


class SessionImporter:
    def __init__(
        self, db: Database, clock: Clock, agents: AgentRepo, sessions: SessionRepo
    ) -> None:
        self.db = db
        self.clock = clock
        self.agents = agents
        self.sessions = sessions

    def import_session(self, imported: SessionImport, *, new_id: bool = False) -> ImportResult:
        """Write `imported` whole, or nothing. The session's warn_at, cap_at, token and
        window are derived here from its policy (an imported expiry never passes the cap);
        the token is new, so no token from elsewhere works here."""
        from ..policy import check_layer

        source = imported.session
        now = self.clock.now_ms()
        agent_id = check_agent_id(source.agent_id)
        target = new_session_id(now) if new_id else check_session_id(source.id)
        agent_policy = check_layer(
            imported.agent_policy, f"the file's policy of agent {agent_id!r}"
        )
        policy = source.policy
        cap = source.activated_at + policy.max_lifetime_minutes * MINUTE_MS
        expires = min(source.expires_at, cap)
        session = replace(
            source,
            id=target,
            agent_id=agent_id,
            title=validate.title(source.title, default=f"Imported {source.id}"),
            expires_at=expires,
            warn_at=expires - policy.warning_minutes * MINUTE_MS,
            cap_at=cap,
            token_jti=new_activation_id(),
            window_minutes=policy.window_minutes,
        )
        session_row = {name: getattr(session, name) for name in SESSIONS.insertable}
        session_row["metadata"] = validate.metadata(session.metadata)
        tally = {"messages": 0, "memories": 0, "events": 0}

        def messages() -> Iterator[dict[str, Any]]:
            for index, message in enumerate(imported.messages, 1):
                try:
                    validate.role(message.role)
                    validate.message_content(message.content)
                    meta = validate.metadata(message.metadata)
                except InvalidInput as exc:
                    raise _refused("Message", index, exc) from None
                tally["messages"] = index
                yield {
                    "session_id": target,
                    "role": message.role,
                    "content": message.content,
                    "created_at": message.created_at,
                    "metadata": meta,
                }

        def memories() -> Iterator[dict[str, Any]]:
            for index, memory in enumerate(imported.memories, 1):
                try:
                    validate.memory_content(memory.content)
                    row = {
                        "agent_id": agent_id,
                        "session_id": target,
                        "type": validate.memory_type(memory.type),
                        "title": validate.memory_title(memory.title, memory.content),
                        "content": memory.content,
                        "tags": validate.tags(memory.tags),
                        "confidence": validate.confidence(memory.confidence),
                        "status": memory.status,
                        "created_at": memory.created_at,
                        "updated_at": memory.updated_at,
                        # Memory ids are new in this database: a link would point elsewhere.
                        "supersedes": None,
                    }
                except InvalidInput as exc:
                    raise _refused("Memory", index, exc) from None
                tally["memories"] = index
                yield row

        def events() -> Iterator[dict[str, Any]]:
            for index, e in enumerate(imported.events, 1):
                tally["events"] = index
                yield {"session_id": target, "at": e.at, "kind": e.kind, "detail": e.detail}

        with self.db.write() as conn:
            if self.sessions.exists(conn, target):
                raise AlreadyExists(
                    f"A session {target!r} exists already; nothing was imported.",
                    hint="Import it as a copy with --new-id, or delete the existing one first.",
                )
            if not self.agents.exists(conn, agent_id):
                self.agents.insert(conn, agent_id, imported.agent_name, agent_policy)
            insert(conn, SESSIONS, **session_row)
            # Read as they are written (a file of 200k messages is never held whole); a bad
            # row half-way raises, and the transaction keeps nothing (issue 10).
            insert_many(conn, MESSAGES, messages())
            insert_many(conn, EVENTS, events())
            add_event(conn, target, now, "imported", format=imported.format, original_id=source.id)
            insert_many(conn, MEMORIES, memories())
            stored = self.sessions.session_row(conn, target)
        return ImportResult(
            session=stored,
            format=imported.format,
            messages=tally["messages"],
            memories=tally["memories"],
            events=tally["events"] + 1,
        )


def _refused(what: str, index: int, exc: InvalidInput) -> InvalidInput:
    return InvalidInput(f"{what} {index} cannot be imported: {exc.message}; nothing was imported.")
