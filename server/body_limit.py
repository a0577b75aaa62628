"""Request body size limits per route (a plain ASGI middleware).

Every request body is counted as it streams in — ``Content-Length`` or chunked — and the
request is refused with 413 as soon as it is known to be too large:

* a declared ``Content-Length`` over the limit is refused at the first read, before a
  single byte of the body is taken from the socket;
* a chunked (or lying) body is refused at the chunk that passes the limit.

The limit is :attr:`Settings.body_limit_bytes` (1 MiB) on every route, the larger
:attr:`Settings.upload_body_limit_bytes` on the upload routes (:data:`UPLOAD_ROUTES`), and
never more than :attr:`Settings.anonymous_body_limit_bytes` (64 KiB) for a request without
a correctly signed, unexpired session token (bearer header or session cookie): FastAPI
reads a body before the app-wide login check runs, so an anonymous client — or one with a
made-up token — must not be able to make the server read megabytes first. Checking the
signature costs one HMAC, paid at the first read of the body only (a bodiless GET, such
as every consumer scan, never pays it); whether the user still exists, is active and has
not logged out is decided later by ``server.deps.authenticate``, as before.

The refusal is raised from the wrapped ``receive`` as an ``HTTPException(413)``, so it
reaches the one error mapping (``server/errors.py``: JSON ``{"detail", "code":
"too_large"}`` for the API, the Vietnamese error page for browsers).
"""

from __future__ import annotations

import re

from fastapi import HTTPException
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.security import read_token, token_from
from server.settings import Settings

__all__ = ["BodyLimitMiddleware", "UPLOAD_ROUTES", "limit_for", "signed_in"]

#: (method, path) of the routes that take a file upload (``UploadFile``), and the EPCIS
#: capture (up to 5000 events, a few MB of JSON).
UPLOAD_ROUTES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (m, re.compile(p)) for m, p in (
        ("PUT", r"/api/v1/products/\d+/photo"),
        ("POST", r"/api/v1/certificates"),
        ("POST", r"/api/v1/ocop/dossiers/\d+/documents"),
        ("POST", r"/ocop/dossiers/\d+/documents"),
        ("POST", r"/api/v1/epcis/capture"),
    ))


def signed_in(scope: Scope, secret_key: str) -> bool:
    """Whether the request carries a correctly signed, unexpired session token (the one
    :func:`server.deps.authenticate` reads: bearer header, else session cookie)."""
    token, _ = token_from(HTTPConnection(scope))
    return token is not None and read_token(secret_key, token) is not None


def limit_for(settings: Settings, scope: Scope, signed: bool) -> int:
    """The body limit of this request, in bytes."""
    method, path = scope.get("method", "GET"), scope.get("path", "")
    limit = settings.body_limit_bytes
    if any(m == method and p.fullmatch(path) for m, p in UPLOAD_ROUTES):
        limit = max(limit, settings.upload_body_limit_bytes)
    if not signed:
        limit = min(limit, settings.anonymous_body_limit_bytes)
    return limit


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _too_large(limit: int, anonymous: bool) -> HTTPException:
    size = f"{limit // 1024} KiB" if limit < 1024 * 1024 else f"{limit // (1024 * 1024)} MiB"
    hint = " without logging in" if anonymous else ""
    return HTTPException(413, f"The request body is too large: at most {size} here{hint}.")


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        seen = 0
        limit: int | None = None  # decided at the first read: a GET without a body (every
        anonymous = True          # consumer scan) never pays for the token check

        async def limited_receive() -> Message:
            nonlocal seen, limit, anonymous
            if limit is None:
                anonymous = not signed_in(scope, self.settings.secret_key)
                limit = limit_for(self.settings, scope, not anonymous)
            if declared is not None and declared > limit:
                raise _too_large(limit, anonymous)  # nothing of the body has been read
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _too_large(limit, anonymous)
            return message

        await self.app(scope, limited_receive, send)
