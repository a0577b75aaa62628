"""Security headers on every response (a plain ASGI middleware).

* ``Content-Security-Policy``: scripts only from our own origin (no inline scripts, no
  inline event handlers — templates load ``/static/*.js``), styles from our origin plus
  inline ``<style>`` blocks (the templates use them), no plugins, no framing
  (``frame-ancestors 'none'``), forms post only to us;
* ``X-Content-Type-Options: nosniff``, ``Referrer-Policy`` (stamp URLs carry serials: other
  sites get the origin only), ``X-Frame-Options: DENY`` for old browsers,
  ``Permissions-Policy`` (camera and position for our own pages only: the packing-house
  scanner, and the consumer's optional "share my approximate place");
* ``Strict-Transport-Security`` only when the request came over HTTPS (uvicorn's
  ``proxy_headers`` turns the proxy's ``X-Forwarded-Proto`` into the scheme) or when
  ``hsts_always`` is set (``cookie_secure`` in the settings: the site is HTTPS-only);
* ``Cache-Control`` on ``/static/*``: a day, then a week of serving the copy while it is
  revalidated (a phone on 3G loads the stylesheet and icons once; the files keep their
  names, so a longer life would keep a fix away for too long).

Headers a route already set are kept (e.g. the GS1 resolver's CORS headers are untouched:
this middleware adds no CORS header at all). FastAPI's ``/docs`` and ``/redoc`` load their
assets from a CDN and get a policy that allows exactly that.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["SecurityHeadersMiddleware", "CSP", "DOCS_CSP", "install_input_guards"]

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
            "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'")
HSTS = b"max-age=31536000; includeSubDomains"
STATIC_CACHE = b"public, max-age=86400, stale-while-revalidate=604800"
_DOCS = ("/docs", "/redoc")
_COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(self), microphone=(), geolocation=(self), payment=()"),
]


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, hsts_always: bool = False) -> None:
        self.app = app
        self.hsts_always = hsts_always

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        csp = DOCS_CSP if path.startswith(_DOCS) else CSP
        extra = [*_COMMON, (b"content-security-policy", csp.encode())]
        if self.hsts_always or scope.get("scheme") == "https":
            extra.append((b"strict-transport-security", HSTS))
        static = path.startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                have = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in extra if k not in have]
                if static and message.get("status") in (200, 304) and b"cache-control" not in have:
                    headers.append((b"cache-control", STATIC_CACHE))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_input_guards(app: Any) -> None:
    """Numbers too large for the database (e.g. ``/lots/99999999999999999999999``) are the
    client's mistake: 422 with a message, not a 500 (SQLite raises ``OverflowError``)."""
    from fastapi import Request
    from fastapi.responses import Response

    from server.errors import DomainError, Invalid

    async def _overflow(request: Request, exc: Exception) -> Response:
        handler = app.exception_handlers[DomainError]
        response: Response = await handler(
            request, Invalid("A number in the request is too large."))
        return response

    app.add_exception_handler(OverflowError, _overflow)
