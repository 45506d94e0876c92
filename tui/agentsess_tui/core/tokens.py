"""Session tokens: HS256 JWTs carrying agent, session, activation id and the lifetime cap.

The signature proves a token was issued here; the database decides whether it is still good
(current activation, active, unexpired, same agent). The claims never change during an
activation, so the same token can be shown again at any time.
"""

from __future__ import annotations

import functools
import hashlib
import os
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InvalidInput, StorageError, TokenInvalid
from .files import private_dir, refuse_loose, tighten

ALGORITHM = "HS256"
MIN_KEY_BYTES = 16
# AGENTSESS_SECRET: as much material as the random key file holds.
MIN_SECRET_BYTES = 32


@dataclass(frozen=True, slots=True)
class TokenClaims:
    session_id: str
    agent_id: str
    jti: str
    issued_at: int
    expires_at: int


def signing_key(key_file: Path) -> bytes:
    """`load_key`, with an unreadable key file (a directory, no permission, a full disk) as a
    StorageError that says what to do."""
    try:
        return load_key(key_file)
    except OSError as exc:
        raise StorageError(
            f"Cannot read or create the key file {key_file} ({exc.strerror or exc}).",
            hint="Check its permissions, or set AGENTSESS_SECRET.",
        ) from None


def load_key(key_file: Path, env: Mapping[str, str] | None = None) -> bytes:
    """The signing key: `AGENTSESS_SECRET` if set, else a random key file created 0600."""
    environ = os.environ if env is None else env
    secret = environ.get("AGENTSESS_SECRET")
    if secret:
        if len(secret.strip().encode("utf-8")) < MIN_SECRET_BYTES:
            raise InvalidInput(
                f"AGENTSESS_SECRET must hold at least {MIN_SECRET_BYTES} bytes of secret "
                "material; tokens signed with a short one can be forged.",
                hint="Set it to e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`,"
                " or unset it to use the key file.",
            )
        # Hash so that any passphrase becomes a full-length HS256 key.
        return hashlib.sha256(secret.encode("utf-8")).digest()
    refuse_loose(key_file.parent, "the key's directory")
    refuse_loose(key_file, "the key file")
    tighten(key_file)
    try:
        key = bytes.fromhex(key_file.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    except (ValueError, UnicodeDecodeError):
        raise _damaged(key_file) from None
    except OSError as exc:
        raise StorageError(
            f"Cannot read the key file {key_file}: {exc.strerror or exc}.",
            hint="Check its permissions (it should be yours, mode 0600).",
        ) from None
    else:
        if len(key) < MIN_KEY_BYTES:  # empty or cut short: never sign with a weak key
            raise _damaged(key_file)
        return key
    private_dir(key_file.parent)
    key = secrets.token_bytes(32)
    # Written whole to a private temporary file, then linked into place: another process
    # never reads a half-written key, and the first one to link wins.
    fd, temporary = tempfile.mkstemp(prefix=".secret-", dir=key_file.parent)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key.hex())
        os.link(temporary, key_file)
    except FileExistsError:
        return load_key(key_file, environ)  # another process created it first; use theirs
    finally:
        Path(temporary).unlink()
    return key


def _damaged(key_file: Path) -> StorageError:
    return StorageError(
        f"The key file {key_file} is damaged.",
        hint="Restore it from a backup, or delete it (existing tokens stop working).",
    )


def encode(key: bytes, claims: TokenClaims) -> str:
    import jwt

    payload: dict[str, Any] = {
        "sub": claims.session_id,
        "agt": claims.agent_id,
        "jti": claims.jti,
        "iat": claims.issued_at // 1000,
        # Rounded up: JWT times are whole seconds, and a cap at 12:00:00.700 truncated to
        # 12:00:00 would reject a token in the last (live) 0.7 s of its activation.
        "exp": -(-claims.expires_at // 1000),
    }
    return jwt.encode(payload, key, algorithm=ALGORITHM, headers={"kid": key_id(key)})


def key_id(key: bytes) -> str:
    """A short fingerprint of the signing key, carried in each token's header (`kid`).

    It tells a token from another installation (or from before AGENTSESS_SECRET changed) apart
    from a forged one. It reveals nothing new: the token's HMAC already lets anyone test a guess.
    """
    return hashlib.sha256(b"agentsess key id\0" + key).hexdigest()[:12]


def decode(key: bytes, token: str) -> TokenClaims:
    """Check the signature and shape. Expiry is checked by the caller against its own clock."""
    return _checked(key, token.strip())


# A server sees the same token on every call of an activation: its signature and shape are
# checked once (PyJWT takes ~0.1 ms, most of a status call). Only what cannot change is kept;
# whether the activation is current, live and ended is read from the database each time.
# Failures are not cached (lru_cache keeps no exceptions).
@functools.lru_cache(maxsize=4096)
def _checked(key: bytes, token: str) -> TokenClaims:
    import jwt

    try:
        payload = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            options={"verify_exp": False, "require": ["sub", "agt", "jti", "iat", "exp"]},
        )
    except jwt.InvalidSignatureError:
        raise _signature_error(key, token) from None
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


def _signature_error(key: bytes, token: str) -> TokenInvalid:
    import jwt

    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except jwt.PyJWTError:
        kid = None
    if isinstance(kid, str) and kid != key_id(key):
        return TokenInvalid(
            "The token was signed with another key: it comes from another installation, or "
            "AGENTSESS_SECRET changed since it was issued.",
            hint="Get a token from this database with `agentsess sessions token <id>`.",
        )
    return TokenInvalid(
        "The token's signature is not valid: the token was altered or forged.",
        hint="Use the token exactly as `agentsess sessions token <id>` prints it.",
    )


def mask(token: str, keep: int = 6) -> str:
    """A few characters that tell tokens apart: how tokens are shown unless asked for in full.

    A JWT's header is the same in every token (`eyJhbG…`) and its signature is the secret
    part, so a JWT shows the end of its claims (they differ: session, expiry) and hides the
    signature. Anything else shows its first few characters.
    """
    parts = token.split(".")
    if len(parts) == 3 and len(parts[1]) > keep:
        return f"…{parts[1][-keep:]}.…"
    if len(token) <= keep * 2 + 1:
        return "…"
    return f"{token[:keep]}…"
