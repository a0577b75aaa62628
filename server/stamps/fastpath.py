"""The ASGI fast path of the consumer scan: a plain browser ``GET``/``HEAD`` of a genuine,
issued stamp is served without FastAPI's router and dependency machinery, which every
other route pays for. Anything else — linkset, ``linkType``, malformed, not genuine,
never issued, the PIN ``POST`` — continues to the route in :mod:`server.stamps.resolver`
(which answers, with its errors, linksets, redirects and the failed-lookup throttle).
It runs inside the security-headers and metrics middlewares."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from server.deps import client_address
from server.stamps.gate import is_genuine
from server.stamps.links import with_linkset
from server.stamps.scanpage import float_or_none, page_headers, serve_scan, wants_linkset
from server.stamps.services import StampServices

__all__ = ["ScanFastPath"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class ScanFastPath:
    """Serve browser scans of genuine stamps without the router; see the module doc."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] == "http" and scope["method"] in ("GET", "HEAD")
                and scope["path"].startswith("/01/")):
            body = await self._try(scope)
            if body is not None:
                status, headers, content = body
                await send({"type": "http.response.start", "status": status,
                            "headers": headers})
                await send({"type": "http.response.body",
                            "body": b"" if scope["method"] == "HEAD" else content})
                return
        await self.app(scope, receive, send)

    async def _try(self, scope: Scope) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
        """The response for a plain browser scan of a genuine stamp, else None."""
        query: dict[str, str] = {}
        if scope.get("query_string"):
            query = dict(parse_qsl(scope["query_string"].decode("latin-1")))
            if "linkType" in query:
                return None
        accept = agent = ""
        for name, value in scope["headers"]:
            if name == b"accept":
                accept = value.decode("latin-1")
            elif name == b"user-agent":
                agent = value.decode("latin-1")
        if "text/html" not in accept or wants_linkset(accept, None):
            return None  # not a browser: the route negotiates (linkset, JSON-LD, redirect)
        svc: StampServices = scope["app"].state.stamps
        raw = scope.get("raw_path") or scope["path"].encode()
        stamp_id = is_genuine(svc.keyring, raw.decode("latin-1"))
        if stamp_id is None:
            return None
        lang = "en" if query.get("lang") == "en" else "vi"
        ip = client_address(Request(scope), svc.settings)  # the phone's, also behind a proxy
        served = await serve_scan(svc, stamp_id, lang, ip,
                                  float_or_none(query.get("lat")),
                                  float_or_none(query.get("lon")), scope["method"], agent)
        if served is None:
            return None
        anchor = svc.settings.public_base_url + raw.decode("latin-1")  # the stamp's own URI
        content, link = served[0].encode(), with_linkset(served[1], anchor)
        headers = [(k.lower().encode(), v.encode()) for k, v in page_headers(link).items()]
        headers += [(b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", str(len(content)).encode())]
        return 200, headers, content
