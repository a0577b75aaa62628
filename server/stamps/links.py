"""GS1 link types and the RFC 9264 linkset of a stamp."""

from __future__ import annotations

from typing import Any

from qr.gs1 import percent_encode

__all__ = ["GS1_VOC", "LINK_TYPES", "normalise_link_type", "links_for", "linkset",
           "resolver_description"]

GS1_VOC = "https://gs1.org/voc/"
#: The link types this resolver offers for a stamp, by their short name.
LINK_TYPES = ("defaultLink", "pip", "traceability", "certificationInfo")


def normalise_link_type(value: str) -> str | None:
    """``gs1:pip``, ``pip`` or ``https://gs1.org/voc/pip`` → ``pip``; None if not a GS1 type."""
    v = value.strip()
    for prefix in (GS1_VOC, "gs1:"):
        if v.startswith(prefix):
            v = v[len(prefix):]
            break
    return v if v.replace("_", "").isalnum() else None


def links_for(base: str, anchor: str, gtin14: str, lot: str, serial: str) -> dict[str, str]:
    tail = f"{gtin14}/{percent_encode(lot)}/{serial}"  # a lot ".." stays one segment
    return {
        "defaultLink": anchor,
        "pip": anchor,
        "traceability": f"{base}/traceability/{tail}",
        "certificationInfo": f"{base}/certification/{tail}",
    }


_TITLES = {"defaultLink": "Thông tin sản phẩm và nguồn gốc lô hàng",
           "pip": "Trang thông tin sản phẩm",
           "traceability": "Lịch sử lô hàng (EPCIS 2.0)",
           "certificationInfo": "Chứng nhận (VietGAP, OCOP, kiểm dịch…)"}
_TYPES = {"defaultLink": "text/html", "pip": "text/html",
          "traceability": "application/ld+json", "certificationInfo": "application/json"}


def linkset(anchor: str, links: dict[str, str]) -> dict[str, Any]:
    """RFC 9264 JSON linkset: one context object, link relation types as full GS1 URIs."""
    ctx: dict[str, Any] = {"anchor": anchor}
    for name in LINK_TYPES:
        ctx[GS1_VOC + name] = [{"href": links[name], "title": _TITLES[name],
                                "type": _TYPES[name], "hreflang": ["vi", "en"]}]
    return {"linkset": [ctx]}


def resolver_description(base: str) -> dict[str, Any]:
    """The ``/.well-known/gs1resolver`` document (GS1 Resolver standard)."""
    return {
        "name": "nongso GS1 Digital Link resolver",
        "resolverRoot": base,
        "supportedPrimaryKeys": ["gtin"],
        "supportedContextualKeys": [],
        "supportedQualifiers": ["10", "21"],
        "linkTypeDefaultCanBeLinkset": False,
        "supportedLinkTypes": [{"namespace": GS1_VOC, "prefix": "gs1:", "linkType": n}
                               for n in LINK_TYPES],
        "supportsLinksetContentNegotiation": True,
        "supportedFormats": ["text/html", "application/linkset+json"],
        "validityHours": 24,
    }
