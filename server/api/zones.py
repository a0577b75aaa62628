"""Irrigation zones (an orchard block or a field bed on one drip line)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlmodel import col, select

from server.deps import CurrentUser, SessionDep, load_farm, load_zone
from server.errors import Invalid
from server.irrigation.profiles import check_variety
from server.irrigation.zone_form import apply_zone_update
from server.models import Farm, Role, Zone, ZoneCreate, ZonePublic, ZoneUpdate

__all__ = ["router"]

router = APIRouter(prefix="/zones", tags=["zones"])


@router.get("", response_model=list[ZonePublic])
def list_zones(who: CurrentUser, session: SessionDep, farm_id: int | None = None) -> list[Zone]:
    stmt = select(Zone).order_by(col(Zone.id))
    if farm_id is not None:
        load_farm(session, who, farm_id)
        stmt = stmt.where(Zone.farm_id == farm_id)
    elif not who.is_admin:
        farms = select(Farm.id).where(col(Farm.organisation_id).in_(who.org_ids()))
        stmt = stmt.where(col(Zone.farm_id).in_(farms))
    return list(session.exec(stmt).all())


@router.post("", response_model=ZonePublic, status_code=201)
def create_zone(body: ZoneCreate, who: CurrentUser, session: SessionDep) -> Zone:
    load_farm(session, who, body.farm_id, Role.coop_admin)
    reason = check_variety(body.crop, body.variety)
    if reason is not None:
        raise Invalid(reason)
    zone = Zone.model_validate(body)
    session.add(zone)
    session.commit()
    session.refresh(zone)
    return zone


@router.get("/{zone_id}", response_model=ZonePublic)
def get_zone(zone_id: int, who: CurrentUser, session: SessionDep) -> Zone:
    return load_zone(session, who, zone_id)[0]


@router.patch("/{zone_id}", response_model=ZonePublic)
def update_zone(zone_id: int, body: ZoneUpdate, who: CurrentUser, session: SessionDep) -> Zone:
    zone, _ = load_zone(session, who, zone_id, Role.coop_admin)
    reason = apply_zone_update(zone, body)
    if reason is not None:
        raise Invalid(reason)
    session.add(zone)
    session.commit()
    session.refresh(zone)
    return zone


@router.delete("/{zone_id}", status_code=204)
def delete_zone(zone_id: int, who: CurrentUser, session: SessionDep) -> Response:
    zone, _ = load_zone(session, who, zone_id, Role.coop_admin)
    session.delete(zone)
    session.commit()
    return Response(status_code=204)

