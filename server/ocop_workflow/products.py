"""Registering OCOP products (the subject is the organisation)."""

from __future__ import annotations

from sqlmodel import Session, select

from ocop.groups import Subgroup
from server.deps import Principal
from server.errors import Conflict, NotFound
from server.models import Organisation
from server.models.ocop import OcopProduct, OcopProductCreate
from server.ocop_workflow.access import require_coop_admin, subject_type

__all__ = ["register_product"]


def register_product(session: Session, who: Principal, body: OcopProductCreate) -> OcopProduct:
    """Add a product of ``body.organisation_id`` (its co-op admin or a platform admin).

    The group follows from the subgroup (:attr:`ocop.groups.Subgroup.group`); the commune
    defaults to the subject's. A GTIN already used by another OCOP product is a conflict.
    Flushes, does not commit.
    """
    org = session.get(Organisation, body.organisation_id)
    if org is None:
        raise NotFound(f"Tổ chức {body.organisation_id} không tồn tại.")
    require_coop_admin(who, org)
    subject_type(org)
    name = body.name.strip()
    if session.exec(select(OcopProduct).where(OcopProduct.organisation_id == org.id,
                                              OcopProduct.name == name)).first():
        raise Conflict(f"Chủ thể đã có sản phẩm «{name}».")
    if body.gtin and session.exec(select(OcopProduct).where(
            OcopProduct.gtin == body.gtin)).first():
        raise Conflict(f"Mã GTIN {body.gtin} đã gắn với một sản phẩm OCOP khác.")
    sub = Subgroup(body.subgroup)
    assert org.id is not None
    product = OcopProduct(organisation_id=org.id, name=name, subgroup=sub.value,
                          product_group=sub.group.value, description=body.description,
                          gtin=body.gtin, commune_code=body.commune_code or org.commune_code)
    session.add(product)
    session.flush()
    return product
