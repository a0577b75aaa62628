"""What the consumer page shows for a stamp: gathered from traceability, OCOP, telemetry."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from sqlmodel import Session, col, select

from server.admin_units import place_name
from server.models import Farm, Organisation, Zone
from server.models.gs1 import gtin_refusal
from server.models.trace import CodeKind, CodeStatus, Lot, Product, RegistrationCode
from server.ocop_workflow.catalogue import current_stars
from server.trace import certificates as trace_certs
from server.trace import diary, lots
from server.trace.gi import GiClaim, gi_for_lot

__all__ = ["ConsumerView", "build_view", "local_time", "CROP_VI"]

VN = timezone(timedelta(hours=7))


def local_time(moment: datetime | None, offset: str = "+07:00") -> datetime | None:
    """``moment`` shown at ``offset`` (events keep theirs; Vietnam is +07:00)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        sign = -1 if offset.startswith("-") else 1
        hh, mm = offset.lstrip("+-").split(":")
        tz = timezone(sign * timedelta(hours=int(hh), minutes=int(mm)))
    except ValueError:
        tz = VN
    return moment.astimezone(tz)


CROP_VI = {"lychee": ("Vải thiều", "Lychee"), "carrot": ("Cà rốt", "Carrot")}


@dataclass
class ConsumerView:
    """The lot part of a consumer page (the same for every stamp of the lot)."""

    lot: Lot
    product: Product
    org: Organisation
    farm: Farm | None
    zone: Zone | None
    codes: list[RegistrationCode] = field(default_factory=list)
    certificates: list[Any] = field(default_factory=list)
    stars: int | None = None
    timeline: list[Any] = field(default_factory=list)
    diary: dict[str, Any] = field(default_factory=dict)
    harvest: datetime | None = None
    packed: datetime | None = None
    gi: GiClaim | None = None
    crop: tuple[str, str] = ("", "")
    #: "Xã Thanh Hà, Thành phố Hải Phòng": the farm's (else the organisation's) commune.
    place: str | None = None
    harvest_day: date | None = None
    today: date | None = None

    @property
    def journey(self) -> list[dict[str, Any]]:
        """The timeline for people: local times, repeated steps folded into one line
        (packing four cartons is one step of the journey, "×4")."""
        out: list[dict[str, Any]] = []
        for e in self.timeline:
            when = local_time(e.time, e.tz_offset)
            assert when is not None  # an event always has a time
            key = (e.label_vi, e.biz_step, when.replace(second=0, microsecond=0))
            if out and out[-1]["key"] == key:
                out[-1]["count"] += 1
                continue
            out.append({"key": key, "time": when, "label_vi": e.label_vi,
                        "step": (e.biz_step or e.event_type).split(":")[-1].split("/")[-1],
                        "count": 1, "sensors": list(e.sensors)})
        return out

    @property
    def sprayings(self) -> list[dict[str, Any]]:
        """Every spraying of the season before harvest, oldest first."""
        return list(self.diary.get("sprayings") or [])


def _waterings(session: Session, lot: Lot, days: int = 120) -> dict[str, Any]:
    """Drip waterings of the lot's zone in the season before harvest (irrigation log)."""
    import sqlalchemy as sa

    from server.models.irrigation import IrrigationLog

    end = lot.harvested_at or datetime.now(UTC)
    if end.tzinfo is None:
        end = end.replace(tzinfo=UTC)
    start = end - timedelta(days=days)
    n, litres = session.exec(
        select(sa.func.count(), sa.func.coalesce(sa.func.sum(IrrigationLog.litres), 0.0))
        .where(IrrigationLog.zone_id == lot.zone_id)
        .where(col(IrrigationLog.started_at) >= start)
        .where(col(IrrigationLog.started_at) < end)).one()
    return {"waterings": int(n), "litres": round(float(litres or 0.0))} if n else {}


def _codes(session: Session, lot: Lot, farm: Farm | None) -> list[RegistrationCode]:
    """The lot's planting-area code(s) and the organisation's packing-house codes; a
    planting-area code of another zone or farm is never shown."""
    rows = session.exec(select(RegistrationCode).where(
        RegistrationCode.organisation_id == lot.organisation_id)
        .order_by(col(RegistrationCode.id))).all()
    return [c for c in rows if c.status == CodeStatus.active
            and (lot.zone_id is not None and c.zone_id == lot.zone_id if c.kind == CodeKind.planting_area
                 else c.farm_id in (None, farm.id if farm else None))]


def _stars(session: Session, lot: Lot, product: Product, day: date | None) -> int | None:
    """OCOP stars only from a certificate of this organisation for this product (a GTIN
    the organisation may use), valid on the harvest date."""
    if day is None or gtin_refusal(session, lot.organisation_id, product.gtin) is not None:
        return None
    return current_stars(session, product.gtin, day)


def build_view(session: Session, lot: Lot, product: Product,
               today: date | None = None) -> ConsumerView:
    assert lot.id is not None
    org = session.get(Organisation, lot.organisation_id)
    assert org is not None
    zone = session.get(Zone, lot.zone_id) if lot.zone_id else None
    farm = session.get(Farm, zone.farm_id) if zone else None
    day = today or date.today()
    timeline = lots.timeline(session, lot.id)
    diary_info = diary.diary_summary(session, lot.id)
    if lot.zone_id is not None:
        diary_info["irrigation"] = dict(diary_info.get("irrigation") or {})
        diary_info["irrigation"].update(_waterings(session, lot))
    harvest = next((e.time for e in timeline if e.biz_step and e.biz_step.endswith("commissioning")),
                   lot.harvested_at)
    packed = next((e.time for e in timeline if e.biz_step and e.biz_step.endswith("packing")), None)
    local_harvest = local_time(harvest)
    harvest_day = local_harvest.date() if local_harvest else None
    return ConsumerView(
        lot=lot, product=product, org=org, farm=farm, zone=zone, codes=_codes(session, lot, farm),
        certificates=trace_certs.covering_harvest(session, lot, harvest_day, day),
        stars=_stars(session, lot, product, harvest_day),
        timeline=timeline, diary=diary_info,
        harvest=local_harvest, packed=local_time(packed),
        gi=gi_for_lot(session, lot, product, harvest_day),
        crop=CROP_VI.get(product.crop or "", (product.name, product.name)),
        place=place_name(farm.province_code if farm else org.province_code,
                         farm.commune_code if farm else org.commune_code),
        harvest_day=harvest_day, today=day)
