"""Clone detection and the coarse place of a scan (the scans themselves are written by
:mod:`server.stamps.scanlog`).

A scan is logged with its time, its network — ``net:`` a salted hash of the client's
/16 IPv4 (or /32 IPv6) network — and a coarse place: ``geo:`` rounded to 0.1° (about
11 km) when the phone shared its position, otherwise the network again. It counts once
per :func:`visitor` (a salted hash of the hour, the client's address and its browser
family) per stamp per hour. Nothing that identifies a person is kept, and a visitor is
not linked across hours.

A stamp is suspected of being cloned when its scans cannot come from one physical label,
judged only on evidence one client cannot make up in a minute:

* **places** — ``PLACES_LIMIT`` or more distinct *networks* within ``PLACES_WINDOW``
  (a box of lychees is scanned in a shop, maybe again at home: two places, not four);
* **rate** — more than ``RATE_LIMIT`` distinct visitors within ``RATE_WINDOW`` (a
  photocopied label on many boxes in a market is scanned by many shoppers);
* **travel** — two shared positions farther apart than a car could drive in the time
  between them (``MAX_SPEED_KMH``), *from two different networks*: a position is what the
  phone says, a hint only, and never flags a stamp on its own.

The flag stays until the co-op reviews it (:func:`review`): ``clear`` lifts it and makes
the scans up to then no evidence any more; ``confirm`` keeps it, with their reason.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import math
from datetime import datetime, timedelta
from typing import Literal

from sqlmodel import Session, col, select

from server.errors import Invalid
from server.models.common import utcnow
from server.models.stamps import Scan, Stamp
from server.timeutil import as_utc

__all__ = ["coarse_place", "visitor", "browser_family", "refine_place", "suspicion",
           "review", "PLACES_LIMIT", "RATE_LIMIT"]

PLACES_LIMIT = 4
PLACES_WINDOW = timedelta(hours=24)
RATE_LIMIT = 30
RATE_WINDOW = timedelta(hours=1)
MAX_SPEED_KMH = 120.0
#: A position shared from the page refines the scan that opened it, at most this old.
REFINE_WITHIN = timedelta(minutes=10)
#: The scans any rule looks at.
WINDOW = max(PLACES_WINDOW, RATE_WINDOW)


def coarse_place(ip: str | None, salt: str, lat: float | None = None,
                 lon: float | None = None) -> str:
    if lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180:
        return f"geo:{round(lat, 1):.1f},{round(lon, 1):.1f}"
    return _net_place(ip, salt)


@functools.lru_cache(maxsize=65536)
def _addresses(ip: str | None) -> tuple[str, str]:
    """(the address as a visitor: an IPv6 client's /64, its network: /16 or /32 for IPv6);
    cached: parsing costs more than the rest of a scan's bookkeeping."""
    try:
        addr = ipaddress.ip_address(ip or "")
    except ValueError:
        return "unknown", "unknown"
    if addr.version == 4:
        return str(addr), str(ipaddress.ip_network(f"{addr}/16", strict=False))
    return (str(ipaddress.ip_network(f"{addr}/64", strict=False)),
            str(ipaddress.ip_network(f"{addr}/32", strict=False)))


@functools.lru_cache(maxsize=65536)
def _net_place(ip: str | None, salt: str) -> str:
    return "net:" + hashlib.sha256(f"{salt}|{_addresses(ip)[1]}".encode()).hexdigest()[:16]


_FAMILIES = (("bot", ("bot", "crawl", "spider", "curl", "wget", "python", "httpx", "go-http")),
             ("ios", ("iphone", "ipad", "ipod")), ("android", ("android",)),
             ("windows", ("windows",)), ("mac", ("macintosh", "mac os")),
             ("linux", ("linux", "x11")))


@functools.lru_cache(maxsize=4096)
def browser_family(user_agent: str | None) -> str:
    """A handful of classes (``ios``, ``android``, ``windows``, …): enough to tell two
    phones behind one address apart, too few to fabricate many visitors from one."""
    ua = (user_agent or "").lower()
    for family, marks in _FAMILIES:
        if any(m in ua for m in marks):
            return family
    return "other"


def visitor(ip: str | None, user_agent: str | None, salt: str, at: datetime) -> str:
    """Who scanned, for counting: ``<YYYYMMDDHH><16 hex>``, a salted hash of the hour, the
    client's address (an IPv6 client's /64) and :func:`browser_family`. The same client
    is one visitor within an hour and unlinkable across hours."""
    at = as_utc(at)
    hour = f"{at.year:04d}{at.month:02d}{at.day:02d}{at.hour:02d}"
    key = _addresses(ip)[0]
    digest = hashlib.sha256(f"{salt}|{hour}|{key}|{browser_family(user_agent)}".encode())
    return hour + digest.hexdigest()[:16]


def _net(scan: Scan) -> str | None:
    return scan.net or (scan.place if scan.place.startswith("net:") else None)


def _km(a: str, b: str) -> float | None:
    if not (a.startswith("geo:") and b.startswith("geo:")):
        return None
    (la1, lo1), (la2, lo2) = (tuple(map(float, p[4:].split(","))) for p in (a, b))
    r = 6371.0
    p1, p2 = math.radians(la1), math.radians(la2)
    dp, dl = p2 - p1, math.radians(lo2 - lo1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


def suspicion(recent: list[Scan], now: datetime) -> str | None:
    """Why these recent scans of one stamp cannot come from one label (None: they can).
    Long because it states the three rules of the module doc in one place."""
    def aware(t: datetime) -> datetime:
        return t if t.tzinfo else t.replace(tzinfo=now.tzinfo)

    nets = {_net(s) for s in recent if now - aware(s.at) <= PLACES_WINDOW} - {None}
    if len(nets) >= PLACES_LIMIT:
        return f"quét từ {len(nets)} nơi khác nhau trong 24 giờ"
    # Scans stored before visitors were kept count one each (their id).
    in_hour = {s.visitor or f"#{s.id}" for s in recent if now - aware(s.at) <= RATE_WINDOW}
    if len(in_hour) > RATE_LIMIT:
        return f"quét {len(in_hour)} lần trong 1 giờ"
    geo = sorted((s for s in recent if s.place.startswith("geo:")), key=lambda s: aware(s.at))
    for i, a in enumerate(geo):
        for b in geo[i + 1:]:
            if _net(a) is None or _net(b) is None or _net(a) == _net(b):
                continue  # one network: a position alone is no evidence
            km = _km(a.place, b.place)
            hours = max((aware(b.at) - aware(a.at)).total_seconds() / 3600, 1 / 60)
            if km is not None and km > 30 and km / hours > MAX_SPEED_KMH:
                return f"quét ở hai nơi cách nhau {km:.0f} km chỉ trong {hours * 60:.0f} phút"
    return None


def refine_place(session: Session, stamp_id: int, place: str,
                 now: datetime | None = None, visitor: str | None = None) -> bool:
    """The consumer shared a position after the scan: replace the coarse network place of
    their scan (the latest one of ``visitor``, within 10 minutes) instead of counting a
    second scan."""
    now = now or utcnow()
    query = select(Scan).where(Scan.stamp_id == stamp_id)
    if visitor is not None:
        query = query.where(Scan.visitor == visitor)
    last = session.exec(query.order_by(col(Scan.at).desc(), col(Scan.id).desc())).first()
    if last is None:
        return False
    at = last.at if last.at.tzinfo else last.at.replace(tzinfo=now.tzinfo)
    if now - at > REFINE_WITHIN or last.place.startswith("geo:"):
        return False
    last.place = place
    session.add(last)
    session.commit()
    return True


def review(session: Session, stamp: Stamp, action: Literal["clear", "confirm"], note: str,
           now: datetime | None = None) -> Stamp:
    """The co-op's review of a clone flag. ``clear``: the flag goes, and the scans so far
    are no evidence any more (the rules look at later scans only). ``confirm``: the flag
    stays (or is set, for a copy the co-op found itself), with their reason."""
    now = now or utcnow()
    if action == "clear":
        if stamp.clone_suspected_at is None:
            raise Invalid("This stamp is not flagged as copied; there is nothing to clear.")
        stamp.clone_suspected_at, stamp.clone_reason = None, None
        stamp.clone_cleared_at = now
    else:
        stamp.clone_suspected_at = stamp.clone_suspected_at or now
        stamp.clone_reason = stamp.clone_reason or f"hợp tác xã xác nhận: {note}"[:300]
    stamp.clone_review, stamp.clone_review_note = (
        "cleared" if action == "clear" else "confirmed"), note
    session.add(stamp)
    session.commit()
    session.refresh(stamp)
    return stamp
