"""Session tokens: HS256 JWTs carrying agent, session, activation id and the lifetime cap.

The signature proves a token was issued here; the database decides whether it is still good
(current activation, active, unexpired, same agent). The claims never change during an
activation, so the same token can be shown again at any time.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import StorageError, TokenInvalid

ALGORITHM = "HS256"


@dataclass(frozen=True, slots=True)
class TokenClaims:
    session_id: str
    agent_id: str
    jti: str
    issued_at: int
    expires_at: int


def load_key(key_file: Path, env: Mapping[str, str] | None = None) -> bytes:
    """The signing key: `AGENTSESS_SECRET` if set, else a random key file created 0600."""
    environ = os.environ if env is None else env
    secret = environ.get("AGENTSESS_SECRET")
    if secret:
        # Hash so that any passphrase becomes a full-length HS256 key.
        return hashlib.sha256(secret.encode("utf-8")).digest()
    try:
        return bytes.fromhex(key_file.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    except (ValueError, UnicodeDecodeError):
        raise StorageError(
            f"The key file {key_file} is damaged.",
            hint="Restore it from a backup, or delete it (existing tokens stop working).",
        ) from None
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another process created it first; use theirs.
        return load_key(key_file, environ)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key.hex())
    return key


def encode(key: bytes, claims: TokenClaims) -> str:
    import jwt

    payload: dict[str, Any] = {
        "sub": claims.session_id,
        "agt": claims.agent_id,
        "jti": claims.jti,
        "iat": claims.issued_at // 1000,
        "exp": claims.expires_at // 1000,
    }
    return jwt.encode(payload, key, algorithm=ALGORITHM)


def decode(key: bytes, token: str) -> TokenClaims:
    """Check the signature and shape. Expiry is checked by the caller against its own clock."""
    import jwt

    token = token.strip()
    try:
        payload = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            options={"verify_exp": False, "require": ["sub", "agt", "jti", "iat", "exp"]},
        )
    except jwt.InvalidSignatureError:
        raise TokenInvalid(
            "The token's signature does not match this database's key (forged, or issued by "
            "another installation).",
            hint="Get a fresh token with `agentsess sessions token <id>`.",
        ) from None
    except jwt.PyJWTError as exc:
        raise TokenInvalid(
            f"This is not a valid session token ({exc}).",
            hint="Session tokens are JWTs printed by `agentsess sessions token <id>`.",
        ) from None
    try:
        return TokenClaims(
            session_id=str(payload["sub"]),
            agent_id=str(payload["agt"]),
            jti=str(payload["jti"]),
            issued_at=int(payload["iat"]) * 1000,
            expires_at=int(payload["exp"]) * 1000,
        )
    except (TypeError, ValueError):
        raise TokenInvalid("The token's claims are malformed.") from None


def mask(token: str, keep: int = 6) -> str:
    """First and last few characters only: how tokens are shown unless asked for in full."""
    if len(token) <= keep * 2 + 1:
        return "…"
    return f"{token[:keep]}…{token[-keep:]}"
