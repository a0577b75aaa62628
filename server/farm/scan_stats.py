"""Scan statistics of a lot for the co-op (issue 21): scans per day as an inline SVG chart,
coarse places, and the stamps flagged as possibly copied with the scans that are the
evidence. Places are what the scan log keeps: a salted hash of the network (never an
address) or a position rounded to 0.1° (about 11 km) that the consumer chose to share.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from server.models.stamps import Scan, Stamp

__all__ = ["lot_scan_stats", "day_chart", "place_label", "stamp_scans"]

DAYS = 30
VN_OFFSET = timedelta(hours=7)


def place_label(place: str) -> str:
    """``geo:21.0,106.3`` → "gần 21.0, 106.3"; ``net:ab12…`` → "mạng ab12" (a hash)."""
    if place.startswith("geo:"):
        return "gần " + place[4:].replace(",", ", ")
    return "mạng " + place.split(":", 1)[-1][:6]


def day_chart(per_day: list[tuple[str, int]], width: int = 320, height: int = 90) -> dict[str, Any]:
    """Bars for ``(dd/mm, count)`` pairs in an SVG ``viewBox`` of ``width``×``height``."""
    top = max([n for _, n in per_day] + [1])
    step = width / max(len(per_day), 1)
    bars = [{"x": round(i * step + 1, 1), "w": round(max(step - 2, 1), 1),
             "h": round((height - 14) * n / top, 1), "y": round(height - 12 - (height - 14) * n / top, 1),
             "day": day, "n": n} for i, (day, n) in enumerate(per_day)]
    return {"w": width, "h": height, "bars": bars, "top": top,
            "total": sum(n for _, n in per_day)}


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def lot_scan_stats(session: Session, lot_id: int, now: datetime | None = None) -> dict[str, Any]:
    """Scans per day (last 30 days, Vietnam dates), top places, flagged stamps (3 queries)."""
    now = now or datetime.now(UTC)
    since = now - timedelta(days=DAYS)
    rows = session.exec(select(Scan.at, Scan.place).join(Stamp, col(Stamp.id) == Scan.stamp_id)
                        .where(Stamp.lot_id == lot_id).where(col(Scan.at) >= since)
                        .limit(50_000)).all()
    days: Counter[str] = Counter()
    places: Counter[str] = Counter()
    for at, place in rows:
        days[(_utc(at) + VN_OFFSET).strftime("%d/%m")] += 1
        places[place_label(place)] += 1
    today = now + VN_OFFSET
    per_day = [((today - timedelta(days=DAYS - 1 - i)).strftime("%d/%m"), 0) for i in range(DAYS)]
    per_day = [(d, days.get(d, 0)) for d, _ in per_day]
    total = session.exec(select(func.coalesce(func.sum(Stamp.scan_count), 0))
                         .where(Stamp.lot_id == lot_id)).one()
    flagged = session.exec(select(Stamp).where(Stamp.lot_id == lot_id).where(
        col(Stamp.clone_suspected_at).is_not(None) | col(Stamp.clone_review).is_not(None))
        .limit(50)).all()
    evidence: dict[int, list[dict[str, Any]]] = defaultdict(list)
    ids = [s.id for s in flagged]
    if ids:
        for scan in session.exec(select(Scan).where(col(Scan.stamp_id).in_(ids))
                                 .order_by(col(Scan.at).desc()).limit(500)).all():
            if len(evidence[scan.stamp_id]) < 10:
                evidence[scan.stamp_id].append({
                    "when": (_utc(scan.at) + VN_OFFSET).strftime("%d/%m/%Y %H:%M"),
                    "place": place_label(scan.place)})
    return {"chart": day_chart(per_day), "places": places.most_common(10),
            "total": int(total or 0),
            "flagged": [{"stamp": s, "scans": evidence.get(s.id or 0, [])} for s in flagged]}


def stamp_scans(session: Session, stamp_id: int, limit: int = 50) -> list[dict[str, Any]]:
    """One stamp's latest scans: Vietnam time and coarse place (one query)."""
    rows = session.exec(select(Scan).where(Scan.stamp_id == stamp_id)
                        .order_by(col(Scan.at).desc()).limit(limit)).all()
    return [{"when": (_utc(s.at) + VN_OFFSET).strftime("%d/%m/%Y %H:%M"),
             "place": place_label(s.place)} for s in rows]
