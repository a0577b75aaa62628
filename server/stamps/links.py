"""GS1 link types, RFC 9264 linksets and the resolver description file.

What each function answers, and the clause of the GS1-Conformant Resolver Standard (1.2.1
numbering; 1.0/1.1 carry the same requirements) it serves:

* :func:`linkset` — the linkset of one identified item (2.10: ``application/linkset+json``,
  valid against GS1's linkset schema; 2.5.8/§5.14: exactly one ``gs1:defaultLink`` with only
  ``href`` and ``title``; 2.5.3–2.5.5/§5.11: every other link has a title, a media type and
  BCP 47 language tags); :func:`linkset_ld` the same as JSON-LD (2.10, with GS1's linkset
  context);
* :func:`link_header` — the ``Link`` header of every resolver answer, with ``rel="linkset"``
  (RFC 9264 §6) and the JSON-LD context (2.10/§5.13);
* :func:`passed_on` — the query string a redirect passes on (2.12/§5.19), without the
  resolver's own keywords ``linkType`` and ``context``;
* :func:`resolver_description` — ``/.well-known/gs1resolver`` (section 3/§5.21).

The default link of every item is its *information page* ``<base>/info/<DL path>``: the same
page a browser gets directly at the Digital Link itself (2.2 lets a resolver serve content;
see docs/resolver.md), so a client asking for the default link is redirected to a target that
is not the request URI.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from qr.gs1 import percent_encode

__all__ = ["GS1_VOC", "LINK_TYPES", "LINKSET_CONTEXT", "JSONLD_CONTEXT_REL", "RESOLVER_KEYWORDS",
           "normalise_link_type", "info_uri", "links_for", "linkset", "linkset_ld",
           "link_header", "with_linkset", "passed_on", "with_query", "resolver_description"]

GS1_VOC = "https://gs1.org/voc/"
#: GS1's linkset JSON-LD context (Resolver standard, "Artefacts").
LINKSET_CONTEXT = "https://ref.gs1.org/standards/resolver/linkset-context"
JSONLD_CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"
#: The link types this resolver offers for a stamp, by their short name.
LINK_TYPES = ("defaultLink", "pip", "traceability", "certificationInfo")
#: Query keywords that belong to the resolver and are not passed on (2.12; Digital Link 4.10.1).
RESOLVER_KEYWORDS = frozenset({"linkType", "context"})
_VOC_FORMS = (GS1_VOC, "https://ref.gs1.org/voc/", "https://www.gs1.org/voc/", "http://gs1.org/voc/",
              "gs1:")

_TITLES = {"defaultLink": "Thông tin sản phẩm và nguồn gốc lô hàng",
           "pip": "Trang thông tin sản phẩm",
           "traceability": "Lịch sử lô hàng (EPCIS 2.0)",
           "certificationInfo": "Chứng nhận (VietGAP, OCOP, kiểm dịch…)"}
_TYPES = {"defaultLink": "text/html", "pip": "text/html",
          "traceability": "application/ld+json", "certificationInfo": "application/json"}


def normalise_link_type(value: str) -> str | None:
    """``gs1:pip``, ``pip`` or ``https://gs1.org/voc/pip`` (or ``ref.gs1.org``) → ``pip``;
    None if not a GS1 type (2.14/§5.24: the ``gs1:`` namespace is recognised)."""
    v = value.strip()
    for prefix in _VOC_FORMS:
        if v.startswith(prefix):
            v = v[len(prefix):]
            break
    return v if v.replace("_", "").isalnum() else None


def info_uri(base: str, anchor: str) -> str:
    """The information page of the item named by ``anchor`` (a Digital Link on ``base``)."""
    return f"{base}/info{anchor[len(base):]}"


def links_for(base: str, anchor: str, gtin14: str, lot: str, serial: str) -> dict[str, str]:
    """A stamp's links by short link type."""
    tail = f"{gtin14}/{percent_encode(lot)}/{serial}"  # a lot ".." stays one segment
    page = info_uri(base, anchor)
    return {
        "defaultLink": page,
        "pip": page,
        "traceability": f"{base}/traceability/{tail}",
        "certificationInfo": f"{base}/certification/{tail}",
    }


def linkset(anchor: str, links: dict[str, str], description: str,
            titles: dict[str, str] | None = None) -> dict[str, Any]:
    """RFC 9264 JSON linkset of one item, as GS1's linkset schema wants it: the anchor, the
    item's description, ``gs1:defaultLink`` with ``href`` and ``title`` only, every other
    link with ``title``, ``type`` and ``hreflang`` (link types as full GS1 URIs)."""
    names = {**_TITLES, **(titles or {})}
    ctx: dict[str, Any] = {"anchor": anchor, "itemDescription": description}
    for name, href in links.items():
        link: dict[str, Any] = {"href": href, "title": names.get(name, name)}
        if name != "defaultLink":
            link.update(type=_TYPES.get(name, "text/html"), hreflang=["vi", "en"])
        ctx[GS1_VOC + name] = [link]
    return {"linkset": [ctx]}


def linkset_ld(anchor: str, links: dict[str, str], description: str,
               titles: dict[str, str] | None = None) -> dict[str, Any]:
    """:func:`linkset` as JSON-LD: GS1's linkset context embedded (2.10)."""
    return {"@context": LINKSET_CONTEXT, **linkset(anchor, links, description, titles)}


def with_linkset(header: str, anchor: str) -> str:
    """``header`` plus the links every resolver answer carries: the item's linkset
    (``rel="linkset"``) and the linkset's JSON-LD context."""
    return (f'{header}, <{anchor}?linkType=linkset>; rel="linkset"; '
            f'type="application/linkset+json", <{LINKSET_CONTEXT}>; rel="{JSONLD_CONTEXT_REL}"')


def link_header(links: dict[str, str], anchor: str) -> str:
    """The ``Link`` header of an item's answers: each link by its GS1 type, then
    :func:`with_linkset`."""
    own = ", ".join(f'<{href}>; rel="{GS1_VOC}{name}"' for name, href in links.items())
    return with_linkset(own, anchor)


def passed_on(query: str) -> str:
    """The raw query string without the resolver's own keywords, kept byte for byte
    otherwise (2.12: the query string is passed on)."""
    keep = [p for p in query.split("&")
            if p and unquote(p.partition("=")[0]) not in RESOLVER_KEYWORDS]
    return "&".join(keep)


def with_query(target: str, query: str) -> str:
    """``target`` with ``query`` (already :func:`passed_on`) appended."""
    if not query:
        return target
    return target + ("&" if "?" in target else "?") + query


def resolver_description(base: str) -> dict[str, Any]:
    """The ``/.well-known/gs1resolver`` document (Resolver standard section 3, valid against
    GS1's description file schema: numeric primary keys, ``supportedLinkType`` objects,
    ``jsonLdContextLocation``)."""
    return {
        "name": "nongso GS1 Digital Link resolver",
        "resolverRoot": base,
        "supportedPrimaryKeys": ["01", "00"],
        "supportedLinkType": [{"namespace": GS1_VOC, "prefix": "gs1:"}],
        "linkTypeDefaultCanBeLinkset": False,
        "supportedContextValuesEnumerated": [],
        "jsonLdContextLocation": LINKSET_CONTEXT,
        "contact": {"fn": "nongso"},
    }
