"""Organisations (co-operatives and other OCOP subjects) and their members.

Members join by invitation (:mod:`server.api.invitations`); a co-op admin removes members
(never the last co-op admin). Where an organisation is (province, commune) decides which
province's OCOP council evaluates it, so only a platform administrator changes it.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Response
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from server.admin_units import require_location
from server.deps import CurrentUser, Principal, SessionDep
from server.errors import Conflict, Forbidden, Invalid, NotFound
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

__all__ = ["router", "load_org"]

log = logging.getLogger(__name__)

#: Fields only a platform administrator changes (they move the co-op to another council).
_ADMIN_ONLY = frozenset({"province_code", "commune_code"})

router = APIRouter(prefix="/organisations", tags=["organisations"])


def _get(session: Session, org_id: int) -> Organisation:
    org = session.get(Organisation, org_id)
    if org is None:
        raise NotFound(f"Organisation {org_id} does not exist.")
    return org


def load_org(session: Session, who: Principal, org_id: int, *roles: Role) -> Organisation:
    """Organisation ``org_id`` for a member holding one of ``roles`` (404 if it does not
    exist; 403 for a non-member: the organisation is named explicitly, see server.deps)."""
    org = _get(session, org_id)
    who.require(org_id, *roles)
    return org


@router.get("", response_model=list[OrganisationPublic])
def list_organisations(who: CurrentUser, session: SessionDep) -> list[Organisation]:
    stmt = select(Organisation).order_by(col(Organisation.id))
    if not who.is_admin:
        stmt = stmt.where(col(Organisation.id).in_(who.org_ids()))
    return list(session.exec(stmt).all())


@router.post("", response_model=OrganisationPublic, status_code=201)
def create_organisation(body: OrganisationCreate, who: CurrentUser,
                        session: SessionDep) -> Organisation:
    who.require_admin()
    require_location(body.province_code, body.commune_code)
    org = Organisation.model_validate(body)
    session.add(org)
    session.commit()
    session.refresh(org)
    return org


@router.get("/{org_id}", response_model=OrganisationPublic)
def get_organisation(org_id: int, who: CurrentUser, session: SessionDep) -> Organisation:
    return load_org(session, who, org_id)


@router.patch("/{org_id}", response_model=OrganisationPublic)
def update_organisation(org_id: int, body: OrganisationUpdate, who: CurrentUser,
                        session: SessionDep) -> Organisation:
    org = load_org(session, who, org_id, Role.coop_admin)
    changes = body.model_dump(exclude_unset=True)
    moved = {k for k in _ADMIN_ONLY & changes.keys() if changes[k] != getattr(org, k)}
    if moved and not who.is_admin:
        raise Forbidden("Only a platform administrator can change the province or commune "
                        "of an organisation.")
    if "province_code" in changes and changes["province_code"] is None:
        raise Invalid("An organisation needs a province.")
    if moved:  # a stored pre-2025 code is left alone until someone changes it
        require_location(changes.get("province_code", org.province_code),
                         changes.get("commune_code", org.commune_code))
    org.sqlmodel_update(changes)
    session.add(org)
    session.commit()
    session.refresh(org)
    return org


@router.get("/{org_id}/members", response_model=list[MembershipPublic])
def list_members(org_id: int, who: CurrentUser, session: SessionDep) -> list[Membership]:
    load_org(session, who, org_id, Role.coop_admin)
    stmt = select(Membership).where(Membership.organisation_id == org_id).order_by(col(Membership.id))
    return list(session.exec(stmt).all())


@router.post("/{org_id}/members", response_model=MembershipPublic, status_code=201)
def add_member(org_id: int, body: MembershipCreate, who: CurrentUser,
               session: SessionDep) -> Membership:
    """Add a member directly: platform administrators only (co-op admins invite)."""
    load_org(session, who, org_id, Role.coop_admin)
    if not who.is_admin:
        raise Forbidden("Invite the user instead (POST /organisations/{org_id}/invitations); "
                        "they become a member when they accept.")
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


@router.delete("/{org_id}/members/{user_id}", status_code=204)
def remove_member(org_id: int, user_id: int, who: CurrentUser, session: SessionDep) -> Response:
    """A co-op admin removes a member (or a member leaves); never the last co-op admin."""
    _get(session, org_id)
    if user_id != who.id:
        who.require(org_id, Role.coop_admin)
    m = session.exec(select(Membership).where(Membership.organisation_id == org_id,
                                              Membership.user_id == user_id)).first()
    if m is None:
        raise NotFound(f"User {user_id} is not a member of organisation {org_id}.")
    if m.role == Role.coop_admin:
        admins = session.exec(select(func.count()).select_from(Membership).where(
            Membership.organisation_id == org_id, Membership.role == Role.coop_admin)).one()
        if admins <= 1:
            raise Conflict("This is the organisation's last co-op admin; make another member "
                           "co-op admin first.")
    session.delete(m)
    session.commit()
    log.info("user %s removed user %s from organisation %s", who.id, user_id, org_id)
    return Response(status_code=204)
