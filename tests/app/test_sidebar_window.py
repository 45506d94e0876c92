"""The sidebar over a long history: live sessions and a window of history paged in as the
person scrolls, jumps or filters; counts from the maintained counter; change batches apply
only the rows that changed."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from many_sessions import RARE_TITLE, many_sessions
from textual.widgets import Input, Static

from agentsess_tui.app.app import AgentsessApp
from agentsess_tui.app.delays import Delays
from agentsess_tui.app.main import make_app
from agentsess_tui.app.panes.chat import ChatPane
from agentsess_tui.app.panes.sidebar import FILTER_LIMIT, Sidebar
from agentsess_tui.app.session_rows import KEEP_PAGES, PAGE
from agentsess_tui.app.widgets.session_list import SessionList
from agentsess_tui.core import ManualClock, Store, resolve_paths
from agentsess_tui.core.models import SessionMatches
from agentsess_tui.core.search import session_matches

from .helpers import settle, sidebar_rows, until

SIZE = (120, 36)
HISTORY = 3000
LIVE = 12
TOTAL = HISTORY + LIVE


def status(app: AgentsessApp) -> str:
    return str(app.screen.query_one("#sidebar-status", Static).render())


def held(sidebar: Sidebar) -> int:
    """Sessions the app holds in memory (live, matches, loaded pages, duplicates counted)."""
    return len(list(sidebar.rows.known()))


def slow_to_follow(store: Store, clock: ManualClock) -> AgentsessApp:
    """The app with a scroll pause longer than any test: the chat follows the filter only
    when a test says enter, and a follow that waits stays visible (`Sidebar.following`)."""
    return make_app(
        store,
        clock=clock,
        paths=resolve_paths(),
        remember_theme=False,
        blink=False,
        delays=Delays(scroll_pause=60.0, memory_search=0.0),
    )


def on_screen(session_list: SessionList) -> list[str]:
    """The titles drawn in the list's visible rows (placeholders as '…')."""
    lines = [session_list.render_line(y).text.strip() for y in range(session_list.size.height)]
    return [line for index, line in enumerate(lines) if index % 2 == 0]


async def test_start_lists_a_screenful_and_counts_without_loading_the_history(
    app: AgentsessApp, store: Store, clock: ManualClock
) -> None:
    many_sessions(store, clock, HISTORY, live=LIVE)
    expected = [s.title for s in store.list_sessions(limit=30)]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        sidebar = app.screen.query_one(Sidebar)
        assert f"{TOTAL} sessions · sorted by expiry" in status(app)
        shown = sidebar_rows(app)
        assert len(shown) >= 30
        assert all(title in row for title, row in zip(expected, shown[:30], strict=True))
        # The live sessions and a page or two of history, not 3,000 rows.
        assert held(sidebar) <= LIVE + 3 * PAGE
        assert len(sidebar.feed.sessions) == LIVE


async def test_end_pages_in_the_last_rows_and_home_goes_back(
    app: AgentsessApp, store: Store, clock: ManualClock
) -> None:
    many_sessions(store, clock, HISTORY, live=LIVE)
    everything = store.list_sessions()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        session_list = app.screen.query_one(SessionList)
        session_list.focus()
        await pilot.press("end")
        await until(
            pilot,
            lambda: (
                session_list.highlighted is not None
                and session_list.highlighted.id == everything[-1].id
            ),
            "the last session highlighted",
        )
        await settle(pilot)
        titles = on_screen(session_list)
        assert everything[-1].title in titles[-1] or everything[-1].title in " ".join(titles)
        assert "…" not in titles
        sidebar = app.screen.query_one(Sidebar)
        assert held(sidebar) <= LIVE + (KEEP_PAGES * 2 + 1) * PAGE
        await pilot.press("home")
        await until(
            pilot,
            lambda: (
                session_list.highlighted is not None
                and session_list.highlighted.id == everything[0].id
            ),
            "the first session highlighted again",
        )


async def test_scrolling_down_pages_in_each_row_in_order(
    app: AgentsessApp, store: Store, clock: ManualClock
) -> None:
    many_sessions(store, clock, 900, live=LIVE)
    everything = store.list_sessions()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        session_list = app.screen.query_one(SessionList)
        session_list.focus()
        for _ in range(40):  # 16 rows a page: down through the history by keyset pages
            await pilot.press("pagedown")
            await until(
                pilot, lambda: session_list.highlighted is not None, "the row under the cursor"
            )
            index = session_list.cursor
            assert session_list.highlighted is not None
            assert session_list.highlighted.id == everything[index].id
        assert session_list.cursor > 600


async def test_the_filter_asks_the_index_and_says_when_there_are_more(
    app: AgentsessApp, store: Store, clock: ManualClock
) -> None:
    many_sessions(store, clock, HISTORY, live=LIVE)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await pilot.press(*"QUOKKA")
        sidebar = app.screen.query_one(Sidebar)
        await until(pilot, lambda: sidebar.rows.matches is not None, "the filter's answer")
        assert [s.title for s in sidebar.session_list.sessions] == [RARE_TITLE]
        assert f"1 of {TOTAL} sessions" in status(app)
        await pilot.press(*["backspace"] * 6, *"ticket")
        await until(
            pilot,
            lambda: sidebar.rows.needle == "ticket" and sidebar.rows.matches is not None,
            "the frequent word's answer",
        )
        assert f"{FILTER_LIMIT}+ of {TOTAL} sessions" in status(app)
        assert all("ticket" in s.title.lower() for s in sidebar.session_list.sessions)
        await pilot.press(*["backspace"] * 6)
        await until(pilot, lambda: not sidebar.rows.filtered, "the filter cleared")
        assert f"{TOTAL} sessions" in status(app)


async def test_other_writes_move_counts_and_rows_and_keep_the_selection(
    app: AgentsessApp, store: Store, clock: ManualClock
) -> None:
    many_sessions(store, clock, HISTORY, live=LIVE)
    other = Store(store.path, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        session_list = app.screen.query_one(SessionList)
        session_list.focus()
        for _ in range(LIVE + 2):  # onto the second expired session
            await pilot.press("down")
        await settle(pilot)
        chosen = session_list.highlighted
        assert chosen is not None and chosen.state == "expired"
        cursor = session_list.cursor
        # Another process: a new live session (listed above), a renamed history row on
        # screen, a deleted one further down.
        other.create_session("triage", "Fresh from elsewhere")
        first_expired = session_list.rows.row(LIVE)
        assert first_expired is not None
        other.rename_session(first_expired.id, "Renamed elsewhere")
        gone = session_list.rows.row(LIVE + 5)
        assert gone is not None
        other.delete_session(gone.id)
        app.screen.pulse.poll()  # type: ignore[attr-defined]
        await until(
            pilot,
            lambda: any("Renamed elsewhere" in t for t in on_screen(session_list)),
            "the rename on screen",
        )
        await settle(pilot)
        assert f"{TOTAL} sessions" in status(app)  # one more, one fewer
        assert session_list.highlighted is not None
        assert session_list.highlighted.id == chosen.id
        assert session_list.cursor == cursor + 1
        assert any("Fresh from elsewhere" in t for t in on_screen(session_list))
        assert all(gone.title not in t for t in on_screen(session_list))
    other.close()


async def test_jumping_to_a_session_deep_in_history_shows_it(
    app: AgentsessApp, store: Store, clock: ManualClock
) -> None:
    many_sessions(store, clock, HISTORY, live=LIVE)
    deep = store.sidebar_page("ended", offset=600, limit=1)[0]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.jump_to(deep.id)  # type: ignore[attr-defined]
        session_list = app.screen.query_one(SessionList)
        await until(
            pilot,
            lambda: session_list.highlighted is not None and session_list.highlighted.id == deep.id,
            "the deep session selected",
        )
        assert app.screen.query_one("#filter", Input).value == deep.id
        await settle(pilot)
        assert app.screen.chat.open_id == deep.id  # type: ignore[attr-defined]


async def test_keys_typed_while_the_filter_asks_wait_and_only_the_newest_is_asked(
    app: AgentsessApp, store: Store, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    many_sessions(store, clock, HISTORY, live=LIVE)
    asked: list[str] = []
    gate = threading.Event()
    real = store.find_sessions

    def held_find(text: str, limit: int = 1000) -> SessionMatches:
        asked.append(text)
        gate.wait(10)  # the first query is still running while the rest is typed
        return real(text, limit)

    monkeypatch.setattr(store, "find_sessions", held_find)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        sidebar = app.screen.query_one(Sidebar)
        await pilot.press("q")
        await until(pilot, lambda: asked == ["q"], "the first query")
        await pilot.press(*"uokka")
        for _ in range(3):
            await pilot.pause()  # not settle: it would wait for the held query
        assert sidebar.rows.needle == "quokka"
        assert asked == ["q"]  # nothing more while it runs
        gate.set()
        await until(
            pilot,
            lambda: sidebar.rows.needle == "quokka" and sidebar.rows.matches is not None,
            "the newest text's answer",
        )
        assert asked == ["q", "quokka"]  # the four prefixes between were never asked
        assert [s.title for s in sidebar.session_list.sessions] == [RARE_TITLE]
        assert f"1 of {TOTAL} sessions" in status(app)


async def test_the_chat_does_not_follow_each_key_of_the_filter(
    store: Store, clock: ManualClock, home: Path
) -> None:
    many_sessions(store, clock, HISTORY, live=LIVE)
    # A pause longer than the test: whatever opens while typing, opens because of a key.
    app = slow_to_follow(store, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        chat = app.screen.query_one(ChatPane)
        first = chat.open_id
        opened: list[str] = []
        real_open = chat.open
        chat.open = lambda session_id, *a, **k: (  # type: ignore[method-assign]
            opened.append(session_id),
            real_open(session_id, *a, **k),
        )[-1]
        await pilot.press("slash", *"QUOKKA")
        sidebar = app.screen.query_one(Sidebar)
        await until(pilot, lambda: sidebar.rows.matches is not None, "the filter's answer")
        await settle(pilot)
        assert [s.title for s in sidebar.session_list.sessions] == [RARE_TITLE]
        assert opened == [] and chat.open_id == first  # it waits for the keys to pause
        await pilot.press("enter", "enter")  # to the list, and open the match
        await settle(pilot)
        assert chat.session is not None and chat.session.title == RARE_TITLE
        assert len(opened) == 1


async def test_a_filter_that_matches_nothing_shows_no_session_in_the_chat(
    app: AgentsessApp, store: Store, clock: ManualClock
) -> None:
    many_sessions(store, clock, 40, live=4)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        chat = app.screen.query_one(ChatPane)
        first = chat.open_id
        assert first is not None
        await pilot.press("slash", *"zzqx")
        sidebar = app.screen.query_one(Sidebar)
        await until(pilot, lambda: sidebar.rows.matches is not None, "the filter's answer")
        await settle(pilot)
        assert len(sidebar.rows) == 0
        assert chat.open_id is None and chat.session is None
        shown = str(chat.transcript.query_one(".transcript-empty", Static).render())
        assert "No session matches 'zzqx'" in shown and "Escape" in shown
        await pilot.press("escape")  # clears the filter: the chat follows the list again
        await settle(pilot)
        selected = sidebar.selected
        assert selected is not None and chat.open_id == selected.id


async def test_a_match_of_a_prefix_does_not_open_once_the_whole_word_matches_nothing(
    store: Store, clock: ManualClock, home: Path
) -> None:
    many_sessions(store, clock, 40, live=4)
    # A pause longer than the test: a follow still waiting shows as `following`.
    app = slow_to_follow(store, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        chat = app.screen.query_one(ChatPane)
        sidebar = app.screen.query_one(Sidebar)
        shown = chat.session
        assert shown is not None
        # A letter other sessions have and the open one has not: the chat will follow.
        others = [s for s in store.list_sessions() if s.id != shown.id]
        letter = next(
            c
            for c in "abcdefghijklmnopqrstuvwxyz"
            if not session_matches(shown.title, shown.agent_id, shown.id, c)
            and any(session_matches(s.title, s.agent_id, s.id, c) for s in others)
        )
        await pilot.press("slash", letter)
        await until(pilot, lambda: sidebar.rows.matches is not None, "the answer for a letter")
        await settle(pilot)
        assert len(sidebar.rows) > 0 and sidebar.following
        await pilot.press(*"zzqx")
        await until(pilot, lambda: sidebar.rows.matches is not None, "the answer for the word")
        await settle(pilot)
        assert len(sidebar.rows) == 0
        assert chat.open_id is None and not sidebar.following
