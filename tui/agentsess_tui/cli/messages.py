"""`agentsess messages add|tail`: write to a session's conversation, read or follow it."""

from __future__ import annotations

import time

import click

from ..core.models import ROLES, Message
from ..core.text import visible
from .base import OrderedGroup, UsageProblem
from .context import MAX_COUNT, Runtime, session_for, text_or_stdin
from .describe import expiry_text
from .output import echo_json, json_line, when
from .session_actions import TOKEN_OPTION


@click.group(cls=OrderedGroup)
def messages() -> None:
    """A session's conversation."""


@messages.command("add")
@click.argument("args", nargs=-1, metavar="[SESSION] TEXT|-")
@click.option(
    "--role", type=click.Choice(ROLES), default="user", show_default=True, help="Who speaks."
)
@TOKEN_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the message as JSON.")
@click.pass_obj
def add(rt: Runtime, args: tuple[str, ...], role: str, token: str | None, as_json: bool) -> None:
    """Append a message to a live session ('-' reads the text from stdin).

    With a token (--token or AGENTSESS_TOKEN) the session can be left out. A message counts
    as activity: an auto-renewing session slides its expiry forward.

    \b
    Examples:
      agentsess messages add SESSION "Find papers on X"
      git diff | agentsess messages add SESSION --role tool -
      AGENTSESS_TOKEN=… agentsess messages add --role assistant "Done."
    """
    if len(args) == 2:
        session_id, text = args
    elif len(args) == 1 and token:
        session_id, text = None, args[0]
    elif len(args) == 1:
        raise UsageProblem("Give SESSION and TEXT, or authenticate with --token / AGENTSESS_TOKEN.")
    else:
        raise UsageProblem(
            "Expected [SESSION] TEXT; quote a text with spaces, or use '-' to read stdin."
        )
    store = rt.store
    target = session_for(rt, session_id, token)
    if text == "-":
        store.get_session(target)  # a wrong id says so before stdin is read
    content = text_or_stdin(text, "message")
    message = store.add_message(target, content, role=role)
    if as_json:
        echo_json(message.to_dict())
        return
    session = store.get_session(target)
    click.echo(
        f"Added message {message.id} ({role}) to {target}; {expiry_text(session, rt.now())}."
    )


@messages.command("tail")
@click.argument("session_id", metavar="SESSION")
@click.option(
    "-n",
    "--lines",
    "count",
    type=click.IntRange(1, MAX_COUNT),
    default=20,
    show_default=True,
    help="How many of the last messages to show.",
)
@click.option("-f", "--follow", is_flag=True, help="Keep printing new messages (Ctrl-C stops).")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="A JSON array; with --follow, one JSON object per line (JSON Lines).",
)
@click.option("--poll-interval", type=float, default=0.5, hidden=True)
@click.pass_obj
def tail(
    rt: Runtime, session_id: str, count: int, follow: bool, as_json: bool, poll_interval: float
) -> None:
    """Show a session's last messages, and follow new ones with -f."""
    store = rt.reader
    store.get_session(session_id)  # a typo says so instead of printing nothing
    version = store.data_version()
    recent = store.messages(session_id, limit=count)
    if as_json and not follow:
        echo_json([message.to_dict() for message in recent])
        return
    for message in recent:
        show_message(message, as_json)
    if not follow:
        return
    last_id = recent[-1].id if recent else 0
    try:
        while True:
            time.sleep(poll_interval)
            current = store.data_version()
            if current == version:
                continue
            version = current
            store.get_session(session_id)  # deleted meanwhile: say so and stop
            while True:
                page = store.messages(session_id, after_id=last_id, limit=500)
                for message in page:
                    show_message(message, as_json)
                    last_id = message.id
                if len(page) < 500:
                    break
    except KeyboardInterrupt:
        return


def show_message(message: Message, as_json: bool) -> None:
    if as_json:
        click.echo(json_line(message.to_dict()))
        return
    head = f"{when(message.created_at)}  {message.role.ljust(9)}  "
    lines = visible(message.content.rstrip("\n")).split("\n")
    indent = " " * len(head)
    click.echo(head + lines[0] + "".join(f"\n{indent}{line}" for line in lines[1:]))
