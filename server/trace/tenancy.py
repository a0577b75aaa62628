"""Tenancy of the ids a write names (issue 15 item 11).

Every farm, zone, location, product or lot that a create route references must belong to the
organisation the new row belongs to. Another co-op's object answers exactly like a missing
one — :class:`~server.errors.NotFound` (404), never 403 — so ids cannot be probed; nothing is
written before these checks pass.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlmodel import Session, SQLModel

from server.errors import Invalid, NotFound
from server.models import Farm, Zone
from server.models.trace import Location, Lot, Product

__all__ = ["own_farm", "own_zone", "own_location", "own_product", "own_lot", "check_refs"]

T = TypeVar("T", bound=SQLModel)


def _org_id(obj: Any) -> int | None:
    org_id: int | None = obj.organisation_id
    return org_id


def _owned(session: Session, model: type[T], obj_id: int, org_id: int, what: str,
           org_of: Callable[[Any], int | None] = _org_id) -> T:
    """Row ``obj_id`` of ``model`` if ``org_of(row)`` is ``org_id``; else 404, as if missing."""
    obj = session.get(model, obj_id)
    if obj is None or org_of(obj) != org_id:
        raise NotFound(f"{what} {obj_id} không tồn tại trong tổ chức này.")
    return obj


def own_farm(session: Session, farm_id: int, org_id: int) -> Farm:
    return _owned(session, Farm, farm_id, org_id, "Trang trại")


def own_zone(session: Session, zone_id: int, org_id: int) -> Zone:
    def farm_org(zone: Zone) -> int | None:
        farm = session.get(Farm, zone.farm_id)
        return farm.organisation_id if farm is not None else None
    return _owned(session, Zone, zone_id, org_id, "Khu", farm_org)


def own_location(session: Session, location_id: int, org_id: int) -> Location:
    return _owned(session, Location, location_id, org_id, "Địa điểm")


def own_product(session: Session, product_id: int, org_id: int) -> Product:
    return _owned(session, Product, product_id, org_id, "Sản phẩm")


def own_lot(session: Session, lot_id: int, org_id: int) -> Lot:
    return _owned(session, Lot, lot_id, org_id, "Lô")


def check_refs(session: Session, org_id: int, *, farm_id: int | None = None,
               zone_id: int | None = None, location_id: int | None = None) -> None:
    """Each id given must be an object of ``org_id`` (404 otherwise); a zone named with its
    farm must lie in that farm (422)."""
    if farm_id is not None:
        own_farm(session, farm_id, org_id)
    zone = own_zone(session, zone_id, org_id) if zone_id is not None else None
    if location_id is not None:
        own_location(session, location_id, org_id)
    if zone is not None and farm_id is not None and zone.farm_id != farm_id:
        raise Invalid(f"Khu {zone_id} không thuộc trang trại {farm_id}.")
