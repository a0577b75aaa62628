"""Allowed watering windows in Vietnam local time (pure: no database, no clock)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from server.errors import Invalid

__all__ = ["LOCAL_TZ", "parse_windows", "in_windows", "local_day", "local_midnight"]

#: Vietnam has one time zone and no daylight saving.
LOCAL_TZ = timezone(timedelta(hours=7), "ICT")


def parse_windows(text: str) -> list[tuple[time, time]]:
    """``05:00-09:30,16:00-18:30`` → [(05:00, 09:30), (16:00, 18:30)]; ``""`` = always."""
    out = []
    for part in (p.strip() for p in (text or "").split(",")):
        if not part:
            continue
        try:
            a, b = part.split("-")
            ta, tb = time.fromisoformat(a.strip()), time.fromisoformat(b.strip())
        except ValueError as exc:
            raise Invalid(f"time window {part!r} must look like 05:00-09:30") from exc
        if ta == tb:
            raise Invalid(f"time window {part!r} is empty")
        out.append((ta, tb))
    return out


def in_windows(text: str, now: datetime) -> bool:
    wins = parse_windows(text)
    if not wins:
        return True
    t = now.astimezone(LOCAL_TZ).time()
    return any((a <= t < b) if a < b else (t >= a or t < b) for a, b in wins)


def local_day(now: datetime) -> date:
    return now.astimezone(LOCAL_TZ).date()


def local_midnight(now: datetime) -> datetime:
    """The start of ``now``'s local day (the daily litre budget restarts there)."""
    return datetime.combine(local_day(now), time(0), LOCAL_TZ)
