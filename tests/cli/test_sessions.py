"""`agentsess sessions …`: start, list, show, extend, end, resume, clear, delete."""

from __future__ import annotations

from agentsess_tui.core import Store
from agentsess_tui.core.tokens import mask

from .helpers import Cli, counts


def test_new_reports_the_session_with_a_masked_token(run: Cli, bot: str, db: Store) -> None:
    out = run.ok("sessions", "new", "--agent", bot, "--title", "Lit review", "--window", "2h")
    session = db.list_sessions()[0]
    token = db.session_token(session.id)
    assert session.title == "Lit review"
    assert session.policy.window_minutes == 120
    assert session.id in out.stdout
    assert "in 2:00:00" in out.stdout
    assert mask(token) in out.stdout
    assert token not in out.stdout + out.stderr


def test_new_show_token_prints_it_whole(run: Cli, bot: str, db: Store) -> None:
    out = run.ok("sessions", "new", "--agent", bot, "--show-token")
    session = db.list_sessions()[0]
    assert db.session_token(session.id) in out.stdout


def test_new_json_masks_the_token_unless_asked(run: Cli, bot: str, db: Store) -> None:
    masked = run.ok("sessions", "new", "--agent", bot, "--json").json()
    token = db.session_token(masked["session"]["id"])
    assert masked["token_masked"] == mask(token)
    assert "token" not in masked
    assert token not in str(masked)
    assert masked["session"]["phase"] == "active"
    assert masked["session"]["remaining_seconds"] == 6 * 3600

    whole = run.ok("sessions", "new", "--agent", bot, "--json", "--show-token").json()
    assert whole["token"] == db.session_token(whole["session"]["id"])


def test_new_quiet_prints_only_the_id(run: Cli, bot: str, db: Store) -> None:
    out = run.ok("sessions", "new", "--agent", bot, "-q")
    assert out.stdout == db.list_sessions()[0].id + "\n"


def test_new_maps_every_policy_option(run: Cli, bot: str, db: Store) -> None:
    sid = run.new_session(
        bot,
        "--window",
        "1h30m",
        "--max-lifetime",
        "1d",
        "--warning",
        "10m",
        "--step",
        "45",
        "--auto-renew",
        "--single-active",
    )
    policy = db.get_session(sid).policy
    assert policy.window_minutes == 90
    assert policy.max_lifetime_minutes == 1440
    assert policy.warning_minutes == 10
    assert policy.extend_step_minutes == 45
    assert policy.auto_renew is True
    assert policy.single_active is True


def test_new_for_a_missing_agent_says_how_to_fix_it(run: Cli, db: Store) -> None:
    out = run("sessions", "new", "--agent", "ghost")
    assert out.code == 3
    assert "No agent 'ghost'" in out.error_line
    assert "--create-agent" in out.error_line
    assert counts(db)["sessions"] == 0

    sid = run.new_session("ghost", "--create-agent")
    assert db.get_session(sid).agent_id == "ghost"
    assert db.get_agent("ghost").id == "ghost"


def test_new_keeps_the_system_prompt(run: Cli, bot: str, db: Store) -> None:
    sid = run.new_session(bot, "--system", "You are terse.")
    assert db.get_session(sid).metadata["responder"]["system_prompt"] == "You are terse."
    assert "You are terse." in run.ok("sessions", "show", sid).stdout


def test_single_active_reports_what_it_ended(run: Cli, bot: str, db: Store) -> None:
    first = run.new_session(bot, "--single-active")
    out = run.ok("sessions", "new", "--agent", bot, "--single-active", "--json").json()
    assert out["superseded"] == [first]
    assert db.get_session(first).end_reason == "superseded"


def test_ls_shows_phase_time_left_and_renewals(run: Cli, bot: str) -> None:
    live = run.new_session(bot, "--title", "Live one", "--window", "2h")
    short = run.new_session(bot, "--title", "Short one", "--window", "30m", "--warning", "5m")
    ended = run.new_session(bot, "--title", "Done")
    run.ok("sessions", "end", ended)
    run.now = "2026-01-15T09:33:00Z"

    lines = run.ok("sessions", "ls").stdout.splitlines()
    assert lines[0].split() == ["ID", "AGENT", "TITLE", "PHASE", "TIME", "LEFT", "RENEWALS"]
    rows = {line.split()[0]: line for line in lines[1:]}
    assert "active" in rows[live] and "1:27:00" in rows[live]
    assert "expired" in rows[short] and "expired 3m ago" in rows[short]
    assert "ended" in rows[ended] and "ended 33m ago" in rows[ended]
    # Columns line up: every row has the phase where the header has PHASE.
    column = lines[0].index("PHASE")
    assert all(line[column - 2 : column] == "  " for line in lines[1:])


def test_ls_filters_by_phase_as_people_see_it(run: Cli, bot: str) -> None:
    live = run.new_session(bot, "--window", "2h")
    expiring = run.new_session(bot, "--window", "40m", "--warning", "15m")
    overdue = run.new_session(bot, "--window", "30m", "--warning", "5m")
    ended = run.new_session(bot)
    run.ok("sessions", "end", ended)
    run.now = "2026-01-15T09:31:00Z"  # `overdue` is past its expiry but nobody swept yet

    def ids(state: str) -> list[str]:
        return [row["id"] for row in run.ok("sessions", "ls", "--state", state, "--json").json()]

    assert ids("active") == [live]
    assert ids("expiring") == [expiring]
    assert ids("expired") == [overdue]
    assert ids("ended") == [ended]


def test_ls_by_agent_limit_and_json(run: Cli, bot: str) -> None:
    run.ok("agents", "add", "other")
    mine = [run.new_session(bot) for _ in range(3)]
    run.new_session("other")
    rows = run.ok("sessions", "ls", "--agent", bot, "--json").json()
    assert sorted(row["id"] for row in rows) == sorted(mine)
    assert {row["phase"] for row in rows} == {"active"}
    assert all(row["remaining_seconds"] == 6 * 3600 for row in rows)
    assert all("token" not in key for row in rows for key in row)

    limited = run.ok("sessions", "ls", "--limit", "2")
    assert len(limited.stdout.splitlines()) == 3  # header + 2
    assert "--limit 0" in limited.stderr
    assert len(run.ok("sessions", "ls", "--limit", "0", "--json").json()) == 4

    missing = run("sessions", "ls", "--agent", "nobody")
    assert missing.code == 3


def test_ls_on_an_empty_database_says_how_to_start(run: Cli) -> None:
    out = run.ok("sessions", "ls")
    assert out.stdout == ""
    assert "agentsess sessions new" in out.stderr
    assert run.ok("sessions", "ls", "--json").json() == []


def test_show_has_policy_counts_masked_token_and_timeline(run: Cli, sid: str, db: Store) -> None:
    run.ok("messages", "add", sid, "hello")
    run.ok("sessions", "extend", sid, "--by", "2h")
    out = run.ok("sessions", "show", sid).stdout
    token = db.session_token(sid)
    assert mask(token) in out and token not in out
    assert "window 6h" in out and "max lifetime 2d" in out
    assert "1 message," in out
    timeline = out.split("Timeline", 1)[1]
    assert [line.split()[3] for line in timeline.strip().splitlines()] == ["created", "extended"]

    data = run.ok("sessions", "show", sid, "--json").json()
    assert data["id"] == sid
    assert data["counts"] == {"messages": 1, "memories": 0, "events": 2}
    assert [event["kind"] for event in data["events"]] == ["created", "extended"]
    assert data["token_masked"] == mask(token)
    assert data["policy"]["window_minutes"] == 360
    assert token not in str(data)


def test_show_missing_session(run: Cli) -> None:
    out = run("sessions", "show", "sess_nope")
    assert out.code == 3
    assert "sess_nope" in out.error_line
    assert out.stdout == ""


def test_extend_by_the_step_or_a_duration(run: Cli, sid: str, db: Store) -> None:
    before = db.get_session(sid).expires_at
    out = run.ok("sessions", "extend", sid)
    assert "by 1h" in out.stdout
    assert db.get_session(sid).expires_at == before + 3600_000

    data = run.ok("sessions", "extend", sid, "--by", "1h30m", "--json").json()
    assert data["requested_minutes"] == 90
    assert data["added_seconds"] == 90 * 60
    assert data["capped"] is False
    assert data["session"]["remaining_seconds"] == (6 * 60 + 60 + 90) * 60


def test_extend_says_when_the_cap_stopped_it(run: Cli, bot: str, db: Store) -> None:
    sid = run.new_session(bot, "--window", "2h", "--max-lifetime", "3h")
    out = run.ok("sessions", "extend", sid, "--by", "2h")
    assert "by 1h of the 2h asked" in out.stdout
    assert "cap" in out.stdout
    assert db.get_session(sid).expires_at == db.get_session(sid).cap_at

    again = run("sessions", "extend", sid)
    assert again.code == 9
    assert "lifetime cap of 3h" in again.error_line


def test_extend_rejects_durations_out_of_range(run: Cli, sid: str, db: Store) -> None:
    before = db.get_session(sid).expires_at
    for value, code in (("0", 4), ("--by=-10m", 4), ("15d", 4), ("soon", 4)):
        args = [value] if value.startswith("--") else ["--by", value]
        out = run("sessions", "extend", sid, *args)
        assert out.code == code, (value, out.stderr)
        out.error_line  # noqa: B018 (asserts one line)
    assert db.get_session(sid).expires_at == before
    assert [e.kind for e in db.events(sid)] == ["created"]


def test_heartbeat_renews_an_auto_renewing_session(run: Cli, bot: str, db: Store) -> None:
    sid = run.new_session(bot, "--window", "1h", "--auto-renew")
    run.now = "2026-01-15T09:40:00Z"
    data = run.ok("sessions", "heartbeat", sid, "--json").json()
    assert data["renewed"] is True
    assert data["session"]["remaining_seconds"] == 3600
    assert db.get_session(sid).renewal_count == 1
    # Same moment again: nothing to slide, so the heartbeat is only recorded.
    assert run.ok("sessions", "heartbeat", sid).stdout.startswith("Heartbeat recorded")
    assert db.get_session(sid).renewal_count == 1


def test_end_prints_the_summary_and_stops_writes(run: Cli, sid: str, db: Store) -> None:
    run.ok("messages", "add", sid, "one")
    run.ok("memory", "remember", "--session", sid, "a fact")
    run.now = "2026-01-15T10:30:00Z"
    out = run.ok("sessions", "end", sid, "--reason", "done for today")
    assert "after 1h 30m" in out.stdout
    assert "1 messages, 1 memories" in out.stdout
    session = db.get_session(sid)
    assert (session.state, session.end_reason) == ("ended", "done for today")

    late = run("messages", "add", sid, "too late")
    assert late.code == 8
    assert db.count_messages(sid) == 1


def test_end_json(run: Cli, sid: str) -> None:
    run.now = "2026-01-15T09:10:00Z"
    data = run.ok("sessions", "end", sid, "--json").json()
    assert data["duration_seconds"] == 600
    assert data["messages"] == 0
    assert data["session"]["phase"] == "ended"


def test_resume_gives_a_new_window_and_token(run: Cli, sid: str, db: Store) -> None:
    old = db.session_token(sid)
    run.ok("messages", "add", sid, "kept")
    run.now = "2026-01-15T16:00:00Z"
    expired = run("messages", "add", sid, "after expiry")
    assert expired.code == 7
    assert "expired 1h ago" in expired.error_line
    assert db.get_session(sid).state == "expired"  # expiry on write is kept

    data = run.ok("sessions", "resume", sid, "--json", "--show-token").json()
    assert data["resumed"] is True
    assert data["token"] != old
    assert data["session"]["remaining_seconds"] == 6 * 3600
    assert db.count_messages(sid) == 1

    again = run.ok("sessions", "resume", sid)
    assert "nothing changed" in again.stdout


def test_clear_keeps_system_messages_and_memories(run: Cli, sid: str, db: Store) -> None:
    run.ok("messages", "add", sid, "--role", "system", "You are terse.")
    run.ok("messages", "add", sid, "hello")
    run.ok("messages", "add", sid, "--role", "assistant", "hi")
    run.ok("memory", "remember", "--session", sid, "a fact")
    out = run.ok("sessions", "clear", sid, "--yes")
    assert "2 messages deleted" in out.stdout
    assert [m.role for m in db.messages(sid)] == ["system"]
    assert db.count_memories(agent_id="bot") == 1


def test_clear_and_rm_refuse_without_a_terminal(run: Cli, sid: str, db: Store) -> None:
    run.ok("messages", "add", sid, "hello")
    for command in ("clear", "rm"):
        out = run("sessions", command, sid)
        assert out.code == 2
        assert "--yes" in out.error_line
    assert db.count_messages(sid) == 1


def test_rm_deletes_the_session_but_keeps_its_memories(run: Cli, sid: str, db: Store) -> None:
    run.ok("messages", "add", sid, "hello")
    run.ok("memory", "remember", "--session", sid, "a fact")
    data = run.ok("sessions", "rm", sid, "--yes", "--json").json()
    assert data == {"session_id": sid, "deleted_messages": 1, "memories_kept": 1}
    assert run("sessions", "show", sid).code == 3
    memory = db.list_memories(agent_id="bot")[0]
    assert memory.session_id is None


def test_token_prints_the_whole_token(run: Cli, sid: str, db: Store) -> None:
    assert run.ok("sessions", "token", sid).stdout == db.session_token(sid) + "\n"
    assert run.ok("sessions", "token", sid, "--json").json() == {
        "session_id": sid,
        "token": db.session_token(sid),
    }
    run.ok("sessions", "end", sid)
    dead = run("sessions", "token", sid)
    assert dead.code == 8
    assert dead.stdout == ""


def test_aliases(run: Cli, sid: str) -> None:
    assert sid in run.ok("sessions", "list").stdout
    run.ok("sessions", "delete", sid, "--yes")
    assert run.ok("sessions", "list", "--json").json() == []
