"""Issue 10, item 9: long reads and imports go piece by piece, and say the same as before.

The JSON written in pieces must be the text `json.dumps(indent=2)` gives; the reader of
session files must agree with `json.loads` whatever its window size, and an import read in
pieces must still be all or nothing.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from agentsess_tui.core import InvalidInput, ManualClock, Store
from agentsess_tui.core.jsonstream import write_array, write_object
from agentsess_tui.core.text import json_visible
from agentsess_tui.core.transfer import export_session, import_file, import_text, jsonread

from .helpers import count

DOCUMENTS: list[Any] = [
    [],
    [1],
    [{"a": [1, 2], "b": "x\ny", "c": {}}, {}, [], None, 1.5e300, "é\u2028"],
    [{"deep": {"deeper": [[{"x": []}]]}}],
]


@pytest.mark.parametrize("items", DOCUMENTS)
def test_pieces_make_the_text_json_dumps_gives(items: list[Any]) -> None:
    out = io.StringIO()
    write_array(items, out.write)
    assert out.getvalue() == json_visible(json.dumps(items, indent=2, ensure_ascii=False))
    for head in ({}, {"format": "x", "session": {"id": 1, "tags": ["a"]}}):
        for arrays in ({}, {"messages": items}, {"messages": items, "events": [], "m": [0]}):
            out = io.StringIO()
            write_object(head, {k: iter(v) for k, v in arrays.items()}, out.write)
            expected = json.dumps({**head, **arrays}, indent=2, ensure_ascii=False)
            assert out.getvalue() == json_visible(expected)


@pytest.fixture(params=[1, 3, 7, 1 << 20])
def window(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """The reader's window, down to one character: values cut at every place."""
    monkeypatch.setattr(jsonread, "_CHUNK", request.param)
    return int(request.param)


def _read(text: str) -> dict[str, Any]:
    scanned = jsonread.scan(lambda: io.StringIO(text))
    whole = dict(scanned.head)
    for key, offset in scanned.arrays.items():
        items = list(jsonread.elements(lambda: io.StringIO(text), offset))
        assert len(items) == scanned.counts[key]
        whole[key] = items
    return whole


@pytest.mark.parametrize(
    "text",
    [
        "{}",
        ' { "a" : 123456789 , "messages" : [ ] }\n',
        '{"messages": [1, 22, 333, {"x": "a,]}"}], "events": 5, "n": -0.5e-3, "t": true}',
        '{"memories": [[1], [2]], "memories": [3], "session": {"id": "s"}, "z": null}',
        '{"messages": [{"role": "user", "content": "\\u00e9\\n\\"q\\""}],\n"k": "v"}',
    ],
)
def test_the_reader_agrees_with_json_loads(text: str, window: int) -> None:
    assert _read(text) == json.loads(text)


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1,}',
        '{"a" 1}',
        '{"messages": [1 2]}',
        '{"messages": [1, ]}',
        '{"a": 1}\n{"b": 2}',
        '{"a": tru}',
        '{\n  "messages": [\n    {"x": 1},\n    {"x": }\n  ]\n}',
        '{"a": "never closed',
    ],
)
def test_malformed_files_fail_where_json_loads_says(text: str, window: int) -> None:
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    with pytest.raises(jsonread.Malformed) as got:
        _read(text)
    assert got.value.lineno == expected.value.lineno, got.value
    # The line is what people look at; the column may point at the value or just past it.
    assert abs(got.value.colno - expected.value.colno) <= 2, (got.value, expected.value)


def _session_with(store: Store, messages: int) -> str:
    sid = store.create_session("bot", "long one", create_agent=True).session.id
    for index in range(messages):
        store.add_message(sid, f"message {index} \x1b[2J")
    store.remember("a fact from it", agent_id="bot", session_id=sid)
    return sid


def test_export_pages_through_every_message_in_order(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agentsess_tui.core.transfer import export as export_module

    monkeypatch.setattr(export_module, "_PAGE", 3)  # several pages, the last one short
    sid = _session_with(store, 10)
    document = json.loads(export_session(store, sid, "json"))
    assert [m["content"] for m in document["messages"]] == [
        f"message {i} \x1b[2J" for i in range(10)
    ]
    assert "\x1b" not in export_session(store, sid, "json")  # escaped, never raw
    toon = json.loads(export_session(store, sid, "toon"))
    assert len(toon["messages"]) == 10
    markdown = export_session(store, sid, "md")
    assert "- Messages: 10" in markdown
    assert markdown.count("### user") == 10


def test_import_reads_the_arrays_wherever_they_are_in_the_file(
    store: Store, tmp_path: Path, clock: ManualClock, window: int
) -> None:
    sid = _session_with(store, 4)
    document = json.loads(export_session(store, sid, "json"))
    reordered = {
        "memories": document["memories"],
        "messages": document["messages"],
        **{k: v for k, v in document.items() if k not in ("messages", "memories")},
    }
    other = Store(tmp_path / "other.db", clock=clock, key=b"another installation's key!!!!!!")
    try:
        result = import_text(other, json.dumps(reordered, indent=None))
        assert (result.messages, result.memories) == (4, 1)
        copied = other.messages(sid, limit=100)
        assert [m.content for m in copied] == [m["content"] for m in document["messages"]]
    finally:
        other.close()


def test_a_bad_message_half_way_through_a_file_imports_nothing(
    store: Store, tmp_path: Path, clock: ManualClock
) -> None:
    sid = _session_with(store, 6)
    document = json.loads(export_session(store, sid, "json"))
    document["messages"][4]["role"] = "wizard"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    target = tmp_path / "target.db"
    other = Store(target, clock=clock, key=b"another installation's key!!!!!!")
    try:
        with pytest.raises(InvalidInput, match=r"messages\.4\.role") as error:
            import_file(other, path)
        assert "nothing was imported" in error.value.message
        for table in ("sessions", "messages", "memories", "events"):
            assert count(target, f"SELECT count(*) FROM {table}") == 0, table  # noqa: S608
        # A bad time half-way: the same.
        document["messages"][4]["role"] = "user"
        document["messages"][5]["created_at"] = "not a time"
        path.write_text(json.dumps(document))
        with pytest.raises(InvalidInput, match="invalid value"):
            import_file(other, path)
        assert count(target, "SELECT count(*) FROM messages") == 0
    finally:
        other.close()
