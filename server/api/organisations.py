"""Organisations (co-operatives and other OCOP subjects) and their members."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from server.deps import CurrentUser, SessionDep
from server.errors import Conflict, NotFound
from server.models import (
    Membership,
    MembershipCreate,
    MembershipPublic,
    Organisation,
    OrganisationCreate,
    OrganisationPublic,
    OrganisationUpdate,
    Role,
    User,
)

__all__ = ["router"]

router = APIRouter(prefix="/organisations", tags=["organisations"])


def _get(session: SessionDep, org_id: int) -> Organisation:
    org = session.get(Organisation, org_id)
    if org is None:
        raise NotFound(f"Organisation {org_id} does not exist.")
    return org


@router.get("", response_model=list[OrganisationPublic])
def list_organisations(who: CurrentUser, session: SessionDep) -> list[Organisation]:
    stmt = select(Organisation).order_by(Organisation.id)
    if not who.is_admin:
        stmt = stmt.where(col(Organisation.id).in_(who.org_ids()))
    return list(session.exec(stmt).all())


@router.post("", response_model=OrganisationPublic, status_code=201)
def create_organisation(body: OrganisationCreate, who: CurrentUser,
                        session: SessionDep) -> Organisation:
    who.require_admin()
    org = Organisation.model_validate(body)
    session.add(org)
    session.commit()
    session.refresh(org)
    return org


@router.get("/{org_id}", response_model=OrganisationPublic)
def get_organisation(org_id: int, who: CurrentUser, session: SessionDep) -> Organisation:
    org = _get(session, org_id)
    who.require(org_id)
    return org


@router.patch("/{org_id}", response_model=OrganisationPublic)
def update_organisation(org_id: int, body: OrganisationUpdate, who: CurrentUser,
                        session: SessionDep) -> Organisation:
    org = _get(session, org_id)
    who.require(org_id, Role.coop_admin)
    org.sqlmodel_update(body.model_dump(exclude_unset=True))
    session.add(org)
    session.commit()
    session.refresh(org)
    return org


@router.get("/{org_id}/members", response_model=list[MembershipPublic])
def list_members(org_id: int, who: CurrentUser, session: SessionDep) -> list[Membership]:
    _get(session, org_id)
    who.require(org_id, Role.coop_admin)
    stmt = select(Membership).where(Membership.organisation_id == org_id).order_by(Membership.id)
    return list(session.exec(stmt).all())


@router.post("/{org_id}/members", response_model=MembershipPublic, status_code=201)
def add_member(org_id: int, body: MembershipCreate, who: CurrentUser,
               session: SessionDep) -> Membership:
    _get(session, org_id)
    who.require(org_id, Role.coop_admin)
    if body.role == Role.admin and not who.is_admin:
        raise Conflict("Only a platform administrator can grant the admin role.")
    if session.get(User, body.user_id) is None:
        raise NotFound(f"User {body.user_id} does not exist.")
    m = Membership(user_id=body.user_id, organisation_id=org_id, role=body.role)
    session.add(m)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"User {body.user_id} is already a member of organisation {org_id}.") from None
    session.refresh(m)
    return m
