"""The command groups: commands listed in the order they are declared, loaded on first use,
a few aliases, and the one place where errors become one line on stderr and an exit code.

Kept light: `agentsess --version` imports this module and click, and nothing of the store.
"""

from __future__ import annotations

import errno
import importlib
import os
import sys
from collections.abc import Mapping
from typing import IO, Any

import click

from ..core.errors import AgentsessError
from ..core.text import one_line  # light (re, unicodedata): fine on the --version path

ALIASES = {"list": "ls", "delete": "rm", "remove": "rm"}


class UsageProblem(click.ClickException):
    """A command used in a way that cannot work (exit 2), said on one line like other errors."""

    exit_code = 2

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"agentsess: {one_line(self.format_message())}", err=True)


class OrderedGroup(click.Group):
    """Help lists commands as declared (a lifecycle reads better than an alphabet).

    A command may be declared lazily, as `"package.module:attribute"` (click's LazyGroup
    pattern): its module is imported only when the command is run, completed, or listed in
    help. An agent calling `agentsess sessions ls` in a loop then pays for `ls`, not for
    every command's imports (pydantic, the import/export formats, Textual).
    """

    def __init__(
        self, *args: Any, lazy_commands: Mapping[str, str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.order: list[str] = list(self.commands)
        self.lazy_commands: dict[str, str] = {}
        for name, target in (lazy_commands or {}).items():
            self.add_lazy_command(name, target)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        super().add_command(cmd, name)
        name = name or cmd.name
        if name is not None and name not in self.order:
            self.order.append(name)

    def add_lazy_command(self, name: str, target: str) -> None:
        """Declare `name`, defined by `target` ("package.module:attribute"), in this place."""
        if ":" not in target:
            raise ValueError(f"lazy command {name!r}: {target!r} is not 'module:attribute'")
        self.lazy_commands[name] = target
        if name not in self.order:
            self.order.append(name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.order)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = self._command(ctx, cmd_name)
        if command is None and cmd_name in ALIASES:
            command = self._command(ctx, ALIASES[cmd_name])
        return command

    def _command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy_commands:
            module_name, _, attribute = self.lazy_commands[cmd_name].partition(":")
            command = getattr(importlib.import_module(module_name), attribute)
            if not isinstance(command, click.Command):
                target = self.lazy_commands[cmd_name]
                raise TypeError(f"lazy command {cmd_name!r}: {target} is not a click command")
            # Registered under the declared name, so it is imported once.
            super().add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)


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
                from ..core.sqlite_errors import translate

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
