"""Passwords (argon2) and signed session tokens.

A token is ``<user id>.<token version>.<expiry unix s>.<token id>.<HMAC-SHA256>``
(random base64url token id, base64url MAC). The same token is the bearer token of the API
and the value of the HTTP-only session cookie of the pages. Bumping ``User.token_version``
revokes every token of that user (password change, "log out everywhere"); logging out
revokes one token by its id (the ``revoked_tokens`` deny list, kept until expiry).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from starlette.requests import HTTPConnection

__all__ = ["hash_password", "verify_password", "needs_rehash", "TokenClaims",
           "issue_token", "read_token", "token_from", "COOKIE_NAME"]

COOKIE_NAME = "nongso_session"

_hasher = PasswordHasher()  # argon2id, library defaults (RFC 9106 recommendation)
# A fixed dummy hash so an unknown login costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash("nongso-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, stored_hash: str | None) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: int
    version: int
    expires: int
    jti: str


_JTI = re.compile(r"[A-Za-z0-9_-]{16}")


def _mac(key: str, msg: str) -> str:
    digest = hmac.new(key.encode(), msg.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issue_token(key: str, user_id: int, version: int, ttl_s: int) -> str:
    body = f"{user_id}.{version}.{int(time.time()) + ttl_s}.{secrets.token_urlsafe(12)}"
    return f"{body}.{_mac(key, body)}"


def read_token(key: str, token: str) -> TokenClaims | None:
    """Return the claims of a well-formed, correctly signed, unexpired token, else None."""
    if len(token) > 200:
        return None
    parts = token.split(".")
    if len(parts) != 5 or not _JTI.fullmatch(parts[3]):
        return None
    body = ".".join(parts[:4])
    if not hmac.compare_digest(_mac(key, body), parts[4]):
        return None
    try:
        uid, ver, exp = (int(p) for p in parts[:3])
    except ValueError:
        return None
    if exp < time.time():
        return None
    return TokenClaims(uid, ver, exp, parts[3])


def token_from(conn: HTTPConnection) -> tuple[str | None, bool]:
    """The request's session token, unchecked: the bearer header, else the session cookie;
    and whether it came from the cookie. Works on a bare ASGI scope (``HTTPConnection``)."""
    auth = conn.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip(), False
    cookie = conn.cookies.get(COOKIE_NAME)
    return (cookie, True) if cookie else (None, False)
