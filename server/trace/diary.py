"""Farm diary (nhật ký canh tác) per zone: spraying, fertilising, and an irrigation summary
read from the telemetry store.

A harvest inside a spraying's pre-harvest interval (PHI, *thời gian cách ly*) flags the lot:
checked when the harvest is recorded and again when a spraying is entered afterwards.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from server.models.trace import DiaryEntry, DiaryEntryCreate, DiaryKind, Lot, LotFlag

__all__ = ["aware", "add_entry", "entries", "check_phi", "irrigation_summary",
           "diary_summary", "PHI_FLAG", "label_phi"]

log = logging.getLogger(__name__)

PHI_FLAG = "phi"


@cache
def _pesticides() -> dict[str, dict[str, Any]]:
    data = json.loads((Path(__file__).parent / "data" / "pesticides.json").read_text("utf-8"))
    return {p["trade_name"].casefold(): p for p in data["products"]}


def label_phi(product_name: str, crop: str | None) -> tuple[int, str] | None:
    """(PHI days, source) from the product list (``data/pesticides.json``), if it has the
    product for this crop; None when unknown."""
    p = _pesticides().get(product_name.strip().casefold())
    if p is None or (crop is not None and crop not in p["crops"]):
        return None
    return int(p["phi_days"]), str(p["source"])


def aware(moment: datetime) -> datetime:
    """In UTC: SQLite gives naive datetimes back (they are UTC) and drops the offset of an
    aware one it stores, so a +07:00 time is converted before it is written."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def add_entry(session: Session, zone_id: int, body: DiaryEntryCreate,
              user_id: int | None) -> DiaryEntry:
    entry = DiaryEntry.model_validate(body, update={"zone_id": zone_id, "recorded_by": user_id,
                                                    "performed_at": aware(body.performed_at)})
    session.add(entry)
    session.flush()
    if entry.kind == DiaryKind.spraying and (entry.phi_days or _phi_of(session, entry)):
        lots = session.exec(select(Lot).where(Lot.zone_id == zone_id)
                            .where(col(Lot.harvested_at).is_not(None))).all()
        for lot in lots:
            check_phi(session, lot)
    session.commit()
    session.refresh(entry)
    return entry


def entries(session: Session, zone_id: int, kind: DiaryKind | None = None) -> list[DiaryEntry]:
    stmt = select(DiaryEntry).where(DiaryEntry.zone_id == zone_id)
    if kind is not None:
        stmt = stmt.where(DiaryEntry.kind == kind)
    return list(session.exec(stmt.order_by(col(DiaryEntry.performed_at).desc())).all())


def _phi_of(session: Session, spray: DiaryEntry) -> int | None:
    """The spraying's PHI: from the diary, else from the registered label (product list)."""
    if spray.phi_days is not None:
        return spray.phi_days
    from server.models import Zone

    zone = session.get(Zone, spray.zone_id)
    known = label_phi(spray.product_name, zone.crop if zone else None)
    return known[0] if known else None


def check_phi(session: Session, lot: Lot) -> list[LotFlag]:
    """Flag ``lot`` for every spraying whose PHI its harvest fell inside (not yet flagged).

    The PHI is the diary's, else the registered label's (``data/pesticides.json``). The
    caller commits. A harvest exactly ``phi_days`` after the spraying is allowed.
    """
    if lot.zone_id is None or lot.harvested_at is None or lot.id is None:
        return []
    harvest = aware(lot.harvested_at)
    sprays = session.exec(select(DiaryEntry).where(DiaryEntry.zone_id == lot.zone_id)
                          .where(DiaryEntry.kind == DiaryKind.spraying)).all()
    done = {f.diary_entry_id for f in session.exec(
        select(LotFlag).where(LotFlag.lot_id == lot.id).where(LotFlag.kind == PHI_FLAG)).all()}
    new = []
    for spray in sprays:
        phi = _phi_of(session, spray)
        if phi is None or spray.id in done:
            continue
        sprayed = aware(spray.performed_at)
        if sprayed <= harvest < sprayed + timedelta(days=phi):
            days = (harvest - sprayed).total_seconds() / 86400
            flag = LotFlag(lot_id=lot.id, kind=PHI_FLAG, diary_entry_id=spray.id, reason=(
                f"Harvested {days:.1f} days after spraying {spray.product_name}"
                f"{' (' + spray.active_ingredient + ')' if spray.active_ingredient else ''}"
                f"; pre-harvest interval is {phi} days"
                f"{'' if spray.phi_days is not None else ' (registered label)'}"))
            session.add(flag)
            new.append(flag)
            log.warning("lot %s flagged: %s", lot.id, flag.reason)
    return new


def irrigation_summary(session: Session, zone_id: int, start: datetime,
                       end: datetime) -> dict[str, Any]:
    """Soil moisture and watering for a zone between ``start`` and ``end``, from telemetry.

    Returns ``{"available": False, ...}`` when the telemetry tables are not there (yet) or
    hold no reading for the zone in that period; never raises for a missing store.
    """
    empty: dict[str, Any] = {"available": False, "zone_id": zone_id, "readings": 0}
    bind = session.connection()
    try:
        tables = sa.inspect(bind)
        if not tables.has_table("readings"):
            return empty | {"reason": "no telemetry store"}
        low, high = _healthy_band(session, zone_id, tables.has_table("irrigation_zones"))
        row = bind.execute(sa.text(
            "SELECT COUNT(*), MIN(time), MAX(time), AVG(m), MIN(m), MAX(m),"
            " SUM(CASE WHEN vs = 1 THEN 1 ELSE 0 END), SUM(CASE WHEN vs IS NOT NULL THEN 1"
            " ELSE 0 END), SUM(CASE WHEN m >= :lo AND m <= :hi THEN 1 ELSE 0 END), COUNT(m)"
            " FROM readings WHERE zone_id = CAST(:z AS integer) AND time >= :a AND time < :b"),
            {"z": zone_id, "a": start, "b": end, "lo": low, "hi": high}).one()
    except SQLAlchemyError as exc:
        log.warning("irrigation summary for zone %s unavailable: %s", zone_id, exc)
        session.rollback()
        return empty | {"reason": "telemetry store unreadable"}
    if not row[0]:
        return empty | {"reason": "no readings in this period"}
    return {"available": True, "zone_id": zone_id, "readings": int(row[0]),
            "first": row[1], "last": row[2],
            "moisture_avg": None if row[3] is None else round(float(row[3]), 1),
            "moisture_min": row[4], "moisture_max": row[5],
            "valve_open_share": (round(row[6] / row[7], 3) if row[7] else None),
            # Readings come every 10–30 min, evenly: a share of readings is a share of time.
            "in_band_pct": round(100 * row[8] / row[9]) if row[9] else None,
            "band": (low, high)}


def _healthy_band(session: Session, zone_id: int, configured: bool) -> tuple[float, float]:
    """The zone's healthy soil-moisture band: between its "too dry" and "too wet" alert
    thresholds (the irrigation settings; their defaults when the zone has none)."""
    from server.models.irrigation import ZoneIrrigation

    cfg = session.get(ZoneIrrigation, zone_id) if configured else None
    if cfg is None:
        return ZoneIrrigation.model_fields["dry_alert_pct"].default, \
            ZoneIrrigation.model_fields["wet_alert_pct"].default
    return cfg.dry_alert_pct, cfg.wet_alert_pct


def _phi_item(e: DiaryEntry, end: datetime, crop: str | None) -> dict[str, Any]:
    """A spraying's pre-harvest interval: recorded in the diary, else from the product
    list; ``phi_respected`` is None when neither knows it (never shown as respected)."""
    gap = (end - aware(e.performed_at)).total_seconds() / 86400
    phi, source = e.phi_days, "nhật ký" if e.phi_days is not None else None
    if phi is None:
        known = label_phi(e.product_name, crop)
        phi, source = known if known else (None, None)
    return {"phi_days": phi, "phi_source": source, "days_before_harvest": round(gap, 1),
            "phi_respected": None if phi is None else gap >= phi}


def diary_summary(session: Session, lot_id: int, days: int = 120) -> dict[str, Any]:
    """What a consumer page shows of a lot's diary: sprayings and fertilisings of its origin
    zone in the ``days`` before harvest (each with its PHI and whether it was respected),
    and the irrigation summary of that period."""
    lot = session.get(Lot, lot_id)
    if lot is None or lot.zone_id is None:
        return {"lot_id": lot_id, "zone_id": None, "sprayings": [], "fertilisings": [],
                "irrigation": {"available": False, "readings": 0, "reason": "no origin zone"}}
    end = aware(lot.harvested_at) if lot.harvested_at else datetime.now(UTC)
    start = end - timedelta(days=days)
    from server.models import Zone

    zone = session.get(Zone, lot.zone_id)
    crop = zone.crop if zone else None
    rows = session.exec(select(DiaryEntry).where(DiaryEntry.zone_id == lot.zone_id)
                        .where(DiaryEntry.performed_at >= start)
                        .where(DiaryEntry.performed_at <= end)
                        .order_by(col(DiaryEntry.performed_at))).all()
    sprayings, fertilisings = [], []
    for e in rows:
        item: dict[str, Any] = {"date": aware(e.performed_at).isoformat(),
                                "product": e.product_name,
                                "active_ingredient": e.active_ingredient, "dose": e.dose,
                                "dose_unit": e.dose_unit}
        if e.kind == DiaryKind.spraying:
            sprayings.append(item | _phi_item(e, end, crop))
        elif e.kind == DiaryKind.fertilising:
            fertilisings.append(item)
    return {"lot_id": lot_id, "zone_id": lot.zone_id, "sprayings": sprayings,
            "fertilisings": fertilisings,
            "irrigation": irrigation_summary(session, lot.zone_id, start, end)}
