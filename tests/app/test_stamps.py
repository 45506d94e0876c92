"""A message's stamp is shown as every other time is: local time, with the date only when it is
not today (issue 12: one time format everywhere)."""

from __future__ import annotations

from textual.geometry import Region

from agentsess_tui.app.app import AgentsessApp
from agentsess_tui.app.screens.message_pager import MessagePager
from agentsess_tui.app.widgets.message_view import PREVIEW_LINES, MessageView
from agentsess_tui.core import ManualClock, Store
from agentsess_tui.core.phases import local_when

from .helpers import settle


def first_line(view: MessageView) -> str:
    return view.render_lines(Region(0, 0, view.size.width, 1))[0].text


async def test_stamps_give_the_date_only_for_messages_of_other_days(
    app: AgentsessApp, store: Store, agent: str, clock: ManualClock
) -> None:
    session = store.create_session(agent, "Chat").session
    old = store.add_message(session.id, "from yesterday")
    clock.advance(hours=26)
    store.resume_session(session.id)
    long = "\n".join(f"line {n}" for n in range(PREVIEW_LINES + 10))
    new = store.add_message(session.id, long, role="assistant")
    now = clock.now_ms()
    yesterday, today = local_when(old.created_at, now), local_when(new.created_at, now)
    assert len(yesterday) > len(today)  # the date, then the time alone
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        views = {view.message.id: view for view in app.screen.query(MessageView)}
        assert first_line(views[old.id]).rstrip().endswith(f"you  {yesterday}")
        assert first_line(views[new.id]).rstrip().endswith(f"assistant  {today}")
        views[new.id].action_show_all()  # the pager's title says it the same way
        await settle(pilot)
        assert isinstance(app.screen, MessagePager)
        assert f"assistant  {today}  ·" in str(app.screen.query_one("#pager-title").render())
