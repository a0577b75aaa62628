"""What the farmer's and the co-op's pages show, read in a fixed number of queries.

However many organisations, farms and zones there are, :func:`zone_rows` is two queries
(zones with their farms, then every device of those zones) and :func:`coop_views` five
(organisations, farms, members, and the two of :func:`zone_rows`): nothing is queried per
zone or per organisation. The farmer page adds each zone's moisture and irrigation status
(:func:`with_status`), read by :mod:`server.telemetry` and :mod:`server.irrigation`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlmodel import Session, col, select

from server.deps import Principal
from server.irrigation.status import zone_status
from server.models import Device, Farm, Membership, Organisation, Role, User, Zone
from server.models.telemetry import DeviceState
from server.telemetry.queries import zone_summary

__all__ = ["CROP_NAMES_VI", "ROLE_NAMES_VI", "zone_rows", "with_status", "coop_views",
           "moisture_state"]

CROP_NAMES_VI = {"lychee": "Vải thiều", "carrot": "Cà rốt"}
ROLE_NAMES_VI = {Role.farmer: "Nông dân", Role.coop_admin: "Quản trị HTX",
                 Role.evaluator: "Chuyên gia đánh giá", Role.admin: "Quản trị hệ thống"}


def zone_rows(session: Session, org_ids: list[int] | None) -> list[dict[str, Any]]:
    """Every zone of ``org_ids`` (None: of all organisations) with its farm, its crop's
    Vietnamese name and its devices, in (farm, zone) order. Two queries."""
    stmt = select(Zone, Farm).join(Farm, col(Farm.id) == Zone.farm_id).order_by(col(Farm.id), col(Zone.id))
    if org_ids is not None:
        stmt = stmt.where(col(Farm.organisation_id).in_(org_ids))
    pairs = session.exec(stmt).all()
    devices: dict[int, list[Device]] = defaultdict(list)
    if pairs:
        zone_ids = [z.id for z, _ in pairs]
        for dev in session.exec(select(Device).where(col(Device.zone_id).in_(zone_ids))
                                .order_by(col(Device.id))).all():
            devices[dev.zone_id].append(dev)
    return [{"zone": zone, "farm": farm, "crop_vi": CROP_NAMES_VI.get(zone.crop, zone.crop),
             "devices": devices[zone.id] if zone.id is not None else []}
            for zone, farm in pairs]


def moisture_state(moisture: float | None, band: tuple[float, float],
                   wet_alert: float) -> dict[str, str] | None:
    """The farmer's word for a moisture reading against the zone's band: below it "Khô",
    inside "Vừa đủ", above it up to the wet alert "Hơi ướt", past that "Quá ướt"."""
    if moisture is None:
        return None
    if moisture < band[0]:
        return {"key": "dry", "vi": "Khô"}
    if moisture <= band[1]:
        return {"key": "ok", "vi": "Vừa đủ"}
    if moisture <= wet_alert:
        return {"key": "damp", "vi": "Hơi ướt"}
    return {"key": "wet", "vi": "Quá ướt"}


def with_status(session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add each zone's latest moisture (``latest``) and irrigation status (``irr``).

    The devices' states are read in one query first, so the per-device look-ups of the
    telemetry and irrigation packages find them in the session instead of asking again."""
    ids = [d.id for r in rows for d in r["devices"]]
    # Held while the loop runs: the session's identity map keeps objects only weakly.
    states = (session.exec(select(DeviceState).where(col(DeviceState.device_id).in_(ids))).all()
              if ids else [])
    for r in rows:
        r["latest"] = zone_summary(session, r["devices"])
        r["irr"] = irr = zone_status(session, r["zone"], r["devices"])
        r["state"] = moisture_state(irr["moisture_pct"], irr["band"],
                                    irr["settings"].wet_alert_pct) if irr else None
    del states
    return rows


def coop_views(session: Session, who: Principal) -> list[dict[str, Any]]:
    """The co-op page: each organisation ``who`` belongs to (all, for an admin) with its
    farms, zones and members, and ``who``'s role there. Five queries in all."""
    stmt = select(Organisation).order_by(col(Organisation.id))
    if not who.is_admin:
        stmt = stmt.where(col(Organisation.id).in_(who.org_ids()))
    orgs = session.exec(stmt).all()
    org_ids = [o.id for o in orgs if o.id is not None]
    if not org_ids:
        return []
    farms: dict[int, list[Farm]] = defaultdict(list)
    for farm in session.exec(select(Farm).where(col(Farm.organisation_id).in_(org_ids))
                             .order_by(col(Farm.id))).all():
        farms[farm.organisation_id].append(farm)
    members: dict[int, list[tuple[Membership, User, str]]] = defaultdict(list)
    for m, u in session.exec(
            select(Membership, User).join(User, col(User.id) == Membership.user_id)
            .where(col(Membership.organisation_id).in_(org_ids)).order_by(col(Membership.id))).all():
        members[m.organisation_id].append((m, u, ROLE_NAMES_VI[m.role]))
    zones: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in zone_rows(session, org_ids):
        zones[row["farm"].organisation_id].append(row)
    return [{"org": org, "farms": farms[org.id], "zones": zones[org.id],
             "members": members[org.id],
             "my_role": ROLE_NAMES_VI.get(who.role_in(org.id) or Role.admin)}
            for org in orgs if org.id is not None]
