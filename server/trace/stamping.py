"""Whether a lot may get consumer stamps, and the inspector's override.

Who is an inspector: a platform administrator, or a user holding the role ``evaluator`` in
an organisation of kind ``authority`` (e.g. the city's OCOP council / the plant-protection
authority). A co-operative's own admins cannot lift a block on their own lot: separation
of duties. Every override is recorded on the flag (who, when, why) and never deleted.
"""

from __future__ import annotations

import logging

from sqlmodel import Session, col, select

from server.deps import Principal
from server.errors import Forbidden, Invalid, NotFound
from server.models import Organisation, OrgKind, Role
from server.models.common import utcnow
from server.models.trace import Lot, LotFlag
from server.trace.errors import LotNotStampable

__all__ = ["assert_stampable", "open_flags", "is_inspector", "override", "MIN_REASON"]

log = logging.getLogger(__name__)

MIN_REASON = 10


def open_flags(session: Session, lot_id: int) -> list[LotFlag]:
    """Flags of the lot that no inspector has overridden."""
    stmt = (select(LotFlag).where(LotFlag.lot_id == lot_id)
            .where(col(LotFlag.overridden_at).is_(None)).order_by(col(LotFlag.id)))
    return list(session.exec(stmt).all())


def assert_stampable(session: Session, lot_id: int) -> None:
    """Raise :class:`LotNotStampable` (HTTP 409) unless the lot may get consumer stamps."""
    if session.get(Lot, lot_id) is None:
        raise NotFound(f"Lot {lot_id} does not exist.")
    flags = open_flags(session, lot_id)
    if flags:
        reasons = "; ".join(f.reason for f in flags)
        raise LotNotStampable(f"Lot {lot_id} is blocked from stamping until an inspector "
                              f"overrides it: {reasons}", lot_id, [f.id or 0 for f in flags])


def is_inspector(session: Session, who: Principal) -> bool:
    if who.is_admin:
        return True
    orgs = [o for o, r in who.roles.items() if r == Role.evaluator]
    if not orgs:
        return False
    stmt = select(Organisation.id).where(col(Organisation.id).in_(orgs)).where(
        Organisation.kind == OrgKind.authority)
    return session.exec(stmt).first() is not None


def override(session: Session, who: Principal, lot_id: int, reason: str) -> list[LotFlag]:
    """Lift every open flag of the lot with ``reason``; returns the flags changed."""
    if not is_inspector(session, who):
        raise Forbidden("Only an inspector (evaluator of an authority, or a platform "
                        "administrator) can override a blocked lot.")
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise Invalid(f"Give a reason of at least {MIN_REASON} characters.")
    if session.get(Lot, lot_id) is None:
        raise NotFound(f"Lot {lot_id} does not exist.")
    flags = open_flags(session, lot_id)
    if not flags:
        raise Invalid("This lot has no open flag to override.")
    now = utcnow()
    for flag in flags:
        flag.overridden_by = who.id
        flag.override_reason = reason
        flag.overridden_at = now
        session.add(flag)
    session.commit()
    log.info("lot %s: %d flag(s) overridden by user %s", lot_id, len(flags), who.id)
    return flags
