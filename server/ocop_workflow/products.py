"""Registering OCOP products (the subject is the organisation)."""

from __future__ import annotations

from sqlmodel import Session, select

from ocop.groups import Subgroup
from server.deps import Principal
from server.errors import Conflict, GtinNotOwned, NotFound
from server.models import Organisation
from server.models.gs1 import gtin_refusal
from server.models.ocop import OcopProduct, OcopProductCreate
from server.ocop_workflow.access import require_coop_admin, subject_type

__all__ = ["register_product"]


def register_product(session: Session, who: Principal, body: OcopProductCreate) -> OcopProduct:
    """Add a product of ``body.organisation_id`` (its co-op admin or a platform admin).

    The group follows from the subgroup (:attr:`ocop.groups.Subgroup.group`); the commune
    defaults to the subject's. A GTIN already used by another OCOP product is a conflict, and
    so is one that is not the subject's (:func:`server.models.gs1.gtin_refusal`: under
    another organisation's GS1 company prefix, or used by another organisation), so that a
    co-op cannot put its stars on another's products. Flushes, does not commit.
    """
    org = session.get(Organisation, body.organisation_id)
    if org is None:
        raise NotFound(f"Tổ chức {body.organisation_id} không tồn tại.")
    assert org.id is not None
    require_coop_admin(who, org)
    subject_type(org)
    name = body.name.strip()
    if session.exec(select(OcopProduct).where(OcopProduct.organisation_id == org.id,
                                              OcopProduct.name == name)).first():
        raise Conflict(f"Chủ thể đã có sản phẩm «{name}».")
    if body.gtin and session.exec(select(OcopProduct).where(
            OcopProduct.gtin == body.gtin)).first():
        raise Conflict(f"Mã GTIN {body.gtin} đã gắn với một sản phẩm OCOP khác.")
    if body.gtin and (refusal := gtin_refusal(session, org.id, body.gtin)):
        raise GtinNotOwned(refusal)
    sub = Subgroup(body.subgroup)
    product = OcopProduct(organisation_id=org.id, name=name, subgroup=sub.value,
                          product_group=sub.group.value, description=body.description,
                          gtin=body.gtin, commune_code=body.commune_code or org.commune_code,
                          show_lots=body.show_lots)
    session.add(product)
    session.flush()
    return product
