"""`agentsess-tui`: launch the app on the configured database (or `--demo` data), and
`make_app`, the factory that the script and the tests share."""

from __future__ import annotations

import contextlib
import gc
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from ..core.errors import AgentsessError

if TYPE_CHECKING:
    from ..core.clock import Clock
    from ..core.config import Paths, Settings
    from ..core.store import Store
    from .app import AgentsessApp
    from .delays import Delays


def make_app(
    store: Store,
    *,
    clock: Clock | None = None,
    settings: Settings | None = None,
    paths: Paths | None = None,
    theme: str | None = None,
    demo: bool = False,
    remember_theme: bool = True,
    blink: bool = True,
    delays: Delays | None = None,
) -> AgentsessApp:
    """The real app around a store: what `main` runs and what the tests drive."""
    from .app import AgentsessApp

    return AgentsessApp(
        store,
        clock=clock or store.clock,
        settings=settings,
        paths=paths,
        theme=theme,
        demo=demo,
        remember_theme=remember_theme,
        blink=blink,
        delays=delays,
    )


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while the app is built, then freeze what was built.

    Start-up creates a few hundred thousand objects that live as long as the app (modules,
    pydantic and CSS structures, widgets); the collector would walk them again and again for
    nothing, and every later full collection would too. In a pseudo-terminal with 10,000
    sessions (bench/tui.py) this took the first paint with the sessions listed from 0.61 s to
    0.53 s (medians of 21 starts).
    """
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def main(argv: list[str] | None = None) -> int:
    """The `agentsess-tui` script: its options are parsed by `command.agentsess_tui` (click)."""
    args = sys.argv[1:] if argv is None else argv
    if args == ["--version"]:
        # Answered before click is imported (it doubles the time): the same text click prints.
        print(f"agentsess-tui {__version__}")
        return 0
    from .command import agentsess_tui

    try:
        agentsess_tui.main(args, prog_name="agentsess-tui")  # always ends in SystemExit
    except SystemExit as done:
        if done.code is None or isinstance(done.code, int):
            return done.code or 0
        return 1


def run(db: str | None, *, theme: str | None = None, demo: bool = False) -> int:
    """Open the database (or demo data) and run the app until it quits; the exit code."""
    demo_dir: Path | None = None
    try:
        with gc_paused():
            # Imported here, not at the top, so that the pause covers pydantic, sqlite and
            # textual too (`make_app` imports the app).
            from ..core.clock import SystemClock
            from ..core.config import load_settings, resolve_paths
            from ..core.opening import UPGRADE_NOTICE, open_store
            from ..core.text import visible

            paths = resolve_paths()
            settings = load_settings(paths)
            clock = SystemClock()
            if demo:
                from .demo import build_demo

                demo_dir = Path(tempfile.mkdtemp(prefix="agentsess-demo-"))
                store = build_demo(demo_dir / "demo.db", clock.now_ms())
                store.clock = clock
            else:
                store = open_store(
                    db,
                    clock=clock,
                    settings=settings,
                    paths=paths,
                    on_upgrade=lambda path: print(
                        visible(UPGRADE_NOTICE.format(path=path)), file=sys.stderr, flush=True
                    ),
                )
            app = make_app(
                store,
                clock=clock,
                settings=settings,
                paths=paths,
                theme=theme,
                demo=demo,
            )
            app.freeze_after_load = True
        with app.collector.pacing():
            app.run()
    except AgentsessError as error:
        from ..core.text import one_line  # issue 10: error texts quote hostile input

        print(f"agentsess-tui: {one_line(str(error))}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130
    finally:
        if demo_dir is not None:
            shutil.rmtree(demo_dir, ignore_errors=True)
    return app.return_code or 0


if __name__ == "__main__":
    raise SystemExit(main())
