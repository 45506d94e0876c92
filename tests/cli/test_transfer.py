"""`agentsess sessions export|import`: files in, files out, nothing partial."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentsess_tui.core import Store

from .helpers import Cli, counts


@pytest.fixture
def chat(run: Cli, sid: str) -> str:
    run.ok("messages", "add", sid, "--role", "system", "Be brief.")
    run.ok("messages", "add", sid, "What is WAL?")
    run.ok("messages", "add", sid, "--role", "assistant", "Write-ahead logging.")
    run.ok("memory", "remember", "--session", sid, "WAL allows concurrent readers")
    return sid


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def test_export_default_file_names(run: Cli, chat: str, workdir: Path) -> None:
    run.ok("sessions", "export", chat)
    run.ok("sessions", "export", chat, "--format", "md")
    run.ok("sessions", "export", chat, "--format", "toon")
    names = sorted(path.name for path in workdir.iterdir())
    assert names == sorted([f"{chat}.json", f"{chat}.md", f"{chat}_chat.toon"])
    document = json.loads((workdir / f"{chat}.json").read_text())
    assert document["format"] == "agentsess.session"
    assert [m["role"] for m in document["messages"]] == ["system", "user", "assistant"]
    assert "What is WAL?" in (workdir / f"{chat}.md").read_text()
    toon = json.loads((workdir / f"{chat}_chat.toon").read_text())
    assert toon["session_id"] == chat


def test_export_to_stdout_and_format_from_suffix(run: Cli, chat: str, workdir: Path) -> None:
    out = run.ok("sessions", "export", chat, "-o", "-")
    assert json.loads(out.stdout)["session"]["id"] == chat
    assert out.stderr == ""
    run.ok("sessions", "export", chat, "-o", "notes.md")
    assert (workdir / "notes.md").read_text().startswith("# ")


def test_export_never_overwrites_by_accident(run: Cli, chat: str, workdir: Path) -> None:
    target = workdir / "chat.json"
    target.write_text("precious")
    out = run("sessions", "export", chat, "-o", str(target))
    assert out.code == 6
    assert "--force" in out.error_line
    assert target.read_text() == "precious"
    run.ok("sessions", "export", chat, "-o", str(target), "--force")
    assert json.loads(target.read_text())["session"]["id"] == chat
    assert sorted(p.name for p in workdir.iterdir()) == ["chat.json"]  # no temp files left


def test_export_to_a_missing_directory(run: Cli, chat: str, workdir: Path) -> None:
    out = run("sessions", "export", chat, "-o", str(workdir / "nope" / "x.json"))
    assert out.code == 14
    assert "Cannot write" in out.error_line


def test_round_trip_through_json(run: Cli, chat: str, db: Store, workdir: Path) -> None:
    run.ok("sessions", "export", chat, "-o", "chat.json")
    before = [(m.role, m.content) for m in db.messages(chat)]
    run.ok("sessions", "rm", chat, "--yes")

    data = run.ok("sessions", "import", "chat.json", "--json").json()
    assert data["session"]["id"] == chat
    assert data["format"] == "json"
    assert (data["messages"], data["memories"]) == (3, 1)
    assert [(m.role, m.content) for m in db.messages(chat)] == before
    assert db.get_session(chat).state == "ended"  # arrives inactive: resume to continue

    again = run("sessions", "import", "chat.json")
    assert again.code == 6
    assert "--new-id" in again.error_line
    copy = run.ok("sessions", "import", "chat.json", "--new-id", "--json").json()
    assert copy["session"]["id"] != chat
    run.ok("sessions", "resume", copy["session"]["id"])


def test_import_toon_for_an_agent_and_from_stdin(run: Cli, chat: str, db: Store) -> None:
    run.ok("sessions", "export", chat, "--format", "toon", "-o", "chat.toon")
    data = run.ok("sessions", "import", "chat.toon", "--agent", "copier", "--new-id", "--json")
    session = data.json()["session"]
    assert session["agent_id"] == "copier"
    assert [m.content for m in db.messages(session["id"])][1] == "What is WAL?"

    text = Path("chat.toon").read_text()
    piped = run.ok("sessions", "import", "-", "--new-id", "--json", input=text).json()
    assert piped["format"] == "toon"


GOOD_MESSAGE = {"role": "user", "content": "hello"}


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("broken.json", '{"format": "agentsess.session", "session": {', "not valid JSON"),
        ("empty.json", "", "not valid JSON"),
        ("list.json", "[1, 2, 3]", "not a session file"),
        ("other.json", '{"hello": "world"}', "neither"),
        (
            "badrole.toon",
            json.dumps({"session_id": "s1", "messages": [GOOD_MESSAGE, {"role": "robot"}]}),
            "messages.1",
        ),
        (
            "nomessages.toon",
            json.dumps({"session_id": "s1", "messages": "nope"}),
            "messages",
        ),
        (
            "badid.toon",
            json.dumps({"session_id": "../../etc/passwd", "messages": [GOOD_MESSAGE]}),
            "session id",
        ),
        ("binary.toon", "\x00\x01\x02garbage", "not valid JSON"),
    ],
)
def test_malformed_imports_write_nothing(
    run: Cli, chat: str, db: Store, name: str, content: str, fragment: str
) -> None:
    Path(name).write_text(content)
    before = counts(db)
    out = run("sessions", "import", name)
    assert out.code == 4, out.stderr
    assert fragment in out.error_line
    assert counts(db) == before


def test_a_json_export_with_one_bad_message_writes_nothing(run: Cli, chat: str, db: Store) -> None:
    run.ok("sessions", "export", chat, "-o", "chat.json")
    document = json.loads(Path("chat.json").read_text())
    document["messages"].append({"role": "user", "content": "x" * (2 * 1024 * 1024)})
    Path("chat.json").write_text(json.dumps(document))
    before = counts(db)
    out = run("sessions", "import", "chat.json", "--new-id", "--agent", "newcomer")
    assert out.code == 4
    assert "Message 4" in out.error_line and "nothing was imported" in out.error_line
    assert counts(db) == before


def test_import_of_a_missing_file_or_bad_agent(run: Cli, chat: str, db: Store) -> None:
    run.ok("sessions", "export", chat, "-o", "chat.json")
    assert run("sessions", "import", "missing.json").code == 4
    before = counts(db)
    assert run("sessions", "import", "chat.json", "--new-id", "--agent", "Not Valid").code == 4
    assert counts(db) == before
