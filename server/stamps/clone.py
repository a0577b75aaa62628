"""Clone detection and the coarse place of a scan (the scans themselves are written by
:mod:`server.stamps.scanlog`).

A scan is logged with its time and a coarse place only: ``geo:`` rounded to 0.1° (about
11 km) when the phone shared its position, otherwise ``net:`` a salted hash of the
client's /16 IPv4 (or /32 IPv6) network. Nothing that identifies a person is kept.

A stamp is suspected of being cloned when its scans cannot come from one physical label:

* **places** — ``PLACES_LIMIT`` or more distinct places within ``PLACES_WINDOW``
  (a box of lychees is scanned in a shop, maybe again at home: two places, not four);
* **rate** — more than ``RATE_LIMIT`` scans within ``RATE_WINDOW`` (a photocopied label
  on many boxes in a market is scanned by many shoppers);
* **travel** — two ``geo:`` scans farther apart than a car could drive in the time
  between them (``MAX_SPEED_KMH``).

The flag is sticky: once set it stays, and the consumer page warns plainly.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from server.models.common import utcnow
from server.models.stamps import Scan, Stamp

__all__ = ["coarse_place", "refine_place", "suspicion", "PLACES_LIMIT",
           "RATE_LIMIT"]

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
    try:
        addr = ipaddress.ip_address(ip or "")
        prefix = 16 if addr.version == 4 else 32
        net = str(ipaddress.ip_network(f"{addr}/{prefix}", strict=False))
    except ValueError:
        net = "unknown"
    return "net:" + hashlib.sha256(f"{salt}|{net}".encode()).hexdigest()[:16]


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
    """Why these recent scans of one stamp cannot come from one label (None: they can)."""
    def aware(t: datetime) -> datetime:
        return t if t.tzinfo else t.replace(tzinfo=now.tzinfo)

    places = {s.place for s in recent if now - aware(s.at) <= PLACES_WINDOW}
    if len(places) >= PLACES_LIMIT:
        return f"quét từ {len(places)} nơi khác nhau trong 24 giờ"
    in_hour = [s for s in recent if now - aware(s.at) <= RATE_WINDOW]
    if len(in_hour) > RATE_LIMIT:
        return f"quét {len(in_hour)} lần trong 1 giờ"
    geo = sorted((s for s in recent if s.place.startswith("geo:")), key=lambda s: aware(s.at))
    for a, b in zip(geo, geo[1:]):
        km = _km(a.place, b.place)
        hours = max((aware(b.at) - aware(a.at)).total_seconds() / 3600, 1 / 60)
        if km is not None and km > 30 and km / hours > MAX_SPEED_KMH:
            return f"quét ở hai nơi cách nhau {km:.0f} km chỉ trong {hours * 60:.0f} phút"
    return None


def refine_place(session: Session, stamp: Stamp, place: str,
                 now: datetime | None = None) -> bool:
    """The consumer shared a position after the scan: replace the coarse network place of
    their scan (the latest one, within 10 minutes) instead of counting a second scan."""
    now = now or utcnow()
    last = session.exec(select(Scan).where(Scan.stamp_id == stamp.id)
                        .order_by(col(Scan.at).desc(), col(Scan.id).desc())).first()
    if last is None:
        return False
    at = last.at if last.at.tzinfo else last.at.replace(tzinfo=now.tzinfo)
    if now - at > REFINE_WITHIN or last.place.startswith("geo:"):
        return False
    last.place = place
    session.add(last)
    session.commit()
    return True
