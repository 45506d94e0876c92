"""Agents: who sessions and memories belong to, with optional policy overrides; and how the
layers of policy combine into a session's effective policy."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..clock import Clock
from ..config import Settings
from ..db import Database
from ..errors import AlreadyExists, NotFound
from ..ids import check_agent_id
from ..models import Agent
from ..rows import AGENTS, agent_from_row, insert

if TYPE_CHECKING:
    from ..policy import Policy


class AgentRepo:
    def __init__(self, db: Database, clock: Clock, settings: Settings) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings

    def add_agent(
        self, agent_id: str, name: str | None = None, policy: Mapping[str, Any] | None = None
    ) -> Agent:
        from ..policy import check_layer

        check_agent_id(agent_id)
        overrides = check_layer(policy or {}, f"agent {agent_id}'s policy")
        self.policy_for(overrides, {})  # the combination must be consistent
        with self.db.write() as conn:
            if self.exists(conn, agent_id):
                raise AlreadyExists(
                    f"Agent {agent_id!r} already exists.",
                    hint=f"Change its policy with `agentsess agents policy {agent_id} --set …`.",
                )
            return self.insert(conn, agent_id, name, overrides)

    def insert(
        self, conn: sqlite3.Connection, agent_id: str, name: str | None, overrides: dict[str, Any]
    ) -> Agent:
        """A new agent row, inside the caller's write transaction (add_agent, imports)."""
        display = " ".join((name or agent_id).split())[:100] or agent_id
        agent = Agent(id=agent_id, name=display, policy=overrides, created_at=self.clock.now_ms())
        insert(
            conn,
            AGENTS,
            id=agent.id,
            name=agent.name,
            policy=agent.policy,
            created_at=agent.created_at,
        )
        return agent

    def ensure_agent(self, agent_id: str, name: str | None = None) -> Agent:
        """The agent, created with default policy if it does not exist yet."""
        try:
            return self.get_agent(agent_id)
        except NotFound:
            try:
                return self.add_agent(agent_id, name)
            except AlreadyExists:  # another process was faster
                return self.get_agent(agent_id)

    def get_agent(self, agent_id: str) -> Agent:
        check_agent_id(agent_id)
        return self.agent_row(self.db.conn(), agent_id)

    def list_agents(self) -> list[Agent]:
        rows = self.db.conn().execute(
            f"SELECT {AGENTS.columns} FROM agents ORDER BY id"  # noqa: S608 (fixed columns)
        )
        return [agent_from_row(row) for row in rows]

    def set_agent_policy(
        self,
        agent_id: str,
        changes: Mapping[str, Any] | None = None,
        unset: Iterable[str] = (),
    ) -> Agent:
        from ..policy import check_layer

        check_agent_id(agent_id)
        with self.db.write() as conn:
            agent = self.agent_row(conn, agent_id)
            merged = dict(agent.policy)
            for name in unset:
                check_layer({name: None}, "--unset")
                merged.pop(name, None)
            merged.update(check_layer(changes or {}, f"agent {agent_id}'s policy"))
            self.policy_for(merged, {})
            conn.execute(
                "UPDATE agents SET policy = ? WHERE id = ?", (json.dumps(merged), agent_id)
            )
        agent.policy = merged
        return agent

    def effective_policy(self, agent_id: str, options: Mapping[str, Any] | None = None) -> Policy:
        agent = self.get_agent(agent_id)
        return self.policy_for(agent.policy, options or {}, agent_id)

    def preview_policy(self, agent_id: str, options: Mapping[str, Any] | None = None) -> Policy:
        try:
            return self.effective_policy(agent_id, options)
        except NotFound:
            return self.policy_for({}, options or {}, agent_id)

    def policy_for(
        self,
        agent_policy: Mapping[str, Any],
        options: Mapping[str, Any],
        agent_id: str = "the agent",
    ) -> Policy:
        """Defaults → config → environment → `agent_policy` → `options`."""
        from ..policy import resolve_policy  # pydantic: only when a policy is needed

        layers: list[tuple[str, Mapping[str, Any]]] = list(self.settings.policy_layers)
        if not layers and self.settings.policy:
            layers.append(("settings", self.settings.policy))
        layers.append((f"{agent_id}'s policy", agent_policy))
        layers.append(("session options", options))
        return resolve_policy(layers)

    @staticmethod
    def exists(conn: sqlite3.Connection, agent_id: str) -> bool:
        return conn.execute("SELECT 1 FROM agents WHERE id = ?", (agent_id,)).fetchone() is not None

    @staticmethod
    def agent_row(conn: sqlite3.Connection, agent_id: str) -> Agent:
        row = conn.execute(
            f"SELECT {AGENTS.columns} FROM agents WHERE id = ?",  # noqa: S608 (fixed columns)
            (agent_id,),
        ).fetchone()
        if row is None:
            raise NotFound(
                f"No agent {agent_id!r}.",
                hint=f"Add it with `agentsess agents add {agent_id}`.",
            )
        return agent_from_row(row)
