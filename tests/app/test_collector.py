"""Full garbage collections wait for a pause in the typing (app/collector.py): a dialog, a key
never waits 50–90 ms for one."""

from __future__ import annotations

import gc
import weakref

from agentsess_tui.app.app import AgentsessApp
from agentsess_tui.app.collector import QuietCollector
from agentsess_tui.core import Store

from .helpers import main_screen, settle


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Cycle:
    """Garbage only a full collection frees, once it has survived a middle one."""

    def __init__(self) -> None:
        self.me = self


def old_garbage() -> weakref.ref[Cycle]:
    cycle = Cycle()
    gc.collect(1)  # survives: now in the oldest generation
    ref = weakref.ref(cycle)
    del cycle
    gc.collect(1)  # a middle collection does not look at it
    assert ref() is not None
    return ref


def owe_full_collections(count: int) -> None:
    while gc.get_count()[2] < count:
        gc.collect(1)


def test_no_full_collection_by_itself_while_pacing() -> None:
    thresholds = gc.get_threshold()
    collector = QuietCollector(now=FakeTime())
    with collector.pacing():
        ref = old_garbage()
        # Python makes a full collection after ten middle ones; allocate for many more.
        junk = [[i] for i in range(300_000)]
        del junk
        assert gc.get_count()[2] >= collector.due
        assert ref() is not None
    assert gc.get_threshold() == thresholds
    gc.collect()


def test_the_owed_collection_runs_once_the_person_is_quiet() -> None:
    time = FakeTime()
    collector = QuietCollector(now=time, quiet=2.0)
    with collector.pacing():
        ref = old_garbage()
        owe_full_collections(collector.due)
        collector.input_seen()
        time.now += 1.5
        assert not collector.tick()  # a key 1.5 s ago: typing
        assert ref() is not None
        time.now += 1.0
        assert collector.tick()
        assert ref() is None
        assert not collector.tick()  # nothing owed any more
    assert not collector.tick()  # not pacing: Python's own rule


def test_an_overdue_collection_runs_even_while_keys_come() -> None:
    time = FakeTime()
    collector = QuietCollector(now=time, overdue=30)
    with collector.pacing():
        ref = old_garbage()
        owe_full_collections(29)
        collector.input_seen()
        assert not collector.tick()
        owe_full_collections(30)
        assert collector.tick() and ref() is None


async def test_keys_hold_the_collection_back_and_the_clock_runs_it(
    app: AgentsessApp, store: Store, agent: str
) -> None:
    store.create_session(agent, "Here")
    time = FakeTime()
    app.collector = QuietCollector(now=time, quiet=2.0)
    with app.collector.pacing():
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            pulse = main_screen(app).pulse
            ref = old_garbage()
            owe_full_collections(app.collector.due)
            time.now += 5.0
            await pilot.press("j")  # the app saw a key just now
            pulse.tick()
            assert ref() is not None and app.collector.collections == 0
            time.now += 2.5
            pulse.tick()
            assert ref() is None and app.collector.collections == 1
