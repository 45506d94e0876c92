"""`agentsess keys`: API keys for `agentsess serve` (shown once, stored hashed)."""

from __future__ import annotations

import click

from ..core.clock import to_iso
from ..core.repo.keys import ApiKeys
from .base import OrderedGroup
from .context import Runtime
from .output import echo_json


@click.group("keys", cls=OrderedGroup)
def keys() -> None:
    """API keys for the HTTP server and MCP over HTTP."""


@keys.command("create")
@click.argument("name")
@click.option("--agent", "agents", multiple=True, help="Only this agent (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def create(rt: Runtime, name: str, agents: tuple[str, ...], as_json: bool) -> None:
    """Create a key. It is printed once: store it now; only its hash is kept."""
    key, record = ApiKeys(rt.store.db, rt.store.clock).create(name, agents)
    if as_json:
        echo_json({**record.to_dict(), "key": key})
        return
    click.echo(key)
    scope = ", ".join(record.agents) or "every agent"
    click.echo(f"Created key {record.name!r} for {scope}. It is not shown again.", err=True)


@keys.command("ls")
@click.option("--json", "as_json", is_flag=True, help="Print the keys as JSON.")
@click.pass_obj
def ls(rt: Runtime, as_json: bool) -> None:
    """List keys (their prefixes, never the keys)."""
    records = ApiKeys(rt.store.db, rt.store.clock).list()
    if as_json:
        echo_json([r.to_dict() for r in records])
        return
    if not records:
        click.echo("No API keys. Create one with `agentsess keys create NAME`.")
        return
    for r in records:
        state = f"revoked {to_iso(r.revoked_at)}" if r.revoked else "active"
        scope = ",".join(r.agents) or "*"
        click.echo(f"{r.name:<24} {r.prefix}…  agents={scope:<20} {state}")


@keys.command("revoke")
@click.argument("name")
@click.pass_obj
def revoke(rt: Runtime, name: str) -> None:
    """Revoke a key (by name or prefix); it stops working at once."""
    record = ApiKeys(rt.store.db, rt.store.clock).revoke(name)
    click.echo(f"Revoked key {record.name!r} ({record.prefix}…).")
