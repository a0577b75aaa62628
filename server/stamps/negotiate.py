"""How the resolver answers one identified item, whatever its level (stamp, lot, product,
carton): the same rules for all, from the GS1-Conformant Resolver Standard (1.2.1 clause
numbers; see docs/resolver.md):

1. ``?linkType=<type>`` → 307 to that link, query string passed on (2.6.2/§5.17, 2.12/§5.19),
   or 404 if the item has no such link (§5.18);
2. ``?linkType=linkset`` (or ``all``), ``Accept: application/linkset+json`` or
   ``application/json`` → the linkset; ``Accept: application/ld+json`` → the linkset as
   JSON-LD (2.2 (3c), 2.9, 2.10);
3. a browser (``Accept`` naming ``text/html``) → the page itself, served at the Digital Link
   (2.2 lets a resolver serve content; it saves a round trip on a slow phone network);
4. any other client → 307 to the default link (2.2 (3b)), which is the item's information
   page ``/info/…`` — never the request URI itself.

Every answer carries CORS (2.2/§5.4) and ``Link`` (``rel="linkset"``, RFC 9264 §6).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from server.errors import NoSuchLink, StampError
from server.stamps import links

__all__ = ["Item", "answer", "wants_linkset_json", "wants_jsonld", "is_browser", "CORS"]

CORS = StampError.headers
LINKSET = "application/linkset+json"


@dataclass
class Item:
    """One identified item as the resolver offers it."""

    anchor: str
    description: str
    links: dict[str, str]
    titles: dict[str, str] = field(default_factory=dict)
    extra_headers: dict[str, str] = field(default_factory=dict)

    @property
    def link_header(self) -> str:
        return links.link_header(self.links, self.anchor)


def wants_jsonld(accept: str) -> bool:
    return "application/ld+json" in accept and "text/html" not in accept


def wants_linkset_json(accept: str, link_type: str | None) -> bool:
    if link_type in ("linkset", "all"):
        return True
    return LINKSET in accept or ("application/json" in accept and "text/html" not in accept)


def is_browser(accept: str) -> bool:
    return "text/html" in accept


def _headers(item: Item) -> dict[str, str]:
    return {**CORS, "Link": item.link_header, **item.extra_headers}


def _redirect(item: Item, target: str, request: Request) -> Response:
    query = links.passed_on(request.scope.get("query_string", b"").decode("latin-1"))
    return RedirectResponse(links.with_query(target, query), status_code=307,
                            headers=_headers(item))


async def answer(request: Request, item: Item,
                 page: Callable[[], Awaitable[Response]]) -> Response:
    """The resolver's answer for ``item``; ``page`` renders its page for a browser."""
    link_type = request.query_params.get("linkType")
    accept = request.headers.get("accept", "")
    if link_type and link_type not in ("linkset", "all"):
        name = links.normalise_link_type(link_type)
        if name is None or name not in item.links:
            raise NoSuchLink(f"No link of type {link_type!r} for this item.")
        return _redirect(item, item.links[name], request)
    if wants_jsonld(accept) and not link_type:
        body = links.linkset_ld(item.anchor, item.links, item.description, item.titles)
        return JSONResponse(body, media_type="application/ld+json", headers=_headers(item))
    if wants_linkset_json(accept, link_type):
        body = links.linkset(item.anchor, item.links, item.description, item.titles)
        return JSONResponse(body, media_type=LINKSET, headers=_headers(item))
    if is_browser(accept):
        resp = await page()
        resp.headers.update(_headers(item))
        return resp
    return _redirect(item, item.links["defaultLink"], request)
