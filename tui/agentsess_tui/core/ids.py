"""Identifiers: agent slugs, sortable session ids, activation ids."""

from __future__ import annotations

import random
import re
import secrets
import string

from .errors import InvalidInput

AGENT_ID_RE = re.compile(r"^[a-z0-9._-]{1,64}$")
# Session ids we create are `sess_` + 26 Crockford base32 characters; imported files may bring
# other ids, which are accepted when they are this safe.
SESSION_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,79}$")

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
# Ids need to be unique, not secret; demo data and screenshots swap in a seeded generator so
# their output is reproducible. Tokens are signed with the key, which is what keeps them safe.
_ALPHABET = string.ascii_letters + string.digits + "-_"
_random: random.Random = secrets.SystemRandom()


def use_random(generator: random.Random | None) -> None:
    """Draw ids from `generator` (a seeded `random.Random`), or from the OS again with None."""
    global _random  # noqa: PLW0603 (one process-wide source; tests and the demo seed it)
    _random = generator if generator is not None else secrets.SystemRandom()


def new_session_id(now_ms: int) -> str:
    """`sess_` + a ULID-style id: 10 characters of time, then 16 random ones, so ids sort by age."""
    stamp = now_ms & ((1 << 50) - 1)
    time_part = "".join(_CROCKFORD[(stamp >> shift) & 31] for shift in range(45, -1, -5))
    random_part = "".join(_random.choice(_CROCKFORD) for _ in range(16))
    return f"sess_{time_part}{random_part}"


def new_activation_id() -> str:
    return "".join(_random.choice(_ALPHABET) for _ in range(16))


def check_agent_id(agent_id: str) -> str:
    if not isinstance(agent_id, str) or not AGENT_ID_RE.match(agent_id):
        raise InvalidInput(
            f"{agent_id!r} is not a valid agent id.",
            hint="Use 1–64 lower-case letters, digits, '.', '_' or '-', e.g. 'research-bot'.",
        )
    return agent_id


def check_session_id(session_id: str) -> str:
    if not isinstance(session_id, str) or not SESSION_ID_RE.match(session_id):
        shown = session_id if len(str(session_id)) <= 40 else str(session_id)[:40] + "…"
        raise InvalidInput(
            f"{shown!r} is not a valid session id.",
            hint="Session ids look like 'sess_01jd8x…'; list them with `agentsess sessions ls`.",
        )
    return session_id
