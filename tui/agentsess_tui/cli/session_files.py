"""`agentsess sessions export|import`: sessions as JSON, Markdown or Agentry .toon files."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import click

from ..core.errors import AlreadyExists, StorageError
from ..core.files import atomic_writer
from ..core.transfer import (
    FORMATS,
    MAX_IMPORT_BYTES,
    Format,
    default_filename,
    import_file,
    import_text,
    write_export,
)
from .context import Runtime, read_stdin
from .describe import quoted, session_result
from .output import echo_json, note, plural

SUFFIX_FORMATS: dict[str, Format] = {".json": "json", ".md": "md", ".toon": "toon"}


@click.command("export")
@click.argument("session_id", metavar="SESSION")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="json (everything, re-importable), md (a readable transcript) or toon (Agentry). "
    "Default: from the file name, else json.",
)
@click.option(
    "-o",
    "--output",
    metavar="FILE|-",
    help="Where to write ('-' for stdout). Default: <id>.json, <id>.md or <id>_chat.toon here.",
)
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@click.pass_obj
def export(rt: Runtime, session_id: str, fmt: str | None, output: str | None, force: bool) -> None:
    """Write a session to a file (or stdout)."""
    store = rt.reader
    session = store.get_session(session_id)
    chosen: Format = cast(Format, fmt) if fmt else "json"
    if fmt is None and output not in (None, "-"):
        chosen = SUFFIX_FORMATS.get(Path(str(output)).suffix.lower(), "json")
    if output == "-":
        write_export(store, session_id, chosen, lambda text: click.echo(text, nl=False))
        click.echo()
        return
    path = Path(output or default_filename(session, chosen))
    refuse_existing(path, force=force)
    try:
        with atomic_writer(path) as handle:
            write_export(store, session_id, chosen, handle.write)
            handle.write("\n")
    except OSError as exc:
        raise StorageError(
            f"Cannot write {path}: {exc.strerror or exc}.",
            hint="Check that the directory exists and is writable.",
        ) from None
    note(f"Exported {session.id} {quoted(session.title)} as {chosen} to {path}.")


def refuse_existing(path: Path, *, force: bool) -> None:
    if path.exists() and not force:
        raise AlreadyExists(
            f"{path} exists already; nothing was written.",
            hint="Pass --force to overwrite it, or choose another file with -o.",
        )


@click.command("import")
@click.argument("file", metavar="FILE|-")
@click.option("--agent", "agent_id", metavar="AGENT", help="Give the session to this agent.")
@click.option("--new-id", is_flag=True, help="Import as a copy with a new id.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def import_(rt: Runtime, file: str, agent_id: str | None, new_id: bool, as_json: bool) -> None:
    """Import a session from a JSON export or an Agentry .toon file ('-' for stdin).

    All or nothing: a malformed file writes nothing. The session arrives inactive; resume
    it to continue.
    """
    store = rt.store
    if file == "-":
        text = read_stdin("session file", MAX_IMPORT_BYTES)
        result = import_text(store, text, source="stdin", agent_id=agent_id, new_id=new_id)
    else:
        result = import_file(store, file, agent_id=agent_id, new_id=new_id)
    session = result.session
    if as_json:
        echo_json(
            session_result(
                session,
                rt.now(),
                format=result.format,
                messages=result.messages,
                memories=result.memories,
                events=result.events,
                notes=result.notes,
            )
        )
        return
    click.echo(
        f"Imported {session.id} {quoted(session.title)} (agent {session.agent_id}, "
        f"{result.format}): {plural(result.messages, 'message')}, "
        f"{plural(result.memories, 'memory')}, {plural(result.events, 'event')}."
    )
    for line in result.notes:
        click.echo(f"Note: {line}.")
    click.echo(f"It is {session.state}; continue it with `agentsess sessions resume {session.id}`.")
