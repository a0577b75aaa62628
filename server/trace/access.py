"""Access helpers: every route checks the role AND the organisation.

Objects found by id go through :func:`server.deps.load_owned`: another organisation's lot
or product is 404 like a missing one; an organisation named in the request that the caller
does not belong to is 403.
"""

from __future__ import annotations

from sqlmodel import Session

from server.deps import Principal, load_owned, load_zone
from server.errors import Invalid
from server.models import Role, Zone
from server.models.trace import Lot, Product

__all__ = ["WRITERS", "RECORDERS", "pick_org", "load_lot", "load_product", "load_zone_for",
           "visible_orgs"]

#: Who manages products, places, codes, lots and certificates.
WRITERS = (Role.coop_admin,)
#: Who records events and diary entries (the packing house and the field).
RECORDERS = (Role.coop_admin, Role.farmer)


def pick_org(who: Principal, org_id: int | None, *roles: Role) -> int:
    """The organisation a request acts for: the one given, or the caller's only one."""
    if org_id is None:
        orgs = who.org_ids()
        if len(orgs) != 1:
            raise Invalid("Say which organisation (org_id).")
        org_id = orgs[0]
    who.require(org_id, *roles)
    return org_id


def visible_orgs(who: Principal, org_id: int | None) -> list[int] | None:
    """Organisations whose data a list shows (None: all, for platform admins)."""
    if org_id is not None:
        who.require(org_id)
        return [org_id]
    return None if who.is_admin else who.org_ids()


def load_lot(session: Session, who: Principal, lot_id: int, *roles: Role) -> Lot:
    return load_owned(session, who, Lot, lot_id, *roles)


def load_product(session: Session, who: Principal, product_id: int, *roles: Role) -> Product:
    return load_owned(session, who, Product, product_id, *roles)


def load_zone_for(session: Session, who: Principal, zone_id: int, *roles: Role) -> Zone:
    return load_zone(session, who, zone_id, *roles)[0]
