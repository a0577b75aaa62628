"""Compressed GS1 Digital Link URIs at the resolver (GS1-Conformant Resolver Standard 2.3,
§5.5: a resolver SHALL be able to decompress a URI; it SHALL expose the uncompressed URI in
a ``Link`` header with ``rel="owl:sameAs"``; it SHOULD NOT redirect to the uncompressed URI
on the same resolver).

An ASGI middleware, outside :class:`~server.stamps.fastpath.ScanFastPath`: a ``GET``,
``HEAD`` or ``OPTIONS`` of a fully compressed ``/<segment>`` or a partially compressed
``/<primary key>/<value>/<segment>`` (GS1's toolkit's ``uncompressedPrimary`` form, e.g.
``/01/05412345000013/EEarwSM``) that decompresses (:mod:`qr.dl_compress`) into exactly one GS1
primary key with a valid check digit is answered as the uncompressed URI — the same page,
linkset or redirect, a stamp's scan counted the same way — with
``Link: <uncompressed>; rel="owl:sameAs"`` added. Any other path is passed on untouched after
one ``str.count`` (only paths of one or three segments are looked at; a one-segment path only
if it is 6+ URI-safe base-64 characters, so ``/login`` and the other pages never are; a
three-segment one only if it starts with a primary key, so ``/info/01/<GTIN>`` never is).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote

from qr.dl_compress import looks_compressed

__all__ = ["CompressedLinks"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class CompressedLinks:
    """Answer compressed Digital Link URIs as their uncompressed form; see the module doc."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        full = None
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD", "OPTIONS"):
            raw = scope.get("raw_path")  # escapes kept: a key's value may hold %2F
            path = raw.decode("latin-1").partition("?")[0] if raw else scope["path"]
            full = looks_compressed(path)
        if full is None:
            await self.app(scope, receive, send)
            return
        path, _, query = full.partition("?")
        asked = scope.get("query_string", b"").decode("latin-1")
        merged = "&".join(q for q in (query, asked) if q)
        base = scope["app"].state.stamps.settings.public_base_url
        same_as = f'<{base}{path}{"?" + query if query else ""}>; rel="owl:sameAs"'.encode()
        inner = dict(scope, path=unquote(path), raw_path=path.encode(),
                     query_string=merged.encode("latin-1"))

        async def send_with_link(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []),
                                                   (b"link", same_as)]}
            await send(message)

        await self.app(inner, receive, send_with_link)
