"""Agents: who sessions and memories belong to, with optional policy overrides."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .db import storage_errors
from .errors import AlreadyExists, NotFound
from .ids import check_agent_id
from .models import Agent
from .storebase import StoreBase, agent_from_row

if TYPE_CHECKING:
    from .policy import Policy


class AgentRegistry(StoreBase):
    @storage_errors
    def add_agent(
        self, agent_id: str, name: str | None = None, policy: Mapping[str, Any] | None = None
    ) -> Agent:
        from .policy import check_layer

        check_agent_id(agent_id)
        overrides = check_layer(policy or {}, f"agent {agent_id}'s policy")
        self._policy_for(overrides, {})  # the combination must be consistent
        now = self.now()
        display = " ".join((name or agent_id).split())[:100] or agent_id
        with self._write() as conn:
            if conn.execute("SELECT 1 FROM agents WHERE id = ?", (agent_id,)).fetchone():
                raise AlreadyExists(
                    f"Agent {agent_id!r} already exists.",
                    hint=f"Change its policy with `agentsess agents policy {agent_id} --set …`.",
                )
            conn.execute(
                "INSERT INTO agents (id, name, policy, created_at) VALUES (?, ?, ?, ?)",
                (agent_id, display, json.dumps(overrides), now),
            )
        return Agent(id=agent_id, name=display, policy=overrides, created_at=now)

    @storage_errors
    def ensure_agent(self, agent_id: str, name: str | None = None) -> Agent:
        """The agent, created with default policy if it does not exist yet."""
        try:
            return self.get_agent(agent_id)
        except NotFound:
            try:
                return self.add_agent(agent_id, name)
            except AlreadyExists:  # another process was faster
                return self.get_agent(agent_id)

    @storage_errors
    def get_agent(self, agent_id: str) -> Agent:
        check_agent_id(agent_id)
        return self._agent_row(self._conn(), agent_id)

    @storage_errors
    def list_agents(self) -> list[Agent]:
        rows = self._conn().execute("SELECT * FROM agents ORDER BY id").fetchall()
        return [agent_from_row(row) for row in rows]

    @storage_errors
    def set_agent_policy(
        self,
        agent_id: str,
        changes: Mapping[str, Any] | None = None,
        unset: Iterable[str] = (),
    ) -> Agent:
        """Change an agent's overrides for sessions created from now on (a session keeps the
        policy it was created with, also when resumed)."""
        from .policy import check_layer

        check_agent_id(agent_id)
        with self._write() as conn:
            agent = self._agent_row(conn, agent_id)
            merged = dict(agent.policy)
            for name in unset:
                check_layer({name: None}, "--unset")
                merged.pop(name, None)
            merged.update(check_layer(changes or {}, f"agent {agent_id}'s policy"))
            self._policy_for(merged, {})
            conn.execute(
                "UPDATE agents SET policy = ? WHERE id = ?", (json.dumps(merged), agent_id)
            )
        agent.policy = merged
        return agent

    @storage_errors
    def effective_policy(self, agent_id: str, options: Mapping[str, Any] | None = None) -> Policy:
        """Defaults → config → environment → the agent's policy → these options."""
        agent = self.get_agent(agent_id)
        return self._policy_for(agent.policy, options or {}, agent_id)

    def preview_policy(self, agent_id: str, options: Mapping[str, Any] | None = None) -> Policy:
        """The policy a new session would get, also for an agent that does not exist yet
        (it would be created with no overrides). Raises InvalidPolicy like creation would."""
        try:
            return self.effective_policy(agent_id, options)
        except NotFound:
            return self._policy_for({}, options or {}, agent_id)

    def _policy_for(
        self,
        agent_policy: Mapping[str, Any],
        options: Mapping[str, Any],
        agent_id: str = "the agent",
    ) -> Policy:
        from .policy import resolve_policy  # pydantic: only when a policy is needed

        layers: list[tuple[str, Mapping[str, Any]]] = list(self.settings.policy_layers)
        if not layers and self.settings.policy:
            layers.append(("settings", self.settings.policy))
        layers.append((f"{agent_id}'s policy", agent_policy))
        layers.append(("session options", options))
        return resolve_policy(layers)

    def _agent_row(self, conn: sqlite3.Connection, agent_id: str) -> Agent:
        row = conn.execute("SELECT * FROM agents WHERE id = ?", (agent_id,)).fetchone()
        if row is None:
            raise NotFound(
                f"No agent {agent_id!r}.",
                hint=f"Add it with `agentsess agents add {agent_id}`.",
            )
        return agent_from_row(row)
