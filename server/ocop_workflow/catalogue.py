"""The public OCOP catalogue and the stars shown on stamps.

Only a certificate valid on the day (issued, not expired, not revoked —
:func:`ocop.scoring.is_valid`) puts stars on a product. :func:`current_stars` is the one
entry point for the stamps' consumer page. Entries are the API's response model,
:class:`~server.models.ocop_views.CatalogueEntryPublic`; the pages read the same attributes.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from ocop.groups import ProductGroup, Subgroup
from server.models import Organisation
from server.models.ocop import OcopCertificate, OcopProduct, clean_gtin
from server.models.ocop_views import CatalogueEntryPublic
from server.models.trace import Product
from server.ocop_workflow.access import subject_type
from server.ocop_workflow.certs import certificate_is_valid, valid_certificate

__all__ = ["current_stars", "catalogue", "catalogue_entry"]


def current_stars(session: Session, gtin: str, on: date) -> int | None:
    """Stars of the OCOP product with this GTIN on day ``on``, or None.

    ``gtin`` may be a GTIN-8/12/13/14 (compared in its GTIN-14 form). None when the GTIN is
    malformed, no OCOP product carries it, or it has no certificate valid on ``on``
    (expired or revoked certificates count for nothing), and when the traceability product
    with this GTIN (the stamped one) belongs to another organisation than the OCOP product:
    a co-op's stars never show on another's stamps, even for data older than the GTIN
    ownership checks (:func:`server.models.gs1.gtin_refusal`).
    """
    try:
        code = clean_gtin(gtin)
    except (ValueError, AttributeError):
        return None
    if code is None:
        return None
    product = session.exec(select(OcopProduct).where(OcopProduct.gtin == code)).first()
    if product is None or product.id is None:
        return None
    stamped = session.exec(select(Product.organisation_id).where(Product.gtin == code)).first()
    if stamped is not None and stamped != product.organisation_id:
        return None
    cert = valid_certificate(session, product.id, on)
    return cert.stars if cert is not None else None


def _entry(product: OcopProduct, org: Organisation, cert: OcopCertificate) -> CatalogueEntryPublic:
    assert product.id is not None
    sub = Subgroup(product.subgroup)
    kind = subject_type(org)
    return CatalogueEntryPublic(
        product_id=product.id, name=product.name, description=product.description,
        organisation=org.name, subject_type=kind.value, subject_type_vi=kind.vi,
        group=product.product_group, group_vi=ProductGroup(product.product_group).vi,
        subgroup=sub.value, subgroup_vi=sub.vi, province_code=org.province_code,
        commune_code=product.commune_code, gtin=product.gtin, stars=cert.stars,
        certificate_number=cert.number, issued_on=cert.issued_on, expires_on=cert.expires_on,
        level=cert.level, url=f"/catalogue/{product.id}")


def catalogue(session: Session, on: date, stars: int | None = None, group: str | None = None,
              commune: str | None = None) -> list[CatalogueEntryPublic]:
    """Products with a certificate valid on ``on``, best rated first, then by name."""
    stmt = (select(OcopProduct, Organisation)
            .join(Organisation, col(Organisation.id) == OcopProduct.organisation_id)
            .where(col(OcopProduct.id).in_(
                select(OcopCertificate.product_id).where(
                    col(OcopCertificate.issued_on) <= on, col(OcopCertificate.expires_on) >= on,
                    col(OcopCertificate.revoked_on).is_(None)
                    | (col(OcopCertificate.revoked_on) > on)))))
    if group:
        stmt = stmt.where(OcopProduct.product_group == group)
    if commune:
        stmt = stmt.where(OcopProduct.commune_code == commune)
    out = []
    for product, org in session.exec(stmt).all():
        assert product.id is not None
        cert = valid_certificate(session, product.id, on)
        if cert is None or not certificate_is_valid(cert, on):
            continue
        if stars is not None and cert.stars != stars:
            continue
        out.append(_entry(product, org, cert))
    out.sort(key=lambda e: (-e.stars, e.name))
    return out


def catalogue_entry(session: Session, product_id: int, on: date) -> CatalogueEntryPublic | None:
    """One catalogue entry, or None when the product has no valid certificate on ``on``."""
    product = session.get(OcopProduct, product_id)
    if product is None:
        return None
    cert = valid_certificate(session, product_id, on)
    org = session.get(Organisation, product.organisation_id)
    if cert is None or org is None:
        return None
    return _entry(product, org, cert)
