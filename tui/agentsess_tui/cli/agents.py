"""`agentsess agents …`: who sessions and memories belong to, and their policy overrides."""

from __future__ import annotations

import json
from typing import Any

import click

from ..core.durations import format_minutes
from ..core.errors import InvalidInput
from ..core.models import Phase
from ..core.policy import POLICY_FIELDS, Policy
from ..core.text import one_line
from .base import OrderedGroup
from .context import Runtime, minutes
from .output import echo_json, note, table, when

MINUTE_FIELDS = {name for name in POLICY_FIELDS if name.endswith("_minutes")}
# Short names people type: `--set window=2h`, `--set step=30m`, `--set auto-renew=true`.
FIELD_ALIASES = {"step": "extend_step_minutes", "extend_step": "extend_step_minutes"}

SET_HELP = (
    "Policy override KEY=VALUE, repeatable. Keys: window, max-lifetime, warning, step (durations "
    "such as 90m, 2h, 1d), auto-renew, single-active (true/false); full field names work too."
)


def field_name(key: str) -> str:
    name = key.strip().lower().replace("-", "_")
    name = FIELD_ALIASES.get(name, name)
    if name not in POLICY_FIELDS and f"{name}_minutes" in POLICY_FIELDS:
        name = f"{name}_minutes"
    return name  # an unknown name is left for the core to explain


def parse_assignments(items: tuple[str, ...]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(
                f"--set {item!r} is not KEY=VALUE.", hint="For example: --set window=2h."
            )
        name = field_name(key)
        value = value.strip()
        changes[name] = minutes(f"--set {key.strip()}", value) if name in MINUTE_FIELDS else value
    return changes


def policy_rows(
    policy: Policy, overrides: dict[str, Any], settings_layers: list[tuple[str, dict[str, Any]]]
) -> list[list[str]]:
    """One row per field: the value and where it came from (default, config, env, agent)."""
    origin: dict[str, str] = {}
    for source, layer in settings_layers:
        for name in layer:
            origin[name] = source
    for name in overrides:
        origin[name] = "agent"
    rows = []
    for name, value in policy.model_dump().items():
        shown = (
            f"{value} ({format_minutes(value)})" if name in MINUTE_FIELDS else str(value).lower()
        )
        rows.append([name, shown, origin.get(name, "default")])
    return rows


@click.group(cls=OrderedGroup)
def agents() -> None:
    """Agents: who sessions and memories belong to."""


@agents.command("add")
@click.argument("agent_id", metavar="AGENT")
@click.option("--name", help="Display name (default: the id).")
@click.option("--set", "assignments", multiple=True, metavar="KEY=VALUE", help=SET_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the agent as JSON.")
@click.pass_obj
def add_agent(
    rt: Runtime, agent_id: str, name: str | None, assignments: tuple[str, ...], as_json: bool
) -> None:
    """Add an agent. Ids are slugs: lower-case letters, digits, '.', '_', '-'."""
    agent = rt.store.add_agent(agent_id, name, parse_assignments(assignments))
    if as_json:
        echo_json(agent.to_dict())
        return
    click.echo(f"Added agent {agent.id} ({one_line(agent.name)}).")


@agents.command("ls")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.pass_obj
def list_agents(rt: Runtime, as_json: bool) -> None:
    """List agents."""
    found = rt.reader.list_agents()
    if as_json:
        echo_json([agent.to_dict() for agent in found])
        return
    if not found:
        note("No agents yet. Add one with `agentsess agents add NAME`.")
        return
    table(
        ["ID", "NAME", "OVERRIDES", "CREATED"],
        [
            [
                agent.id,
                one_line(agent.name, 30),
                ", ".join(f"{k}={json.dumps(v)}" for k, v in sorted(agent.policy.items())) or "-",
                when(agent.created_at),
            ]
            for agent in found
        ],
    )


@agents.command("show")
@click.argument("agent_id", metavar="AGENT")
@click.option("--json", "as_json", is_flag=True, help="Print the agent as JSON.")
@click.pass_obj
def show_agent(rt: Runtime, agent_id: str, as_json: bool) -> None:
    """An agent: its policy, sessions by phase and memories."""
    store = rt.reader
    agent = store.get_agent(agent_id)
    policy = store.effective_policy(agent_id)
    now = rt.now()
    phases = {str(phase): 0 for phase in Phase}
    for session in store.list_sessions(agent_id=agent_id):
        phases[str(session.phase(now))] += 1
    memories = store.count_memories(agent_id=agent_id)
    if as_json:
        echo_json(
            {
                **agent.to_dict(),
                "effective_policy": policy.model_dump(),
                "sessions": phases,
                "memories": memories,
            }
        )
        return
    named = f" ({one_line(agent.name)})" if agent.name != agent.id else ""
    click.echo(f"Agent    {agent.id}{named}")
    click.echo(f"Created  {when(agent.created_at)}")
    click.echo("Sessions " + ", ".join(f"{count} {phase}" for phase, count in phases.items()))
    click.echo(f"Memories {memories} active")
    click.echo("")
    table(
        ["POLICY", "VALUE", "FROM"], policy_rows(policy, agent.policy, store.settings.policy_layers)
    )


@agents.command("policy")
@click.argument("agent_id", metavar="AGENT")
@click.option("--set", "assignments", multiple=True, metavar="KEY=VALUE", help=SET_HELP)
@click.option("--unset", multiple=True, metavar="KEY", help="Drop an override, repeatable.")
@click.option("--json", "as_json", is_flag=True, help="Print the policy as JSON.")
@click.pass_obj
def agent_policy(
    rt: Runtime,
    agent_id: str,
    assignments: tuple[str, ...],
    unset: tuple[str, ...],
    as_json: bool,
) -> None:
    """Show an agent's effective policy, or change its overrides.

    Changes apply to sessions created from now on; existing sessions keep the policy they
    were created with, also when resumed.

    \b
    Examples:
      agentsess agents policy research-bot
      agentsess agents policy research-bot --set window=2h --set auto-renew=true
      agentsess agents policy research-bot --unset window
    """
    store = rt.store
    if assignments or unset:
        agent = store.set_agent_policy(
            agent_id, parse_assignments(assignments), [field_name(key) for key in unset]
        )
    else:
        agent = store.get_agent(agent_id)
    policy = store.effective_policy(agent_id)
    if as_json:
        echo_json(
            {"agent_id": agent.id, "overrides": agent.policy, "effective": policy.model_dump()}
        )
        return
    if assignments or unset:
        click.echo(
            f"Updated the policy of {agent.id}; new sessions use it (existing sessions keep "
            "the policy they were created with, also when resumed)."
        )
    table(
        ["POLICY", "VALUE", "FROM"], policy_rows(policy, agent.policy, store.settings.policy_layers)
    )
