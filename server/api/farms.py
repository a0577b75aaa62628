"""Farms of an organisation."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlmodel import col, select

from server.admin_units import require_location
from server.deps import CurrentUser, SessionDep, load_farm
from server.errors import Invalid, NotFound
from server.models import Farm, FarmCreate, FarmPublic, FarmUpdate, Organisation, Role

__all__ = ["router"]

router = APIRouter(prefix="/farms", tags=["farms"])


@router.get("", response_model=list[FarmPublic])
def list_farms(who: CurrentUser, session: SessionDep,
               organisation_id: int | None = None) -> list[Farm]:
    stmt = select(Farm).order_by(col(Farm.id))
    if organisation_id is not None:
        who.require(organisation_id)
        stmt = stmt.where(Farm.organisation_id == organisation_id)
    elif not who.is_admin:
        stmt = stmt.where(col(Farm.organisation_id).in_(who.org_ids()))
    return list(session.exec(stmt).all())


@router.post("", response_model=FarmPublic, status_code=201)
def create_farm(body: FarmCreate, who: CurrentUser, session: SessionDep) -> Farm:
    if session.get(Organisation, body.organisation_id) is None:
        raise NotFound(f"Organisation {body.organisation_id} does not exist.")
    who.require(body.organisation_id, Role.coop_admin)
    require_location(body.province_code, body.commune_code)
    farm = Farm.model_validate(body)
    session.add(farm)
    session.commit()
    session.refresh(farm)
    return farm


@router.get("/{farm_id}", response_model=FarmPublic)
def get_farm(farm_id: int, who: CurrentUser, session: SessionDep) -> Farm:
    return load_farm(session, who, farm_id)


@router.patch("/{farm_id}", response_model=FarmPublic)
def update_farm(farm_id: int, body: FarmUpdate, who: CurrentUser, session: SessionDep) -> Farm:
    farm = load_farm(session, who, farm_id, Role.coop_admin)
    changes = body.model_dump(exclude_unset=True)
    if changes.get("province_code", 1) is None or changes.get("commune_code", 1) is None:
        raise Invalid("A farm needs a province and a commune.")
    if any(changes.get(k, getattr(farm, k)) != getattr(farm, k)
           for k in ("province_code", "commune_code")):
        require_location(changes.get("province_code", farm.province_code),
                         changes.get("commune_code", farm.commune_code))
    farm.sqlmodel_update(changes)
    session.add(farm)
    session.commit()
    session.refresh(farm)
    return farm


@router.delete("/{farm_id}", status_code=204)
def delete_farm(farm_id: int, who: CurrentUser, session: SessionDep) -> Response:
    farm = load_farm(session, who, farm_id, Role.coop_admin)
    session.delete(farm)
    session.commit()
    return Response(status_code=204)
