"""The footer is rebuilt when the keys it shows change, and only then (the stock footer
rebuilt every key on each refresh of the bindings: focus, cursor, loads)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static
from textual.widgets._footer import FooterKey

from agentsess_tui.app.widgets.key_footer import KeyFooter


class Keys(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "alpha", "Alpha"),
        Binding("b", "beta", "Beta"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.beta_shown = True

    def compose(self) -> ComposeResult:
        yield Static("body")
        yield KeyFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.beta_shown if action == "beta" else True

    def action_alpha(self) -> None:
        pass

    def action_beta(self) -> None:
        pass


def drawn(app: Keys) -> list[FooterKey]:
    return list(app.screen.query(FooterKey))


async def test_same_keys_keep_their_widgets_and_a_change_redraws() -> None:
    app = Keys()
    async with app.run_test(size=(80, 10)) as pilot:
        await pilot.pause()
        first = drawn(app)
        assert [key.description for key in first][:2] == ["Alpha", "Beta"]
        for _ in range(5):
            app.screen.refresh_bindings()
            await pilot.pause()
        assert [id(key) for key in drawn(app)] == [id(key) for key in first]  # not rebuilt

        app.beta_shown = False
        app.screen.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        assert "Beta" not in [key.description for key in drawn(app)]
        app.beta_shown = True
        app.screen.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        assert [key.description for key in drawn(app)][:2] == ["Alpha", "Beta"]
