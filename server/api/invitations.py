"""Invitations: how a user comes to belong to an organisation.

A co-op admin invites an existing user by login (e-mail or phone) with a role; that makes a
*pending* invitation and nothing else. Only the invitee can accept it (then the membership
exists) or decline it; the co-op admin can withdraw it while it is pending. So nobody —
least of all a province evaluator — becomes a member of a co-op without saying yes.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from server.api.organisations import load_org
from server.deps import CurrentUser, Principal, SessionDep
from server.errors import Conflict, Forbidden, NotFound
from server.models import Membership, MembershipPublic, Organisation, Role, User
from server.models.org import Invitation, InvitationStatus
from server.timeutil import utcnow

__all__ = ["router"]

log = logging.getLogger(__name__)

router = APIRouter(tags=["organisations"])


class InvitationCreate(BaseModel):
    login: str = Field(min_length=3, max_length=254)
    role: Role


class InvitationPublic(BaseModel):
    id: int
    organisation_id: int
    organisation_name: str
    user_id: int
    role: Role
    status: InvitationStatus


def _public(session: Session, inv: Invitation) -> InvitationPublic:
    org = session.get(Organisation, inv.organisation_id)
    assert inv.id is not None and org is not None
    return InvitationPublic(id=inv.id, organisation_id=inv.organisation_id,
                            organisation_name=org.name, user_id=inv.user_id, role=inv.role,
                            status=inv.status)


@router.post("/organisations/{org_id}/invitations", response_model=InvitationPublic,
             status_code=201)
def invite(org_id: int, body: InvitationCreate, who: CurrentUser,
           session: SessionDep) -> InvitationPublic:
    """Invite a user by login; they become a member only when they accept."""
    load_org(session, who, org_id, Role.coop_admin)
    if body.role == Role.admin:
        raise Forbidden("The platform administrator role is not given by invitation.")
    user = session.exec(select(User).where(User.login == body.login.strip().lower())).first()
    if user is None or not user.is_active:
        raise NotFound(f"No user with the login {body.login.strip()!r}.")
    if session.exec(select(Membership).where(Membership.user_id == user.id,
                                             Membership.organisation_id == org_id)).first():
        raise Conflict(f"{user.login} is already a member of organisation {org_id}.")
    pending = session.exec(select(Invitation).where(
        Invitation.user_id == user.id, Invitation.organisation_id == org_id,
        Invitation.status == InvitationStatus.pending)).first()
    if pending is not None:
        raise Conflict(f"{user.login} already has a pending invitation (id {pending.id}).")
    assert user.id is not None
    inv = Invitation(organisation_id=org_id, user_id=user.id, role=body.role,
                     invited_by=who.id)
    session.add(inv)
    session.commit()
    log.info("user %s invited user %s to organisation %s as %s", who.id, user.id, org_id,
             body.role.value)
    return _public(session, inv)


@router.get("/organisations/{org_id}/invitations", response_model=list[InvitationPublic])
def list_org_invitations(org_id: int, who: CurrentUser,
                         session: SessionDep) -> list[InvitationPublic]:
    load_org(session, who, org_id, Role.coop_admin)
    rows = session.exec(select(Invitation).where(Invitation.organisation_id == org_id)
                        .order_by(col(Invitation.id).desc()).limit(200)).all()
    return [_public(session, inv) for inv in rows]


@router.post("/organisations/{org_id}/invitations/{invitation_id}/withdraw",
             response_model=InvitationPublic)
def withdraw(org_id: int, invitation_id: int, who: CurrentUser,
             session: SessionDep) -> InvitationPublic:
    load_org(session, who, org_id, Role.coop_admin)
    inv = session.get(Invitation, invitation_id)
    if inv is None or inv.organisation_id != org_id:
        raise NotFound(f"Invitation {invitation_id} does not exist.")
    return _answer(session, inv, InvitationStatus.withdrawn)


@router.get("/invitations", response_model=list[InvitationPublic])
def my_invitations(who: CurrentUser, session: SessionDep) -> list[InvitationPublic]:
    """The caller's pending invitations."""
    rows = session.exec(select(Invitation).where(
        Invitation.user_id == who.id, Invitation.status == InvitationStatus.pending)
        .order_by(col(Invitation.id))).all()
    return [_public(session, inv) for inv in rows]


def _mine(session: Session, who: Principal, invitation_id: int) -> Invitation:
    inv = session.get(Invitation, invitation_id)
    if inv is None or inv.user_id != who.id:  # someone else's: as if it did not exist
        raise NotFound(f"Invitation {invitation_id} does not exist.")
    return inv


def _close(session: Session, inv: Invitation, status: InvitationStatus) -> None:
    """Mark a pending invitation answered (409 if it is not pending); the caller commits."""
    if inv.status != InvitationStatus.pending:
        raise Conflict(f"This invitation is already {inv.status.value}.")
    inv.status = status
    inv.answered_at = utcnow()
    session.add(inv)


def _answer(session: Session, inv: Invitation, status: InvitationStatus) -> InvitationPublic:
    _close(session, inv, status)
    session.commit()
    return _public(session, inv)


@router.post("/invitations/{invitation_id}/accept", response_model=MembershipPublic)
def accept(invitation_id: int, who: CurrentUser, session: SessionDep) -> Membership:
    """The invitee says yes: the membership is created with the invited role."""
    inv = _mine(session, who, invitation_id)
    _close(session, inv, InvitationStatus.accepted)
    if session.exec(select(Membership).where(
            Membership.user_id == who.id,
            Membership.organisation_id == inv.organisation_id)).first():
        raise Conflict(f"You are already a member of organisation {inv.organisation_id}.")
    m = Membership(user_id=who.id, organisation_id=inv.organisation_id, role=inv.role)
    session.add(m)
    session.commit()
    session.refresh(m)
    log.info("user %s accepted invitation %s", who.id, inv.id)
    return m


@router.post("/invitations/{invitation_id}/decline", response_model=InvitationPublic)
def decline(invitation_id: int, who: CurrentUser, session: SessionDep) -> InvitationPublic:
    return _answer(session, _mine(session, who, invitation_id), InvitationStatus.declined)
