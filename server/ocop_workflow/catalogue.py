"""The public OCOP catalogue and the stars shown on stamps.

Only a certificate valid on the day (issued, not expired, not revoked —
:func:`ocop.scoring.is_valid`) puts stars on a product. Filters: stars, group, product
set, and place by the official list (:mod:`server.admin_units`): a province or commune
given by code or by name, diacritics optional ("thanh ha" finds "Xã Thanh Hà"). A product
lists its stamped lots (GS1 Digital Link pages) only when its co-op allows it
(``show_lots``). :func:`current_stars` is the one
entry point for the stamps' consumer page. Entries are the API's response model,
:class:`~server.models.ocop_views.CatalogueEntryPublic`; the pages read the same attributes.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from sqlmodel import Session, col, select

from ocop.groups import ProductGroup, Subgroup
from server import admin_units
from server.models import Organisation
from server.models.ocop import OcopCertificate, OcopProduct, clean_gtin
from server.models.ocop_views import CatalogueEntryPublic, CatalogueLot
from server.models.trace import Lot, Product
from server.ocop_workflow.access import subject_type
from server.ocop_workflow.certs import certificate_is_valid, valid_certificate

__all__ = ["current_stars", "catalogue", "catalogue_entry", "find_communes", "find_province",
           "MAX_LOTS"]

#: Lots listed per product (newest first).
MAX_LOTS = 20


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


def _lots(session: Session, product: OcopProduct) -> list[CatalogueLot]:
    if not product.show_lots or product.gtin is None:
        return []
    rows = session.exec(select(Lot, Product).join(Product, col(Product.id) == Lot.product_id)
                        .where(Product.gtin == product.gtin,
                               Product.organisation_id == product.organisation_id)
                        .order_by(col(Lot.harvested_at).desc(), col(Lot.id).desc())
                        .limit(MAX_LOTS)).all()
    return [CatalogueLot(code=lot.code, url=f"/01/{p.gtin}/10/{lot.code}",
                         harvested_on=lot.harvested_at.date() if lot.harvested_at else None)
            for lot, p in rows]


def _entry(product: OcopProduct, org: Organisation, cert: OcopCertificate,
           lots: list[CatalogueLot] | None = None) -> CatalogueEntryPublic:
    assert product.id is not None
    sub = Subgroup(product.subgroup)
    kind = subject_type(org)
    province = admin_units.province(org.province_code)
    commune = admin_units.commune(product.commune_code)
    return CatalogueEntryPublic(
        product_id=product.id, name=product.name, description=product.description,
        organisation=org.name, subject_type=kind.value, subject_type_vi=kind.vi,
        group=product.product_group, group_vi=ProductGroup(product.product_group).vi,
        subgroup=sub.value, subgroup_vi=sub.vi, province_code=org.province_code,
        commune_code=product.commune_code, gtin=product.gtin, stars=cert.stars,
        certificate_number=cert.number, issued_on=cert.issued_on, expires_on=cert.expires_on,
        level=cert.level, url=f"/catalogue/{product.id}",
        province_name=province.name if province else None,
        commune_name=commune.name if commune else None, lots=lots or [])


def _fold(text: str) -> str:
    """Lower case without diacritics ("Hải Phòng" → "hai phong")."""
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c))
                    .casefold().split())


def find_province(text: str | None) -> str | None:
    """A province code from a code or a name on the official list ("hai phong" → "31").

    Returns ``"--"`` (matching nothing) for text that names no province.
    """
    if not text or not text.strip():
        return None
    wanted = _fold(text.strip())
    for p in admin_units.provinces():
        name = _fold(p.name)
        if wanted in (p.code, name) or name.endswith(" " + wanted):
            return p.code
    return "--"


def find_communes(text: str | None, province: str | None = None) -> list[str] | None:
    """Commune codes matching a code or (part of) a name, within ``province`` if given."""
    if not text or not text.strip():
        return None
    value = text.strip()
    if value.isdigit():
        return [value]
    pool = admin_units.search_communes(value, province if province != "--" else None,
                                       limit=200)
    return [c.code for c in pool]


def catalogue(session: Session, on: date, stars: int | None = None, group: str | None = None,
              commune: str | None = None, *, province: str | None = None,
              subgroup: str | None = None) -> list[CatalogueEntryPublic]:
    """Products with a certificate valid on ``on``, best rated first, then by name.

    ``province`` and ``commune`` are codes or names (:func:`find_province`,
    :func:`find_communes`); ``subgroup`` is a product set value (e.g. "processed-produce").
    """
    province_code = find_province(province)
    communes = find_communes(commune, province_code)
    stmt = (select(OcopProduct, Organisation)
            .join(Organisation, col(Organisation.id) == OcopProduct.organisation_id)
            .where(col(OcopProduct.id).in_(
                select(OcopCertificate.product_id).where(
                    col(OcopCertificate.issued_on) <= on, col(OcopCertificate.expires_on) >= on,
                    col(OcopCertificate.revoked_on).is_(None)
                    | (col(OcopCertificate.revoked_on) > on)))))
    if group:
        stmt = stmt.where(OcopProduct.product_group == group)
    if subgroup:
        stmt = stmt.where(OcopProduct.subgroup == subgroup)
    if province_code:
        stmt = stmt.where(Organisation.province_code == province_code)
    if communes is not None:
        stmt = stmt.where(col(OcopProduct.commune_code).in_(communes))
    out = []
    for product, org in session.exec(stmt).all():
        assert product.id is not None
        cert = valid_certificate(session, product.id, on)
        if cert is None or not certificate_is_valid(cert, on):
            continue
        if stars is not None and cert.stars != stars:
            continue
        out.append(_entry(product, org, cert, _lots(session, product)))
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
    return _entry(product, org, cert, _lots(session, product))
