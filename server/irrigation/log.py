"""The irrigation log: every watering with start, end, litres, trigger and who."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from server.irrigation.windows import LOCAL_TZ
from server.models.irrigation import IrrigationLog
from server.timeutil import as_utc

__all__ = ["open_run", "current_run", "close_run", "add_litres", "litres_since", "recent",
           "TRIGGERS", "TRIGGER_VI", "last_watering"]

TRIGGERS = ("auto", "manual", "fallback")
TRIGGER_VI = {"auto": "tự động", "manual": "bấm tay", "fallback": "thiết bị tự tưới"}



def current_run(session: Session, device_id: int) -> IrrigationLog | None:
    """The device's watering that has started and not ended."""
    return session.exec(select(IrrigationLog).where(IrrigationLog.device_id == device_id,
                                                     col(IrrigationLog.ended_at).is_(None))
                        .order_by(col(IrrigationLog.id).desc())).first()


def open_run(session: Session, zone_id: int, device_id: int | None, at: datetime, trigger: str,
             user_id: int | None = None) -> IrrigationLog:
    if trigger not in TRIGGERS:
        raise ValueError(f"trigger must be one of {TRIGGERS}")
    entry = IrrigationLog(zone_id=zone_id, device_id=device_id, started_at=at, trigger=trigger,
                          user_id=user_id, litres=0.0)
    session.add(entry)
    session.flush()
    return entry


def add_litres(session: Session, entry: IrrigationLog, litres: float | None) -> None:
    """Add the device's litres to the run in SQL (``litres = litres + :l``): two updates
    at once both count."""
    if litres is not None:
        session.execute(sa.update(IrrigationLog).where(col(IrrigationLog.id) == entry.id)
                        .values(litres=sa.func.coalesce(col(IrrigationLog.litres), 0.0)
                                + float(litres)))


def close_run(session: Session, entry: IrrigationLog, at: datetime, why: str | None) -> None:
    """End the run, unless it has ended (a conditional update)."""
    session.execute(sa.update(IrrigationLog).where(col(IrrigationLog.id) == entry.id,
                                                   col(IrrigationLog.ended_at).is_(None))
                    .values(ended_at=at, why=(why or "")[:64] or None))


def litres_since(session: Session, zone_id: int, since: datetime) -> float:
    """Litres logged for the zone by runs that started at or after ``since``."""
    total = session.exec(select(sa.func.coalesce(sa.func.sum(IrrigationLog.litres), 0.0))
                         .where(IrrigationLog.zone_id == zone_id,
                                col(IrrigationLog.started_at) >= since)).one()
    return float(total or 0.0)


def recent(session: Session, zone_id: int, days: int = 7, limit: int = 50) -> list[IrrigationLog]:
    since = datetime.now(UTC) - timedelta(days=days)
    return list(session.exec(select(IrrigationLog).where(IrrigationLog.zone_id == zone_id,
                                                         col(IrrigationLog.started_at) >= since)
                             .order_by(col(IrrigationLog.started_at).desc()).limit(limit)).all())


def last_watering(session: Session, zone_id: int) -> dict[str, Any] | None:
    e = session.exec(select(IrrigationLog).where(IrrigationLog.zone_id == zone_id)
                     .order_by(col(IrrigationLog.started_at).desc())).first()
    if e is None:
        return None
    local = as_utc(e.started_at).astimezone(LOCAL_TZ)
    return {"started_at": as_utc(e.started_at), "started_local": local.strftime("%H:%M %d/%m"),
            "ended_at": as_utc(e.ended_at) if e.ended_at else None,
            "litres": e.litres, "trigger": e.trigger, "trigger_vi": TRIGGER_VI.get(e.trigger, e.trigger),
            "running": e.ended_at is None}


def _open_fallback(session: Session, zone_id: int, device_id: int, seq: int, at: datetime,
                   meter: float | None) -> None:
    """Log a fallback run once per (device, seq of its ``open`` event), whoever reads the
    event and however often (``INSERT … ON CONFLICT DO NOTHING``)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(IrrigationLog.__table__).values(  # type: ignore[attr-defined]
        zone_id=zone_id, device_id=device_id, started_at=at, trigger="fallback", litres=0.0,
        meter_start=meter, event_seq=seq).on_conflict_do_nothing(
            index_elements=["device_id", "event_seq"]))


def record_fallback_events(session: Session, after_received: datetime | None,
                           now: datetime) -> datetime | None:
    """Log the valve node's own fallback runs (telemetry events with ``"cmd": null``).

    Scans valve events received after ``after_received``; returns the new cursor. Reading
    an event again logs nothing more (runs are keyed by the device's event seq)."""
    from server.models.telemetry import Reading

    since = after_received or (now - timedelta(days=1))
    rows = session.exec(select(Reading).where(col(Reading.received_at) > since,
                                              col(Reading.extra).is_not(None),
                                              col(Reading.vs).is_not(None))
                        .order_by(col(Reading.received_at), col(Reading.seq))).all()
    cursor = after_received
    for r in rows:
        cursor = as_utc(r.received_at) if cursor is None else max(cursor, as_utc(r.received_at))
        ev = (r.extra or {}).get("ev")
        if ev is None or (r.extra or {}).get("cmd") is not None:
            continue
        run = current_run(session, r.device_id)
        at = as_utc(r.time)
        if ev == "open" and run is None:
            _open_fallback(session, r.zone_id, r.device_id, r.seq, at, r.fl)
        elif ev == "close" and run is not None and run.trigger == "fallback" and \
                (run.event_seq is None or run.event_seq < r.seq):
            if run.meter_start is not None and r.fl is not None and r.fl >= run.meter_start:
                session.execute(sa.update(IrrigationLog).where(
                    col(IrrigationLog.id) == run.id, col(IrrigationLog.ended_at).is_(None))
                    .values(litres=round(r.fl - run.meter_start, 2)))
            close_run(session, run, at, str((r.extra or {}).get("why") or "fallback_done"))
    return cursor
