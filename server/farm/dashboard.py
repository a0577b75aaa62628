"""The co-op dashboard's reads (issue 21): what needs doing, each row with where to do it.

Open alerts across the co-op's zones, lots waiting for stamps, open pre-harvest flags,
certificates and OCOP certificates expiring within 60 days, devices offline. A fixed number
of queries (one per list, plus the devices' states), whatever the size of the co-op.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from server.models import Device, Farm, Zone
from server.models.irrigation import Alert
from server.models.ocop import OcopCertificate, OcopProduct
from server.models.stamps import LotRecall, StampBatch
from server.models.telemetry import DeviceState
from server.models.trace import Certificate, Lot, Product
from server.models.trace_flags import LotFlag
from server.telemetry.queries import device_health

__all__ = ["dashboard", "open_alerts", "devices_with_health", "EXPIRY_DAYS"]

EXPIRY_DAYS = 60


def open_alerts(session: Session, org_ids: list[int] | None) -> list[Alert]:
    stmt = select(Alert).where(Alert.state != "resolved").order_by(col(Alert.opened_at).desc())
    if org_ids is not None:
        stmt = stmt.where(col(Alert.organisation_id).in_(org_ids))
    return list(session.exec(stmt.limit(100)).all())


def devices_with_health(session: Session, org_ids: list[int] | None,
                        now: datetime | None = None) -> list[dict[str, Any]]:
    """Every device of these organisations' zones with its zone, farm and health (2 queries)."""
    stmt = (select(Device, Zone, Farm).join(Zone, col(Zone.id) == Device.zone_id)
            .join(Farm, col(Farm.id) == Zone.farm_id).order_by(col(Zone.id), col(Device.id)))
    if org_ids is not None:
        stmt = stmt.where(col(Farm.organisation_id).in_(org_ids))
    rows = session.exec(stmt).all()
    ids = [d.id for d, _, _ in rows]
    states = {s.device_id: s for s in session.exec(
        select(DeviceState).where(col(DeviceState.device_id).in_(ids))).all()} if ids else {}
    return [{"device": d, "zone": z, "farm": f,
             "health": device_health(d, states.get(d.id or 0), now)} for d, z, f in rows]


def _lots_without_stamps(session: Session, org_ids: list[int] | None) -> list[tuple[Lot, Product]]:
    stamped = select(StampBatch.lot_id)
    recalled = select(LotRecall.lot_id)
    stmt = (select(Lot, Product).join(Product, col(Product.id) == Lot.product_id)
            .where(col(Lot.id).not_in(stamped)).where(col(Lot.id).not_in(recalled))
            .order_by(col(Lot.id).desc()))
    if org_ids is not None:
        stmt = stmt.where(col(Lot.organisation_id).in_(org_ids))
    return [(lot, p) for lot, p in session.exec(stmt.limit(50)).all()]


def _phi_flags(session: Session, org_ids: list[int] | None) -> list[tuple[LotFlag, Lot]]:
    stmt = (select(LotFlag, Lot).join(Lot, col(Lot.id) == LotFlag.lot_id)
            .where(col(LotFlag.overridden_at).is_(None)).order_by(col(LotFlag.id).desc()))
    if org_ids is not None:
        stmt = stmt.where(col(Lot.organisation_id).in_(org_ids))
    return [(f, lot) for f, lot in session.exec(stmt.limit(50)).all()]


def _expiring(session: Session, org_ids: list[int] | None, today: date) -> dict[str, list[Any]]:
    until = today + timedelta(days=EXPIRY_DAYS)
    certs = (select(Certificate).where(col(Certificate.valid_until).is_not(None))
             .where(col(Certificate.valid_until) <= until)
             .where(col(Certificate.valid_until) >= today - timedelta(days=30))
             .order_by(col(Certificate.valid_until)))
    ocop = (select(OcopCertificate, OcopProduct)
            .join(OcopProduct, col(OcopProduct.id) == OcopCertificate.product_id)
            .where(col(OcopCertificate.revoked_on).is_(None))
            .where(col(OcopCertificate.expires_on) <= until)
            .where(col(OcopCertificate.expires_on) >= today - timedelta(days=30))
            .order_by(col(OcopCertificate.expires_on)))
    if org_ids is not None:
        certs = certs.where(col(Certificate.organisation_id).in_(org_ids))
        ocop = ocop.where(col(OcopProduct.organisation_id).in_(org_ids))
    return {"certs": list(session.exec(certs).all()),
            "ocop": [(c, p) for c, p in session.exec(ocop).all()]}


def dashboard(session: Session, org_ids: list[int] | None,
              now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    offline = [d for d in devices_with_health(session, org_ids, now)
               if d["health"]["status"] in ("offline", "never_seen")]
    return {"alerts": open_alerts(session, org_ids),
            "unstamped": _lots_without_stamps(session, org_ids),
            "flags": _phi_flags(session, org_ids), "offline": offline,
            **_expiring(session, org_ids, now.date())}
