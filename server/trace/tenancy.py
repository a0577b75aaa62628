"""Tenancy of the ids a write names (issue 15 item 11).

Every farm, zone, location, product or lot that a create route references must belong to the
organisation the new row belongs to. Another co-op's object answers exactly like a missing
one — :class:`~server.errors.NotFound` (404), never 403 — so ids cannot be probed; nothing is
written before these checks pass.
"""

from __future__ import annotations

from sqlmodel import Session

from server.errors import Invalid, NotFound
from server.models import Farm, Zone
from server.models.trace import Location, Lot, Product

__all__ = ["own_farm", "own_zone", "own_location", "own_product", "own_lot", "check_refs"]


def own_farm(session: Session, farm_id: int, org_id: int) -> Farm:
    farm = session.get(Farm, farm_id)
    if farm is None or farm.organisation_id != org_id:
        raise NotFound(f"Trang trại {farm_id} không tồn tại trong tổ chức này.")
    return farm


def own_zone(session: Session, zone_id: int, org_id: int) -> Zone:
    zone = session.get(Zone, zone_id)
    farm = session.get(Farm, zone.farm_id) if zone is not None else None
    if zone is None or farm is None or farm.organisation_id != org_id:
        raise NotFound(f"Khu {zone_id} không tồn tại trong tổ chức này.")
    return zone


def own_location(session: Session, location_id: int, org_id: int) -> Location:
    loc = session.get(Location, location_id)
    if loc is None or loc.organisation_id != org_id:
        raise NotFound(f"Địa điểm {location_id} không tồn tại trong tổ chức này.")
    return loc


def own_product(session: Session, product_id: int, org_id: int) -> Product:
    product = session.get(Product, product_id)
    if product is None or product.organisation_id != org_id:
        raise NotFound(f"Sản phẩm {product_id} không tồn tại trong tổ chức này.")
    return product


def own_lot(session: Session, lot_id: int, org_id: int) -> Lot:
    lot = session.get(Lot, lot_id)
    if lot is None or lot.organisation_id != org_id:
        raise NotFound(f"Lô {lot_id} không tồn tại trong tổ chức này.")
    return lot


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
