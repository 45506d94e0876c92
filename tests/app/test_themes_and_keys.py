"""Themes from files (bundled and the user's), bad theme files, --theme, remapped keys."""

from __future__ import annotations

from pathlib import Path

from agentsess_tui.app.app import AgentsessApp
from agentsess_tui.app.main import make_app
from agentsess_tui.app.themes import bundled_themes_dir, load_theme_file, load_themes
from agentsess_tui.core import ManualClock, Settings, Store, resolve_paths

from .helpers import notices, settle, sidebar_rows

SIZE = (120, 36)


def test_three_bundled_themes_load_and_pass_the_schema() -> None:
    themes = load_themes(None)
    assert themes.errors == []
    assert {"agentsess-dark", "agentsess-light", "agentsess-high-contrast"} <= set(themes.themes)
    # Bundled files skip the schema at start-up; here they are held to it.
    for path in sorted(bundled_themes_dir().glob("*.toml")):
        assert load_theme_file(path) == load_theme_file(path, trusted=True)


async def test_user_themes_load_and_broken_ones_are_reported_once(
    store: Store, clock: ManualClock, home: Path
) -> None:
    themes_dir = resolve_paths().themes_dir
    themes_dir.mkdir(parents=True)
    (themes_dir / "solarized.toml").write_text(
        'name = "solarized"\ndark = true\nprimary = "#268bd2"\nbackground = "#002b36"\n'
    )
    (themes_dir / "broken.toml").write_text('name = "broken"\nprimary = "not-a-colour"\n')
    (themes_dir / "garbage.toml").write_text("this is = = not toml")
    app = make_app(store, clock=clock, paths=resolve_paths(), theme="solarized", blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "solarized"
        reports = [n for n in notices(app) if "theme files could not be loaded" in n]
        assert len(reports) == 1
        assert "broken.toml" in reports[0] and "garbage.toml" in reports[0]
        assert "broken" not in app.available_themes


async def test_an_unknown_theme_falls_back_with_a_message(store: Store, clock: ManualClock) -> None:
    app = make_app(store, clock=clock, paths=resolve_paths(), theme="nope", blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "agentsess-dark"
        assert any("no theme 'nope'" in n for n in notices(app))


def remapped_app(store: Store, clock: ManualClock, keymap: dict[str, str]) -> AgentsessApp:
    return make_app(
        store,
        clock=clock,
        settings=Settings(keymap=keymap),
        paths=resolve_paths(),
        blink=False,
        remember_theme=False,
    )


async def test_keys_are_remappable_by_binding_id(
    store: Store, clock: ManualClock, agent: str
) -> None:
    session = store.create_session(agent, "Remapped").session
    app = remapped_app(store, clock, {"extend": "ctrl+e"})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert store.get_session(session.id).expires_at == session.expires_at
        await pilot.press("ctrl+e")
        await settle(pilot)
        assert store.get_session(session.id).expires_at == session.expires_at + 60 * 60_000
        assert "7:00:00" in sidebar_rows(app)[0]


async def test_the_chat_footer_names_the_help_key_that_does_not_type(
    store: Store, clock: ManualClock, agent: str
) -> None:
    from agentsess_tui.app.screens.help import HelpScreen
    from agentsess_tui.app.widgets.chat_input import ChatInput

    store.create_session(agent, "Helped")
    app = remapped_app(store, clock, {"help_f1": "f2"})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.focused, ChatInput)
        shown = {
            b.binding.key: b.binding.description
            for b in app.screen.active_bindings.values()
            if b.binding.show
        }
        assert shown.get("f2") == "Help" and "f1" not in shown  # remapped with the app's own
        await pilot.press("question_mark")
        assert app.focused.text == "?"  # typed, as any character
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
