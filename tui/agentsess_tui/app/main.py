"""`agentsess-tui`: launch the app on the configured database (or `--demo` data)."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from ..core.clock import Clock, SystemClock
from ..core.config import Paths, Settings, load_settings, resolve_paths
from ..core.errors import AgentsessError
from ..core.store import Store, open_store

if TYPE_CHECKING:
    from .app import AgentsessApp


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
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="agentsess-tui",
        description="Watch and drive AI agent sessions: live countdowns, chat, memories.",
        epilog="Agents and scripts use the same database with the `agentsess` command.",
    )
    parser.add_argument("--db", help="database file (default: AGENTSESS_DB or the data dir)")
    parser.add_argument("--theme", help="theme name, e.g. agentsess-light")
    parser.add_argument(
        "--demo", action="store_true", help="open a temporary database filled with sample data"
    )
    parser.add_argument("--version", action="version", version=f"agentsess-tui {__version__}")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    demo_dir: Path | None = None
    try:
        paths = resolve_paths()
        settings = load_settings(paths)
        clock = SystemClock()
        if args.demo:
            from .demo import build_demo

            demo_dir = Path(tempfile.mkdtemp(prefix="agentsess-demo-"))
            store = build_demo(demo_dir / "demo.db", clock.now_ms())
            store.clock = clock
        else:
            store = open_store(args.db, clock=clock, settings=settings, paths=paths)
        app = make_app(
            store, clock=clock, settings=settings, paths=paths, theme=args.theme, demo=args.demo
        )
        app.run()
    except AgentsessError as error:
        print(f"agentsess-tui: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130
    finally:
        if demo_dir is not None:
            shutil.rmtree(demo_dir, ignore_errors=True)
    return app.return_code or 0


if __name__ == "__main__":
    raise SystemExit(main())
