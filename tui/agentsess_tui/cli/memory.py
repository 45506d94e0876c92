"""`agentsess memory …`: an agent's long-term memories, which outlive every session."""

from __future__ import annotations

import sys
from typing import Any

import click

from ..core.errors import InvalidInput
from ..core.models import MEMORY_STATUSES, MEMORY_TYPES, Memory
from ..core.search import plain_snippet
from ..core.semantic.store_hooks import CATCH_UP, MODES
from ..core.text import one_line, visible
from ..core.validate import MAX_MEMORY_BYTES, memory_type
from .base import OrderedGroup, UsageProblem
from .context import Runtime, confirm, session_for, text_or_stdin
from .output import echo_json, highlighted, note, plural, table, when
from .session_actions import TOKEN_OPTION


def _memory_type(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """An unknown type is invalid input (exit 4) naming the types, like the core says it."""
    return None if value is None else memory_type(value)


# Not a click.Choice: that makes an unknown type a usage error (exit 2).
TYPE_OPTION: dict[str, Any] = {"callback": _memory_type, "metavar": "TYPE"}
TYPE_HELP = f"One of {', '.join(MEMORY_TYPES)}.  [default: fact]"


def memory_id(text: str) -> int:
    # ASCII digits, at most SQLite's 64-bit range: '²' is a digit to str.isdigit().
    if not (text.isascii() and text.isdigit()) or len(text) > 19 or not 1 <= int(text) < 2**63:
        raise InvalidInput(
            f"{one_line(text, 40)!r} is not a memory id; memory ids are positive numbers.",
            hint="List memories with `agentsess memory ls`.",
        )
    return int(text)


@click.group(cls=OrderedGroup)
def memory() -> None:
    """Long-term memories: they outlive sessions and are found by words and by meaning."""


@memory.command("remember")
@click.argument("text", metavar="TEXT|-")
@click.option("--agent", "agent_id", metavar="AGENT", help="Whose memory (without a session).")
@click.option("--session", "session_id", metavar="SESSION", help="Made in this live session.")
@TOKEN_OPTION
@click.option("--type", "kind", default="fact", help=TYPE_HELP, **TYPE_OPTION)
@click.option("--title", help="Short title (default: the first 50 characters).")
@click.option("--tag", "tags", multiple=True, help="A tag, repeatable (or comma-separated).")
@click.option("--confidence", type=float, default=0.8, show_default=True, help="0 to 1.")
@click.option("--json", "as_json", is_flag=True, help="Print the memory as JSON.")
@click.pass_obj
def remember(
    rt: Runtime,
    text: str,
    agent_id: str | None,
    session_id: str | None,
    token: str | None,
    kind: str,
    title: str | None,
    tags: tuple[str, ...],
    confidence: float,
    as_json: bool,
) -> None:
    """Store a memory for an agent ('-' reads the text from stdin).

    Say whose it is with --agent, --session, or a token (--token or AGENTSESS_TOKEN): made
    in a session, the session must be live, and the memory remembers where it came from.

    \b
    Examples:
      agentsess memory remember --agent research-bot "Prefers arXiv links" --type preference
      AGENTSESS_TOKEN=… agentsess memory remember "The deadline is Friday" --tag deadline
    """
    store = rt.store
    if token or session_id:
        session_id = session_for(rt, session_id, token, agent_id=agent_id)
    elif agent_id is None:
        raise UsageProblem(
            "Say whose memory this is: --agent, --session, or --token / AGENTSESS_TOKEN."
        )
    content = text_or_stdin(text, "memory", MAX_MEMORY_BYTES)
    made = store.remember(
        content,
        agent_id=agent_id,
        session_id=session_id,
        type=kind,
        title=title,
        tags=tags,
        confidence=confidence,
        # Embed now: the vector goes in with the memory, and a near-duplicate is superseded.
        embed=True,
    )
    if as_json:
        echo_json(made.to_dict())
        return
    where = f" in {made.session_id}" if made.session_id else ""
    replaced = f" (supersedes #{made.supersedes})" if made.supersedes else ""
    click.echo(
        f"Remembered #{made.id} ({made.type}) for {made.agent_id}{where}{replaced}: "
        f"{one_line(made.title)}"
    )
    if made.supersedes:
        note(
            f"#{made.supersedes} said nearly the same and is now superseded; undo with "
            f"`agentsess memory edit {made.supersedes} --status active`."
        )


@memory.command("recall")
@click.argument("query")
@click.option("--agent", "agent_id", metavar="AGENT", help="Only this agent's memories.")
@TOKEN_OPTION
@click.option("--type", "kind", help="Only this type.", **TYPE_OPTION)
@click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option(
    "--mode",
    type=click.Choice(MODES),
    default="hybrid",
    show_default=True,
    help="keyword: full text; semantic: by meaning; hybrid: both, fused.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of hits.")
@click.pass_obj
def recall(
    rt: Runtime,
    query: str,
    agent_id: str | None,
    token: str | None,
    kind: str | None,
    limit: int,
    mode: str,
    as_json: bool,
) -> None:
    """Search memories by words and by meaning, best matches first; each hit says why it
    matched (keyword, meaning with its similarity, or both).

    With a token (--token or AGENTSESS_TOKEN) only its session's agent's memories: an agent
    holding one session's token sees its own memories, never another agent's.
    """
    if token:
        agent_id = rt.store.verify_token(token.strip(), agent_id=agent_id).agent_id
    hits = rt.store.search_memories(query, agent_id=agent_id, type=kind, limit=limit, mode=mode)
    if as_json:
        echo_json(
            [
                {
                    **hit.memory.to_dict(),
                    "score": hit.score,
                    "snippet": plain_snippet(hit.snippet),
                    "why": hit.why,
                    "similarity": hit.similarity,
                }
                for hit in hits
            ]
        )
        return
    if not hits:
        note(f"No memories match {one_line(query)!r}.")
    for hit in hits:
        item = hit.memory
        click.echo(
            f"#{item.id}  {item.type}  {item.agent_id}  {item.confidence:.2f}  "
            f"{one_line(item.title, 70)}  [{hit.why}]"
        )
        if hit.snippet:
            click.echo(f"    {highlighted(hit.snippet)}")
    if mode != "keyword":
        missing = rt.store.unindexed_memories()
        if missing > CATCH_UP:
            note(
                f"{missing:,} memories have no vector yet and are found by keywords only; "
                "index them with `agentsess memory reindex`."
            )


@memory.command("reindex")
@click.option("--all", "everything", is_flag=True, help="Embed every memory anew.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def reindex(rt: Runtime, everything: bool, as_json: bool) -> None:
    """Give memories vectors for recall by meaning: those written before this version or
    while the model was not loaded, and all of them after a model change (a progress bar on
    stderr)."""
    store = rt.store
    total = store.unindexed_memories()
    if everything:
        total = store.count_memories(status=None)
    with click.progressbar(
        length=max(total, 1), label="Indexing memories", file=sys.stderr, show_pos=True
    ) as bar:
        result = store.reindex_memories(everything=everything, progress=bar.update)
    if as_json:
        echo_json(
            {
                "indexed": result.indexed,
                "seconds": round(result.seconds, 3),
                "per_second": round(result.per_second),
            }
        )
        return
    click.echo(
        f"Indexed {plural(result.indexed, 'memory')} in {result.seconds:.1f} s"
        + (f" ({result.per_second:,.0f}/s)." if result.indexed else ".")
    )


@memory.command("ls")
@click.option("--agent", "agent_id", metavar="AGENT", help="Only this agent's memories.")
@click.option("--type", "kind", help="Only this type.", **TYPE_OPTION)
@click.option(
    "--status",
    type=click.Choice([*MEMORY_STATUSES, "all"]),
    default="active",
    show_default=True,
)
@click.option("--session", "session_id", metavar="SESSION", help="Only those made in it.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.pass_obj
def list_memories(
    rt: Runtime,
    agent_id: str | None,
    kind: str | None,
    status: str,
    session_id: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """List memories, newest first."""
    found = rt.reader.list_memories(
        agent_id=agent_id,
        type=kind,
        status=None if status == "all" else status,
        session_id=session_id,
        limit=limit,
    )
    if as_json:
        echo_json([item.to_dict() for item in found])
        return
    if not found:
        note("No memories found. Store one with `agentsess memory remember --agent NAME TEXT`.")
        return
    table(
        ["ID", "AGENT", "TYPE", "CONF", "STATUS", "TITLE", "TAGS", "CREATED"],
        [
            [
                str(item.id),
                item.agent_id,
                item.type,
                f"{item.confidence:.2f}",
                item.status,
                one_line(item.title, 40),
                one_line(",".join(item.tags), 24) or "-",
                when(item.created_at),
            ]
            for item in found
        ],
    )


@memory.command("show")
@click.argument("ident", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the memory as JSON.")
@click.pass_obj
def show(rt: Runtime, ident: str, as_json: bool) -> None:
    """A memory in full."""
    item = rt.reader.get_memory(memory_id(ident))
    if as_json:
        echo_json(item.to_dict())
        return
    print_memory(item)


def print_memory(item: Memory) -> None:
    rows = [
        ("Memory", f"#{item.id}"),
        ("Agent", item.agent_id),
        ("Session", item.session_id or "-"),
        ("Type", item.type),
        ("Title", one_line(item.title)),
        ("Tags", one_line(", ".join(item.tags)) or "-"),
        ("Confidence", f"{item.confidence:.2f}"),
        ("Status", item.status),
        ("Created", when(item.created_at)),
        ("Updated", when(item.updated_at)),
    ]
    for label, value in rows:
        click.echo(f"{label.ljust(10)}  {value}")
    click.echo("")
    click.echo(visible(item.content.rstrip("\n")))


@memory.command("edit")
@click.argument("ident", metavar="ID")
@click.option("--content", help="New content ('-' reads stdin).")
@click.option("--title")
@click.option("--type", "kind", help="New type.", **TYPE_OPTION)
@click.option("--tag", "tags", multiple=True, help="Replace the tags (repeatable; '' clears).")
@click.option("--confidence", type=float, help="0 to 1.")
@click.option("--status", type=click.Choice(MEMORY_STATUSES))
@click.option("--json", "as_json", is_flag=True, help="Print the memory as JSON.")
@click.pass_obj
def edit(
    rt: Runtime,
    ident: str,
    content: str | None,
    title: str | None,
    kind: str | None,
    tags: tuple[str, ...],
    confidence: float | None,
    status: str | None,
    as_json: bool,
) -> None:
    """Change a memory: content, title, type, tags, confidence or status."""
    number = memory_id(ident)
    if not any(value is not None for value in (content, title, kind, confidence, status)) and (
        not tags
    ):
        raise UsageProblem(
            "Nothing to change: give --content, --title, --type, --tag, --confidence or --status."
        )
    if content is not None:
        content = text_or_stdin(content, "memory", MAX_MEMORY_BYTES)
    item = rt.store.update_memory(
        number,
        content=content,
        title=title,
        type=kind,
        tags=tags if tags else None,
        confidence=confidence,
        status=status,
    )
    if as_json:
        echo_json(item.to_dict())
        return
    click.echo(f"Updated memory #{item.id}: {one_line(item.title)}")


@memory.command("forget")
@click.argument("ident", metavar="ID")
@click.option("--purge", is_flag=True, help="Remove it for good (otherwise: status deleted).")
@click.option("-y", "--yes", is_flag=True, help="Do not ask before purging.")
@click.option("--json", "as_json", is_flag=True, help="Print the memory as JSON.")
@click.pass_obj
def forget(rt: Runtime, ident: str, purge: bool, yes: bool, as_json: bool) -> None:
    """Forget a memory: marked deleted (undo with `memory edit ID --status active`), or
    removed for good with --purge."""
    number = memory_id(ident)
    store = rt.store
    if purge:
        item = store.get_memory(number)
        confirm(f"Remove memory #{item.id} {one_line(item.title)!r} for good?", yes=yes)
    item = store.forget_memory(number, purge=purge)
    if as_json:
        echo_json({**item.to_dict(), "purged": purge})
        return
    if purge:
        click.echo(f"Purged memory #{item.id}.")
    else:
        click.echo(
            f"Forgot memory #{item.id} (status deleted; undo with "
            f"`agentsess memory edit {item.id} --status active`)."
        )
