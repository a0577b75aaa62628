"""The consumer scan, built for the hottest path of the platform.

A scan (:func:`serve_scan`) of a stamp that passed the gate (:mod:`server.stamps.gate`:
parsed, MAC checked, no query yet) is one indexed query, a queued write and a string join:

1. :func:`server.stamps.lookup.alookup` reads the stamp's own state, its lot code,
   product GTIN and the lot's recall in one statement;
2. :func:`record` queues the scan on the write-behind log (:mod:`server.stamps.scanlog`),
   once per visitor per stamp per hour; a position the consumer shares refines their
   scan instead of counting another;
3. :class:`~server.stamps.pagecache.PageCache` joins the cached lot part of the page with
   this scan's slots (URI, recall/revoked notices, authenticity panel).

:class:`~server.stamps.fastpath.ScanFastPath` serves a plain browser ``GET``/``HEAD`` of a
genuine stamp straight from ASGI; anything else continues to the FastAPI route in
:mod:`server.stamps.resolver`, which uses the same :func:`serve_scan`. Both take the app's
:class:`~server.stamps.services.StampServices`.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date

from sqlmodel import Session

from qr.gs1 import DigitalLink, digital_link
from server.errors import StampError
from server.metrics import SCANS
from server.models.common import utcnow
from server.models.stamps import Stamp
from server.stamps import clone, links
from server.stamps.lookup import StampState, alookup
from server.stamps.services import StampServices

__all__ = ["serve_scan", "record", "link_header", "page_headers", "wants_linkset",
           "float_or_none", "LINKSET", "CORS"]

log = logging.getLogger(__name__)

#: The resolver's CORS headers (its errors carry the same: :class:`StampError`).
CORS = StampError.headers
LINKSET = "application/linkset+json"


def _refined_in_db(svc: StampServices, stamp: StampState, place: str,
                   visitor: str) -> int | None:
    """Refine the visitor's latest stored scan with ``place``; the stamp's count if done."""
    svc.scan_log.flush()  # a scan of this page may still be on its way to the database
    with Session(svc.engine) as s:
        if not clone.refine_place(s, stamp.id, place, visitor=visitor):
            return None
        count = s.get(Stamp, stamp.id)
        return count.scan_count if count is not None else None


async def record(svc: StampServices, stamp: StampState, ip: str | None, lat: float | None,
                 lon: float | None, user_agent: str | None = None) -> None:
    """Log the scan (queued; never waited for) and show it on the page at once.

    One count per visitor per stamp per hour: a reload or a loop of GETs shows the count
    without adding to it. With a position (the consumer pressed "share my approximate
    place" after the page loaded), the scan they just made gets that place instead of
    counting a second one."""
    salt = svc.settings.secret_key[:16]
    net = clone.coarse_place(ip, salt)
    place = net if lat is None or lon is None else clone.coarse_place(ip, salt, lat, lon)
    now = utcnow()
    who = clone.visitor(ip, user_agent, salt, now)
    log_ = svc.scan_log
    if place.startswith("geo:"):
        if log_.refine(stamp.id, place, clone.REFINE_WITHIN, visitor=who):
            stamp.scan_count += log_.pending(stamp.id)
            return
        stored = await asyncio.to_thread(_refined_in_db, svc, stamp, place, who)
        if stored is not None:
            stamp.scan_count = stored + log_.pending(stamp.id)
            return
    queued = log_.add(stamp.id, place, now, net=net, visitor=who)
    if queued is None:  # this visitor was counted this hour
        stamp.scan_count += log_.pending(stamp.id)
        return
    SCANS.inc()
    # Shown: what is stored plus this process's scans not written yet (this one too).
    stamp.scan_count += queued
    stamp.first_scan_at = stamp.first_scan_at or now


def link_header(linkmap: dict[str, str]) -> str:
    """The ``Link`` header of a stamp's links (:func:`server.stamps.links.links_for`)."""
    return ", ".join(f'<{linkmap[n]}>; rel="{links.GS1_VOC}{n}"' for n in links.LINK_TYPES)


def page_headers(link: str) -> dict[str, str]:
    return {**CORS, "Link": link, "Cache-Control": "no-store"}


def wants_linkset(accept: str, link_type: str | None) -> bool:
    if link_type in ("linkset", "all"):
        return True
    return LINKSET in accept or ("application/json" in accept and "text/html" not in accept)


def float_or_none(v: str | None) -> float | None:
    try:
        return float(v) if v is not None else None
    except ValueError:
        return None


async def serve_scan(svc: StampServices, stamp_id: DigitalLink, lang: str, ip: str | None,
                     lat: float | None, lon: float | None, method: str,
                     user_agent: str | None = None) -> tuple[str, str] | None:
    """A browser scan of a stamp that passed the gate: (page, Link header), or None if no
    such stamp was issued. ``HEAD`` is not a scan."""
    gtin, lot_code, serial = stamp_id.gtin, stamp_id.lot or "", stamp_id.serial or ""
    stamp = await alookup(svc.engine, svc.read_pool, gtin, lot_code, serial)
    if stamp is None:
        return None
    if method != "HEAD":
        await record(svc, stamp, ip, lat, lon, user_agent)
    base = svc.settings.public_base_url
    anchor = digital_link(base, gtin, lot_code, serial)
    chunks = await svc.pages.lot_chunks(stamp.lot_id, lang, date.today())
    html = svc.pages.page_html(stamp, stamp.recall_reason, lang, anchor, serial,
                               chunks=chunks)
    return html, link_header(links.links_for(base, anchor, gtin, lot_code, serial))
