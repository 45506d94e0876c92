"""Session tokens: each way a token can be wrong is rejected with its own error."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import jwt
import pytest

from agentsess_tui.core import (
    AgentMismatch,
    ManualClock,
    SessionEnded,
    SessionExpired,
    StorageError,
    Store,
    TokenInvalid,
    TokenRevoked,
)
from agentsess_tui.core.clock import MINUTE_MS
from agentsess_tui.core.tokens import TokenClaims, encode, key_id, load_key, mask


def _b64(data: dict[str, object]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _claims(token: str) -> dict[str, object]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def test_a_fresh_token_verifies_and_carries_the_activation(store: Store, agent: str) -> None:
    activation = store.create_session(agent)
    session = activation.session
    claims = _claims(activation.token)
    assert claims["sub"] == session.id
    assert claims["agt"] == agent
    assert claims["jti"] == session.token_jti
    assert claims["iat"] == session.activated_at // 1000
    assert claims["exp"] == session.cap_at // 1000  # the cap: it never changes in an activation
    assert store.verify_token(activation.token, agent) == session
    assert store.verify_token(f"  {activation.token}\n") == session
    assert store.session_token(session.id) == activation.token


def test_the_token_does_not_change_when_the_session_is_extended(store: Store, agent: str) -> None:
    activation = store.create_session(agent)
    store.extend_session(activation.session.id, 120)
    assert store.session_token(activation.session.id) == activation.token
    assert store.verify_token(activation.token).expires_at == (
        activation.session.expires_at + 120 * MINUTE_MS
    )


def test_a_token_is_parsed_once_but_its_session_is_read_every_time(
    store: Store, agent: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    activation = store.create_session(agent)
    store.verify_token(activation.token)
    parsed: list[str] = []
    real_decode = jwt.decode
    monkeypatch.setattr(jwt, "decode", lambda *a, **k: parsed.append(a[0]) or real_decode(*a, **k))
    assert store.verify_token(activation.token) == activation.session
    assert parsed == []  # the signature was checked the first time
    header, payload, signature = activation.token.split(".")
    altered = ("B" if signature[0] == "A" else "A") + signature[1:]
    with pytest.raises(TokenInvalid, match="altered or forged"):
        store.verify_token(".".join([header, payload, altered]))
    assert len(parsed) == 1  # a token not seen before is checked
    # What can change is not kept: the ended session's token is dead at once.
    store.end_session(activation.session.id)
    with pytest.raises(SessionEnded):
        store.verify_token(activation.token)
    assert len(parsed) == 1


def test_forged_signature(store: Store, agent: str) -> None:
    mine = store.create_session(agent).token
    other_agent = store.add_agent("other").id
    theirs = store.create_session(other_agent).token
    header, _, signature = mine.split(".")
    # Someone swaps in the payload of another session and keeps a real signature.
    forged = ".".join([header, theirs.split(".")[1], signature])
    with pytest.raises(TokenInvalid) as caught:
        store.verify_token(forged)
    assert caught.type is TokenInvalid
    assert "altered or forged" in caught.value.message


def test_forged_signature_claiming_our_key_id(store: Store, agent: str) -> None:
    session = store.create_session(agent).session
    claims = {"sub": session.id, "agt": agent, "jti": session.token_jti, "iat": 1, "exp": 9**10}
    forged = jwt.encode(claims, b"guess" * 8, algorithm="HS256", headers={"kid": key_id(store.key)})
    with pytest.raises(TokenInvalid, match="altered or forged"):
        store.verify_token(forged)


def test_token_signed_with_another_key(store: Store, agent: str, db_path: Path) -> None:
    session = store.create_session(agent).session
    elsewhere = Store(db_path, clock=store.clock, key=b"another installation's key!!!!!!")
    foreign = elsewhere.session_token(session.id)  # same claims, other key
    with pytest.raises(TokenInvalid) as caught:
        store.verify_token(foreign)
    assert caught.type is TokenInvalid
    assert "another key" in caught.value.message
    assert "altered or forged" not in caught.value.message
    elsewhere.close()


@pytest.mark.parametrize(
    "token",
    ["", "not-a-token", "a.b.c", "e30.e30.", "Bearer xyz"],
)
def test_malformed_tokens(store: Store, token: str) -> None:
    with pytest.raises(TokenInvalid, match="not a valid session token"):
        store.verify_token(token)


def test_unsigned_and_incomplete_tokens(store: Store, agent: str) -> None:
    session = store.create_session(agent).session
    claims = {"sub": session.id, "agt": agent, "jti": session.token_jti, "iat": 1, "exp": 9**10}
    unsigned = _b64({"alg": "none", "typ": "JWT"}) + "." + _b64(claims) + "."
    with pytest.raises(TokenInvalid, match="not a valid session token"):
        store.verify_token(unsigned)
    partial = jwt.encode({"sub": session.id, "agt": agent}, store.key, algorithm="HS256")
    with pytest.raises(TokenInvalid, match="not a valid session token"):
        store.verify_token(partial)


def test_wrong_agent(store: Store, agent: str) -> None:
    store.add_agent("impostor")
    token = store.create_session(agent).token
    with pytest.raises(AgentMismatch) as caught:
        store.verify_token(token, "impostor")
    assert "'bot'" in caught.value.message and "'impostor'" in caught.value.message


def test_token_of_a_previous_activation(store: Store, agent: str) -> None:
    first = store.create_session(agent)
    store.end_session(first.session.id)
    second = store.resume_session(first.session.id)
    with pytest.raises(TokenRevoked) as caught:
        store.verify_token(first.token)
    assert caught.type is TokenRevoked
    assert "earlier activation" in caught.value.message
    assert store.verify_token(second.token).id == first.session.id
    # Still revoked when the new activation ends: only the current one may say "ended".
    store.end_session(first.session.id)
    with pytest.raises(TokenRevoked):
        store.verify_token(first.token)
    with pytest.raises(SessionEnded):
        store.verify_token(second.token)


def test_token_after_end(store: Store, agent: str) -> None:
    activation = store.create_session(agent)
    store.end_session(activation.session.id, "finished")
    with pytest.raises(SessionEnded, match="finished"):
        store.verify_token(activation.token)


def test_expired_token(store: Store, agent: str, clock: ManualClock) -> None:
    activation = store.create_session(agent)
    clock.set(activation.session.expires_at - 1)
    assert store.verify_token(activation.token).id == activation.session.id
    clock.advance(ms=1)
    with pytest.raises(SessionExpired) as caught:
        store.verify_token(activation.token)
    assert caught.value.expired_at == activation.session.expires_at
    # Checking a token is a read: it did not write the expiry.
    assert store.get_session(activation.session.id).state == "active"
    with pytest.raises(SessionExpired):
        store.session_token(activation.session.id)


def test_token_of_a_deleted_session(store: Store, agent: str) -> None:
    activation = store.create_session(agent)
    store.delete_session(activation.session.id)
    with pytest.raises(TokenInvalid, match="no longer exists"):
        store.verify_token(activation.token)


def test_token_is_good_until_the_last_millisecond_of_an_off_second_cap(
    db_path: Path,
) -> None:
    clock = ManualClock("2026-01-15T09:00:00.700Z")
    store = Store(db_path, clock=clock)
    store.add_agent("bot")
    tight = {"window_minutes": 5, "warning_minutes": 1, "max_lifetime_minutes": 5}
    activation = store.create_session("bot", options=tight)
    assert activation.session.expires_at == activation.session.cap_at
    clock.set(activation.session.expires_at - 1)
    assert store.verify_token(activation.token).id == activation.session.id
    clock.advance(ms=1)
    with pytest.raises(SessionExpired):
        store.verify_token(activation.token)
    store.close()


# -- the key ---------------------------------------------------------------------------------


def test_key_file_is_created_private_and_reused(
    store: Store, agent: str, home: Path, db_path: Path
) -> None:
    token = store.create_session(agent).token
    key_file = home / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(bytes.fromhex(key_file.read_text())) == 32
    again = Store(db_path, clock=store.clock)
    assert again.verify_token(token).agent_id == agent
    again.close()


def test_agentsess_secret_changes_the_key(
    store: Store, agent: str, db_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from_file = store.create_session(agent)
    monkeypatch.setenv("AGENTSESS_SECRET", "correct horse battery staple, twice over")
    with_secret = Store(db_path, clock=store.clock)
    with pytest.raises(TokenInvalid, match="another key"):
        with_secret.verify_token(from_file.token)
    token = with_secret.session_token(from_file.session.id)
    assert token != from_file.token
    same_secret = Store(db_path, clock=store.clock)
    assert same_secret.verify_token(token).id == from_file.session.id
    monkeypatch.setenv("AGENTSESS_SECRET", "another passphrase that is long enough")
    with pytest.raises(TokenInvalid, match="another key"):
        Store(db_path, clock=store.clock).verify_token(token)
    with_secret.close()
    same_secret.close()


def test_no_key_file_is_written_when_a_secret_is_set(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENTSESS_SECRET", "s3cret" * 8)
    key_file = tmp_path / "keys" / "secret.key"
    assert load_key(key_file) == load_key(tmp_path / "elsewhere.key")
    assert not key_file.exists()


@pytest.mark.parametrize("content", ["this is not hex", "", "  \n", "abcd", "é"])
def test_a_damaged_key_file_is_a_storage_error(tmp_path: Path, content: str) -> None:
    """Never sign with an empty or truncated key (a file cut short by a crash)."""
    key_file = tmp_path / "secret.key"
    key_file.write_text(content, encoding="utf-8")
    with pytest.raises(StorageError, match="damaged"):
        load_key(key_file, env={})


def test_mask_hides_the_signature_and_skips_the_constant_header() -> None:
    token = "eyJhbGciOiJIUzI1NiJ9.claims-that-end-XYZ123.signature-part"
    shown = mask(token)
    assert shown == "…XYZ123.…"
    assert "eyJhbG" not in shown and "signature" not in shown and "part" not in shown
    assert mask("short") == "…"
    assert mask("not-a-jwt-but-long-enough") == "not-a-…"


def test_masks_of_two_real_tokens_differ(tmp_path: Path) -> None:
    key = load_key(tmp_path / "secret.key", env={})
    first, second = (
        encode(key, TokenClaims(f"s-{n}", "bot", f"jti-{n}", 1_000, 3_600_000 * n)) for n in (1, 2)
    )
    assert mask(first) != mask(second)
    assert not mask(first).startswith("eyJ")
