"""Policy validation (clear errors, never a clamp) and precedence of its five layers."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from agentsess_tui.core import (
    InvalidInput,
    InvalidPolicy,
    ManualClock,
    Policy,
    Settings,
    Store,
    load_settings,
    open_store,
)
from agentsess_tui.core.clock import MINUTE_MS
from agentsess_tui.core.policy import resolve_policy

from .helpers import count


def test_defaults_match_the_design() -> None:
    policy = Policy()
    assert policy.model_dump() == {
        "window_minutes": 360,
        "auto_renew": False,
        "max_lifetime_minutes": 2880,
        "warning_minutes": 15,
        "extend_step_minutes": 60,
        "single_active": False,
    }


OUT_OF_RANGE = [
    ("window_minutes", 4, "5–1440"),
    ("window_minutes", 1441, "5–1440"),
    ("max_lifetime_minutes", 20161, "5–20160"),
    ("warning_minutes", 0, "1–720"),
    ("warning_minutes", 721, "1–720"),
    ("extend_step_minutes", 0, "1–1440"),
    ("extend_step_minutes", 1441, "1–1440"),
]


@pytest.mark.parametrize(("field", "value", "allowed"), OUT_OF_RANGE)
def test_out_of_range_values_name_field_value_and_range(
    store: Store, agent: str, field: str, value: int, allowed: str
) -> None:
    with pytest.raises(InvalidPolicy) as caught:
        store.create_session(agent, options={field: value})
    message = caught.value.message
    assert field in message
    assert f"= {value}" in message
    assert allowed in message
    assert "session options" in message  # where the value came from
    assert store.list_sessions() == []


@pytest.mark.parametrize("value", ["abc", 5.5, True, [60]])
def test_non_numbers_are_named_as_such(store: Store, agent: str, value: Any) -> None:
    with pytest.raises(InvalidPolicy, match="not a whole number of minutes: allowed 5–1440"):
        store.create_session(agent, options={"window_minutes": value})


def test_bad_booleans_and_unknown_fields(store: Store, agent: str) -> None:
    with pytest.raises(InvalidPolicy, match=r"auto_renew = 'maybe' is not valid"):
        store.create_session(agent, options={"auto_renew": "maybe"})
    with pytest.raises(InvalidPolicy, match=r"Unknown policy field 'window'"):
        store.create_session(agent, options={"window": 60})


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"warning_minutes": 360}, ["warning_minutes = 360", "window_minutes = 360"]),
        (
            {"window_minutes": 60, "warning_minutes": 90},
            ["warning_minutes = 90", "less than", "window_minutes = 60"],
        ),
        (
            {"window_minutes": 600, "max_lifetime_minutes": 300},
            ["max_lifetime_minutes = 300", "window_minutes = 600", "window–20160"],
        ),
    ],
)
def test_inconsistent_combinations_are_invalid(
    store: Store, agent: str, options: dict[str, int], words: list[str]
) -> None:
    with pytest.raises(InvalidPolicy) as caught:
        store.create_session(agent, options=options)
    assert "Inconsistent policy" in caught.value.message
    for word in words:
        assert word in caught.value.message


def test_the_edges_of_the_ranges_are_allowed(store: Store, agent: str) -> None:
    tight = {"window_minutes": 5, "warning_minutes": 4, "max_lifetime_minutes": 5}
    session = store.create_session(agent, options=tight).session
    assert session.expires_at == session.cap_at  # window == cap: no room to extend
    wide = {"window_minutes": 1440, "warning_minutes": 720, "max_lifetime_minutes": 20160}
    assert store.create_session(agent, options=wide).session.policy.max_lifetime_minutes == 20160
    assert store.create_session(agent, options={"extend_step_minutes": 1440}).session


def test_agent_policy_is_validated_and_nothing_is_written(store: Store, db_path: Path) -> None:
    with pytest.raises(InvalidPolicy, match="window_minutes = 3"):
        store.add_agent("bot", policy={"window_minutes": 3})
    with pytest.raises(InvalidPolicy, match="Inconsistent policy"):
        store.add_agent("bot", policy={"warning_minutes": 400})
    assert count(db_path, "SELECT count(*) FROM agents") == 0
    store.add_agent("bot", policy={"window_minutes": 30})
    with pytest.raises(InvalidPolicy):
        store.set_agent_policy("bot", {"warning_minutes": 30})
    assert store.get_agent("bot").policy == {"window_minutes": 30}


def test_set_and_unset_agent_policy(store: Store, agent: str) -> None:
    store.set_agent_policy(agent, {"window_minutes": 90, "auto_renew": True})
    assert store.effective_policy(agent).window_minutes == 90
    store.set_agent_policy(agent, unset=["window_minutes"])
    assert store.get_agent(agent).policy == {"auto_renew": True}
    assert store.effective_policy(agent).window_minutes == 360
    with pytest.raises(InvalidPolicy, match="Unknown policy field"):
        store.set_agent_policy(agent, unset=["nonsense"])


def _write_config(home: Path, text: str) -> None:
    (home / "config.toml").write_text(text, encoding="utf-8")


def test_precedence_of_all_five_layers(
    home: Path, monkeypatch: pytest.MonkeyPatch, clock: ManualClock
) -> None:
    _write_config(
        home,
        "[policy]\n"
        "window_minutes = 100\n"
        "warning_minutes = 20\n"
        "extend_step_minutes = 7\n"
        "max_lifetime_minutes = 1000\n",
    )
    monkeypatch.setenv("AGENTSESS_WINDOW_MINUTES", "200")
    monkeypatch.setenv("AGENTSESS_AUTO_RENEW", "true")
    monkeypatch.setenv("AGENTSESS_EXTEND_STEP_MINUTES", "8")
    store = open_store(clock=clock)
    store.add_agent("bot", policy={"warning_minutes": 30, "extend_step_minutes": 9})
    session = store.create_session("bot", options={"extend_step_minutes": 11}).session
    assert session.policy == Policy(
        window_minutes=200,  # environment beats config
        auto_renew=True,  # environment
        max_lifetime_minutes=1000,  # config beats default
        warning_minutes=30,  # agent beats config
        extend_step_minutes=11,  # options beat agent beats env beats config
        single_active=False,  # default
    )
    assert session.expires_at == clock.now_ms() + 200 * MINUTE_MS
    assert session.cap_at == clock.now_ms() + 1000 * MINUTE_MS
    # Without the options, the agent's value shows through; without those, the environment's.
    assert store.effective_policy("bot").extend_step_minutes == 9
    store.set_agent_policy("bot", unset=["extend_step_minutes"])
    assert store.effective_policy("bot").extend_step_minutes == 8
    monkeypatch.delenv("AGENTSESS_EXTEND_STEP_MINUTES")
    assert open_store(clock=clock).effective_policy("bot").extend_step_minutes == 7
    store.close()


@pytest.mark.parametrize("layers", [1, 2, 3, 4, 5])
def test_each_layer_beats_the_ones_below(
    home: Path, monkeypatch: pytest.MonkeyPatch, clock: ManualClock, layers: int
) -> None:
    """window_minutes set in the lowest `layers` layers: the highest of them wins."""
    if layers >= 2:
        _write_config(home, "[policy]\nwindow_minutes = 20\n")
    if layers >= 3:
        monkeypatch.setenv("AGENTSESS_WINDOW_MINUTES", "30")
    store = open_store(clock=clock)
    store.add_agent("bot", policy={"window_minutes": 40} if layers >= 4 else None)
    options = {"window_minutes": 50} if layers >= 5 else None
    expected = [360, 20, 30, 40, 50][layers - 1]
    assert store.create_session("bot", options=options).session.window_minutes == expected
    store.close()


def test_bad_values_in_config_and_environment_name_their_source(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_config(home, "[policy]\nwarning_minutes = 900\n")
    with pytest.raises(InvalidPolicy) as caught:
        load_settings()
    assert "warning_minutes = 900" in caught.value.message
    assert "1–720" in caught.value.message
    assert "config.toml" in caught.value.message
    _write_config(home, "")
    monkeypatch.setenv("AGENTSESS_WINDOW_MINUTES", "forever")
    with pytest.raises(InvalidPolicy) as caught:
        load_settings()
    assert "window_minutes = 'forever'" in caught.value.message
    assert "AGENTSESS_WINDOW_MINUTES" in caught.value.message


def test_an_inconsistency_across_layers_names_the_layers(
    home: Path, monkeypatch: pytest.MonkeyPatch, clock: ManualClock
) -> None:
    _write_config(home, "[policy]\nwindow_minutes = 60\n")
    monkeypatch.setenv("AGENTSESS_WARNING_MINUTES", "60")
    store = open_store(clock=clock)
    store.add_agent("late", policy={"warning_minutes": 10})  # consistent with its own value
    with pytest.raises(InvalidPolicy) as caught:
        store.add_agent("bot")
    message = caught.value.message
    assert "AGENTSESS_WARNING_MINUTES" in message
    assert "config.toml" in message
    assert store.create_session("late").session.policy.warning_minutes == 10
    store.close()


def test_broken_config_files_are_clear_errors(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_config(home, "[policy\nwindow_minutes = 60\n")
    with pytest.raises(InvalidInput, match="Cannot read"):
        load_settings()
    _write_config(home, "policy = 5\n")
    with pytest.raises(InvalidInput, match=r"\[policy\].*must be a table"):
        load_settings()
    _write_config(home, "colour = 'blue'\n")
    with pytest.raises(InvalidInput, match="colour"):
        load_settings()
    _write_config(home, "")
    monkeypatch.setenv("AGENTSESS_BUSY_TIMEOUT_MS", "soon")
    with pytest.raises(InvalidInput, match="busy_timeout_ms"):
        load_settings()


def test_settings_given_directly_apply_below_the_agent(db_path: Path, clock: ManualClock) -> None:
    store = Store(db_path, clock=clock, settings=Settings(policy={"window_minutes": 45}))
    store.add_agent("plain")
    store.add_agent("custom", policy={"window_minutes": 90})
    assert store.create_session("plain").session.window_minutes == 45
    assert store.create_session("custom").session.window_minutes == 90
    store.close()


def test_resolve_policy_reports_the_sources_of_a_conflict() -> None:
    with pytest.raises(InvalidPolicy) as caught:
        resolve_policy([("file A", {"window_minutes": 30}), ("env B", {"warning_minutes": 45})])
    assert "(from env B, file A)" in caught.value.message


@pytest.mark.parametrize("auto_renew", [True, False])
def test_auto_renew_is_read_without_building_the_policy(store: Store, auto_renew: bool) -> None:
    store.ensure_agent("bot")
    session = store.create_session("bot", options={"auto_renew": auto_renew}).session
    assert session.auto_renew is auto_renew is session.policy.auto_renew
    # A policy stored without the field (not one of ours) takes the validated default.
    partial = dataclasses.replace(session, policy_json='{"window_minutes": 30}')
    assert partial.auto_renew is Policy().auto_renew
