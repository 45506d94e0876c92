"""Scenes of the app on demo data with a frozen clock: `make screenshots` writes them to
`screenshots/`, and the snapshot tests compare the same scenes against stored SVGs.

    python -m agentsess_tui.app.screenshots screenshots
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from ..core.clock import ManualClock
from ..core.config import resolve_paths
from ..core.store import Store
from .app import AgentsessApp
from .delays import Delays
from .demo import build_demo
from .main import make_app

DEMO_NOW = "2026-03-02T14:00:00Z"


@dataclass(frozen=True)
class Scene:
    name: str
    caption: str
    keys: tuple[str, ...] = ()
    size: tuple[int, int] = (120, 36)
    theme: str | None = None
    empty: bool = False
    command: str = ""  # then runs this command-palette entry (commands.session_actions)


SMALL = (80, 24)


SCENES: tuple[Scene, ...] = (
    Scene("main", "Sessions in every phase, with live countdowns"),
    Scene("chat", "A conversation in an auto-renewing session", keys=("j",)),
    Scene("memories", "The memory inspector: search, type filter, detail", keys=("j", "m")),
    Scene("new-session", "Creating a session", keys=("n",)),
    Scene("extend", "Extend by a duration you type", keys=("j", "E", "2", "h")),
    Scene("help", "Every key, the slash commands and the colours", keys=("question_mark",)),
    Scene("welcome", "First launch on an empty database", empty=True),
    Scene("light", "The light theme", keys=("j",), theme="agentsess-light"),
    Scene("high-contrast", "The high-contrast theme", theme="agentsess-high-contrast"),
    Scene("narrow", "An 80×24 terminal", size=SMALL),
    # Every dialog at 80×24, the smallest terminal we support: all of it fits or scrolls.
    Scene("dialog-new-session", "New session at 80×24", keys=("n",), size=SMALL),
    Scene("dialog-extend", "Extend by at 80×24", keys=("E", "2", "h"), size=SMALL),
    Scene("dialog-delete", "Confirm delete at 80×24", keys=("d",), size=SMALL),
    Scene("dialog-clear", "Confirm clear at 80×24", keys=("c",), size=SMALL),
    Scene("dialog-end", "Confirm end at 80×24", keys=("x",), size=SMALL),
    Scene("dialog-memory-add", "Add a memory at 80×24", keys=("a",), size=SMALL),
    Scene(
        "dialog-memory-edit",
        "Edit a memory at 80×24",
        keys=("m", "tab", "tab", "enter"),
        size=SMALL,
    ),
    Scene(
        "dialog-responder", "Responder settings at 80×24", command="Responder settings…", size=SMALL
    ),
    Scene("dialog-help", "Help at 80×24", keys=("question_mark",), size=SMALL),
    Scene("dialog-token", "The whole token at 80×24", command="Show token…", size=SMALL),
)


async def settle(pilot: Pilot[None]) -> None:
    """Let thread workers finish and their results reach the screen."""
    for _ in range(4):
        # WorkerCancelled: an exclusive worker was replaced by a newer one; wait for that one.
        with contextlib.suppress(WorkerCancelled):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def build_app(scene: Scene, home: Path) -> AgentsessApp:
    """The real app on fresh demo data (or an empty database) as of DEMO_NOW."""
    clock = ManualClock(DEMO_NOW)
    database = home / f"{scene.name}.db"
    if scene.empty:
        store = Store(database, clock=clock, key=b"screenshots-key-not-a-secret!!!!")
    else:
        store = build_demo(database, clock.now_ms())
        store.clock = clock
    app = make_app(
        store,
        clock=clock,
        paths=resolve_paths(),
        theme=scene.theme,
        demo=not scene.empty,
        remember_theme=False,
        blink=False,
        # A picture of a scene must not depend on how fast the machine is: nothing is built
        # ahead on a timer (the dialogs are built when the scene opens them).
        delays=Delays(prebuild=None),
    )
    if scene.empty:
        app.sub_title = "~/.local/share/agentsess/agentsess.db"  # not the temporary path
    return app


async def prepare(pilot: Pilot[None], scene: Scene) -> None:
    await settle(pilot)
    for key in scene.keys:
        await pilot.press(key)
        await settle(pilot)
    if scene.command:
        from .commands import session_actions
        from .screens.main import MainScreen

        main = pilot.app.screen
        if not isinstance(main, MainScreen):
            raise RuntimeError(f"scene {scene.name!r} needs the main screen")
        (run,) = [run for name, _help, run in session_actions(main) if name == scene.command]
        run()
        await settle(pilot)
    # The chat pane follows the cursor after a short debounce.
    await pilot.pause(0.1)
    await settle(pilot)


async def capture(scene: Scene, home: Path, out_dir: Path) -> Path:
    app = build_app(scene, home)
    async with app.run_test(size=scene.size) as pilot:
        await prepare(pilot, scene)
        path = out_dir / f"{scene.name}.svg"
        app.save_screenshot(path.name, str(out_dir))
    return path


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out_dir = Path(args[0] if args else "screenshots").resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    os.environ["TZ"] = "UTC"
    time.tzset()
    with tempfile.TemporaryDirectory(prefix="agentsess-shots-") as home:
        os.environ["AGENTSESS_HOME"] = home
        for scene in SCENES:
            path = asyncio.run(capture(scene, Path(home), out_dir))
            print(f"{path}  {scene.caption}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
