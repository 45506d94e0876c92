"""The command groups: commands listed in the order they are declared, a few aliases, and
the one place where errors become one line on stderr and an exit code."""

from __future__ import annotations

import errno
import os
import sys
from typing import IO, Any

import click

from ..core.errors import AgentsessError
from ..core.text import one_line

ALIASES = {"list": "ls", "delete": "rm", "remove": "rm"}


class UsageProblem(click.ClickException):
    """A command used in a way that cannot work (exit 2), said on one line like other errors."""

    exit_code = 2

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"agentsess: {one_line(self.format_message())}", err=True)


class OrderedGroup(click.Group):
    """Help lists commands as declared (a lifecycle reads better than an alphabet)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in ALIASES:
            command = super().get_command(ctx, ALIASES[cmd_name])
        return command


def one_line_usage(exc: click.UsageError) -> click.ClickException:
    """click's usage error (usage, blank line, "Try …", "Error: …") as our one line, with the
    `--help` hint kept; a huge value in it is cut short."""
    if isinstance(exc, click.exceptions.NoArgsIsHelpError):
        return exc  # a bare group prints its help: that is not an error line
    ctx = exc.ctx
    path = ctx.command_path if ctx is not None else "agentsess"
    message = one_line(exc.format_message(), 240)
    return UsageProblem(f"{message} Try '{path} --help' for help.")


class AgentsessGroup(OrderedGroup):
    """The root group: every error of every command is caught here, once."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:  # the root's own options
            raise one_line_usage(exc) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AgentsessError as exc:
            fail(exc.message, exc.hint, exc.exit_code)
        except click.UsageError as exc:
            raise one_line_usage(exc) from None
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except OSError as exc:
            if exc.errno == errno.EPIPE:  # `agentsess … | head`: click exits quietly
                raise
            unexpected(exc)
        except Exception as exc:
            sqlite3 = sys.modules.get("sqlite3")
            if sqlite3 is not None and isinstance(exc, sqlite3.Error):
                # A store path that missed its translation: still a lock (13) or storage
                # error (14), never "unexpected".
                from ..core.db import translate

                error = translate(exc)
                fail(error.message, error.hint, error.exit_code)
            unexpected(exc)


def fail(message: str, hint: str | None, code: int) -> None:
    """`agentsess: <what happened> <what to do>` on one line of stderr, then exit `code`."""
    text = one_line(f"{message} {hint}" if hint else message)
    click.echo(f"agentsess: {text}", err=True)
    raise click.exceptions.Exit(code)


def unexpected(exc: Exception) -> None:
    if debug_enabled():
        raise exc
    detail = str(exc) or type(exc).__name__
    fail(
        f"unexpected error: {type(exc).__name__}: {detail}",
        "(run again with AGENTSESS_DEBUG=1 for a traceback, and report it)",
        1,
    )


def debug_enabled() -> bool:
    return os.environ.get("AGENTSESS_DEBUG", "") not in ("", "0")
