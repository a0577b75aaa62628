"""What the consumer page shows for a stamp: gathered from traceability, OCOP, telemetry."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from sqlmodel import Session, col, select

from server.models import Farm, Organisation, Zone
from server.models.trace import Lot, Product, RegistrationCode
from server.ocop_workflow.catalogue import current_stars
from server.trace import certificates as trace_certs
from server.trace import diary, lots

__all__ = ["ConsumerView", "build_view", "local_time", "CROP_VI", "GI_THANH_HA"]

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
GI_THANH_HA = ("Chỉ dẫn địa lý “Thanh Hà” cho quả vải thiều (bảo hộ từ năm 2007)",
               "Geographical indication “Thanh Hà” for lychee (protected since 2007)")


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
    gi: tuple[str, str] | None = None
    crop: tuple[str, str] = ("", "")

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
    def last_spraying(self) -> dict[str, Any] | None:
        sprays = self.diary.get("sprayings") or []
        return sprays[-1] if sprays else None


def _thanh_ha(product: Product, farm: Farm | None, org: Organisation) -> bool:
    if product.crop != "lychee":
        return False
    text = " ".join(filter(None, [farm.address_detail if farm else None,
                                  farm.legacy_address if farm else None,
                                  org.address_detail, org.legacy_address]))
    return "Thanh Hà" in text


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


def build_view(session: Session, lot: Lot, product: Product,
               today: date | None = None) -> ConsumerView:
    assert lot.id is not None
    org = session.get(Organisation, lot.organisation_id)
    assert org is not None
    zone = session.get(Zone, lot.zone_id) if lot.zone_id else None
    farm = session.get(Farm, zone.farm_id) if zone else None
    conds = [RegistrationCode.organisation_id == lot.organisation_id]
    codes = [c for c in session.exec(select(RegistrationCode).where(*conds)
                                     .order_by(col(RegistrationCode.id))).all()
             if c.zone_id in (None, lot.zone_id) and (c.farm_id in (None, farm.id if farm else None))]
    day = today or date.today()
    timeline = lots.timeline(session, lot.id)
    diary_info = diary.diary_summary(session, lot.id)
    if lot.zone_id is not None:
        diary_info["irrigation"] = dict(diary_info.get("irrigation") or {})
        diary_info["irrigation"].update(_waterings(session, lot))
    harvest = next((e.time for e in timeline if e.biz_step and e.biz_step.endswith("commissioning")),
                   lot.harvested_at)
    packed = next((e.time for e in timeline if e.biz_step and e.biz_step.endswith("packing")), None)
    view = ConsumerView(
        lot=lot, product=product, org=org, farm=farm, zone=zone, codes=codes,
        certificates=trace_certs.certificates_for_lot(session, lot.id, on=day),
        stars=current_stars(session, product.gtin, day),
        timeline=timeline, diary=diary_info,
        harvest=local_time(harvest), packed=local_time(packed),
        gi=GI_THANH_HA if _thanh_ha(product, farm, org) else None,
        crop=CROP_VI.get(product.crop or "", (product.name, product.name)))
    return view
