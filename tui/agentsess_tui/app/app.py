"""The Textual app: owns the store, the clock, settings and themes; screens do the rest."""

from __future__ import annotations

import gc
import threading
from asyncio import CancelledError
from pathlib import Path
from typing import Any, ClassVar

from textual import events, on
from textual.app import App
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.theme import BUILTIN_THEMES, Theme

from ..core.clock import Clock, SystemClock
from ..core.config import Paths, Settings
from ..core.errors import AgentsessError
from ..core.store import Store
from ..core.text import visible
from . import warmup
from .collector import QuietCollector
from .commands import MessageSearchCommands, SessionActionCommands, SessionCommands
from .delays import Delays
from .messages import StoreFailed
from .screens.help import HelpScreen
from .screens.main import MainScreen
from .screens.modals import hold_key
from .state import load_state, save_state
from .themes import DEFAULT_THEME, load_themes


class AgentsessApp(App[None]):
    TITLE = "agentsess"
    CSS_PATH = "app.tcss"
    COMMANDS: ClassVar = App.COMMANDS | {
        SessionCommands,
        MessageSearchCommands,
        SessionActionCommands,
    }
    # Classes on the screen by terminal width: the stylesheet narrows the side panes.
    HORIZONTAL_BREAKPOINTS = [
        (0, "-narrow"),
        (100, "-normal"),
        (160, "-wide"),
    ]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="force_quit"),
        Binding("f1", "show_help", "Help", show=False, id="help_f1", tooltip="Show all keys"),
    ]

    def __init__(
        self,
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
    ) -> None:
        # Every theme by name, for `get_theme` (filled by `register_theme`).
        self._themes_by_name: dict[str, Theme] = dict(BUILTIN_THEMES)
        super().__init__()
        self.blink = blink
        self.delays = delays or Delays()
        self.store = store
        self.clock: Clock = clock or SystemClock()
        self.settings = settings or store.settings
        self.paths = paths
        self.demo = demo
        self._state_file: Path | None = paths.state_file if paths and remember_theme else None
        # A theme tried on demo data is not the user's choice: it is not saved.
        self._save_theme = not demo
        self._startup_notes: list[tuple[str, str]] = []
        # Set by `main` (see `first_load_shown`); not in tests, where many apps share one
        # process and what one freezes would never be collected.
        self.freeze_after_load = False
        # Full collections wait for a pause in the typing (`main` turns the pacing on).
        self.collector = QuietCollector()
        self.warm_up_thread: threading.Thread | None = None
        self.settled = False  # start-up's work is over (`start_up_settled`)
        self._help: HelpScreen | None = None  # kept once shown (action_show_help)
        self._load_themes(theme)
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)
        if demo:
            self.sub_title = "demo data (temporary database)"
        else:
            self.sub_title = str(store.path)

    def _load_themes(self, requested: str | None) -> None:
        themes = load_themes(self.paths.themes_dir if self.paths else None)
        for theme in themes.themes.values():
            self.register_theme(theme)
        if themes.errors:
            self._startup_notes.append(
                (
                    "Some theme files could not be loaded and were skipped:\n"
                    + "\n".join(f"• {error}" for error in themes.errors),
                    "warning",
                )
            )
        remembered = load_state(self._state_file).get("theme") if self._state_file else None
        wanted = requested or remembered or self.settings.ui.theme or DEFAULT_THEME
        if wanted not in self.available_themes:
            self._startup_notes.append(
                (f"There is no theme {wanted!r}; using {DEFAULT_THEME}.", "warning")
            )
            wanted = DEFAULT_THEME
        self.theme = wanted

    def register_theme(self, theme: Theme) -> None:
        super().register_theme(theme)
        self._themes_by_name[theme.name] = theme

    def unregister_theme(self, theme_name: str) -> None:
        super().unregister_theme(theme_name)
        self._themes_by_name.pop(theme_name, None)

    def get_theme(self, theme_name: str) -> Theme | None:
        # Textual's lookup copies every registered theme (available_themes), and the current
        # theme is looked up for each line it renders: a real share of idle CPU.
        for name in theme_name.split(","):
            theme = self._themes_by_name.get(name.strip())
            if theme is not None:
                return theme
        return None

    def first_load_shown(self) -> None:
        """Every session is loaded and shown.

        What that built lives as long as the app (the sessions, their row caches), so it goes
        out of the collector's way like start-up's objects (`main.gc_paused`). Otherwise every
        full collection walks it again: with 10,000 sessions one took 36 ms, a sixth of the
        app's idle CPU.
        """
        if self.freeze_after_load:
            gc.freeze()
        if self.warm_up_thread is None:
            self.set_timer(warmup.WARM_UP_AFTER, self._warm_up)
            if self.delays.prebuild:
                self.set_timer(self.delays.prebuild, self.prebuild)
            elif self.delays.prebuild is not None:
                self.call_after_refresh(self.prebuild)

    def _warm_up(self) -> None:
        self.warm_up_thread = warmup.warm_up()

    @property
    def warmed_up(self) -> bool:
        """The modules a first reply needs are imported (see warmup.py)."""
        return self.warm_up_thread is not None and not self.warm_up_thread.is_alive()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            self.collector.input_seen()
        # Keys typed while a dialog opens wait for its first field (see modals.hold_key).
        if hold_key(self, event):
            return
        # Keys typed right after enter on the session list wait for the chat (handoff.py).
        for screen in self.screen_stack:  # the main screen's, also while a dialog is up
            handoff = getattr(screen, "handoff", None)
            if handoff is not None and handoff.hold(self, event):
                return
        await super().on_event(event)
        for screen in self.screen_stack:
            handoff = getattr(screen, "handoff", None)
            if handoff is not None:
                handoff.handled(self, event)

    def _fatal_error(self) -> None:
        # Issue 10: Textual's crash report shows every frame's local variables (activation
        # ids, tokens, message text); ours shows the traceback without them.
        import rich
        from rich.segment import Segments
        from rich.traceback import Traceback

        self.bell()
        report = Traceback(show_locals=False, width=None, suppress=[rich])
        self._exit_renderables.append(Segments(self.console.render(report, self.console.options)))
        self._close_messages_no_wait()

    def on_mount(self) -> None:
        self.push_screen(MainScreen())
        if self.settings.keymap:
            self.call_after_refresh(self._check_keymap)
        for message, severity in self._startup_notes:
            self.notify(
                message,
                severity="warning" if severity == "warning" else "information",
                timeout=12,
                markup=False,
            )

    def _check_keymap(self) -> None:
        """A `[keymap]` id that names no binding did nothing, silently: say so (as for a
        theme that does not load)."""
        from .screens.keys import known_binding_ids

        unknown = sorted(set(self.settings.keymap) - known_binding_ids())
        if unknown:
            self.notify(
                f"[keymap] names no binding {', '.join(repr(name) for name in unknown)}; "
                "those lines do nothing. The help screen (?) lists every binding id.",
                title="Unknown key bindings",
                severity="warning",
                timeout=12,
            )

    def watch_theme(self, theme: str) -> None:
        if self._state_file is not None and self.is_running and self._save_theme:
            save_state(self._state_file, theme=theme)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every notification of the app: title and text escaped for the terminal (they quote
        agent text and error messages) and never parsed as markup."""
        super().notify(
            visible(message), title=visible(title), severity=severity, timeout=timeout, markup=False
        )

    @on(StoreFailed)
    def _store_failed(self, event: StoreFailed) -> None:
        self.show_error(event.error)

    def report_unexpected(self, error: BaseException | None) -> None:
        """A bug or an unforeseen failure in background work: say so, keep running."""
        if error is None or isinstance(error, CancelledError):
            return
        if isinstance(error, AgentsessError):
            self.show_error(error)
            return
        self.log.error(error)
        self.notify(
            f"{type(error).__name__}: {error}. The app keeps running; if this repeats, "
            "please report it with the steps that led here.",
            title="Something went wrong",
            severity="error",
            timeout=15,
            markup=False,
        )

    def show_error(self, error: AgentsessError) -> None:
        """Every core error as a readable notification: what happened, what to do."""
        self.notify(str(error), title=error.title, severity="error", timeout=10, markup=False)

    def action_show_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        if self._help is None:
            help_screen = self._build_help()
        else:
            help_screen = self._help
            help_screen.reopen()
        self.push_screen(help_screen)

    def _build_help(self) -> HelpScreen:
        # One help, kept (installed) and opened again: its text is the same all run long.
        self._help = HelpScreen()
        self.install_screen(self._help, "help")
        return self._help

    def prebuild(self) -> None:
        """Build the new-session dialog and the help now, without showing them.

        Their first opening composed them (~50 widgets for the new-session dialog). Textual
        builds a screen when it is first pushed: `App._get_screen` starts it. That private
        call (textual is pinned; tests/app/test_dialogs_opening.py fails if it stops working)
        builds them here while the person reads the list, so the first `n` or `?` opens a
        kept screen, as every later one does. What is left of a first opening is Textual
        laying out and drawing each widget for the first time (it draws only the current
        screen). Waits for the warm-up's imports, which share the time better in a thread.
        """
        if self.warm_up_thread is not None and self.warm_up_thread.is_alive():
            self.set_timer(0.2, self.prebuild)
            return
        main = next((one for one in self.screen_stack if isinstance(one, MainScreen)), None)
        built: list[Screen[Any]] = [main.actions.new_session_dialog()] if main else []
        if self._help is None:
            built.append(self._build_help())
        for screen in built:
            if not screen.is_running:
                self._get_screen(screen)
        # Only the new-session dialog: the help's drawn lines held ahead cost ~1 MB of RSS,
        # which start-up has little of to spare (bench/results/tui.md).
        self.call_after_refresh(self._lay_out_ahead, built[:1] if main else [], 20)

    def _below_a_push(self) -> list[Screen[Any]]:
        """The screens a screen pushed now would be drawn over (as `_background_screens`)."""
        below: list[Screen[Any]] = []
        for screen in reversed(self.screen_stack):
            below.insert(0, screen)
            if screen.styles.background.a == 1:
                break
        return below

    def _lay_out_ahead(self, built: list[Screen[Any]], tries: int) -> None:
        """Lay out and draw the screens built ahead once, into nothing, at the terminal's size.

        A screen shown for the first time is laid out twice (every widget's first size sets
        its `virtual_size`, which asks for another layout) and each widget draws for the
        first time, over the list it dims: most of the new-session dialog's first opening
        (in Pilot ~400 ms; now as fast as a later one). Textual's compositor does
        all of it for a screen that is not current too (private calls of the pinned textual;
        the output is dropped, the terminal sees nothing). A later resize or theme change
        lays out or restyles as usual.
        """
        if not self.screen_stack:  # the app is closing (the timer outlived its screens)
            return
        waiting = [screen for screen in built if not screen.is_mounted]
        if waiting and tries > 0:
            self.set_timer(0.1, lambda: self._lay_out_ahead(built, tries - 1))
            return
        again = []
        for screen in built:
            if not screen.is_mounted or screen is self.screen:
                continue
            # The first layout's sizes ask for another one, by messages that arrive later:
            # a non-current screen keeps the request (`_layout_required`) for its showing.
            if screen._size != self.size or screen._layout_required:
                screen._layout_required = False
                screen._refresh_layout(self.size)
                # Drawn over the screens it will be shown over (a dialog dims the list).
                screen._compositor.render_update(full=True, screen_stack=self._below_a_push())
                again.append(screen)
        if again and tries > 0:
            self.set_timer(0.1, lambda: self._lay_out_ahead(again, tries - 1))
            return
        self.start_up_settled()

    def start_up_settled(self) -> None:
        """Start-up's work is over: the warm-up imported, the dialogs are built and laid out.

        Like what the first load built (`first_load_shown`), that lives as long as the app:
        collected once, so that no garbage is kept, then frozen. Otherwise every full
        collection walks it again (60,000-75,000 objects, 40-90 ms each time, collector.py).
        """
        self.settled = True
        if self.freeze_after_load:
            gc.collect()
            gc.freeze()

    # The main screen's actions are commands too: commands.SessionActionCommands (any focus).
