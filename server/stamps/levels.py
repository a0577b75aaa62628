"""Walk-up: the resolver's answers for keys less specific than a stamp (GS1-Conformant
Resolver Standard 2.5.9/§5.16: a default link at the entry level or higher for any valid URI).

``/01/<GTIN>/10/<lot>`` → the lot (page, linkset); ``/01/<GTIN>`` → the product; a lot we do
not know under a GTIN we know falls back to the product level (the anchor stays the request
URI, the links are the product's). A valid key we know nothing of is a plain 404 (§5.8).
These are not the scan hot path: each costs a few indexed reads.
"""

from __future__ import annotations

from datetime import date

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session, col, select

from qr.gs1 import digital_link
from server.errors import StampError
from server.models import Organisation
from server.models.trace import Lot, Product
from server.ocop_workflow.catalogue import current_stars
from server.stamps import consumer, links
from server.stamps.negotiate import Item
from server.templating import templates
from server.trace.lots import find_lot

__all__ = ["UnknownItem", "product_item", "lot_item", "product_page", "lot_page"]

#: How many of a product's lots its page lists.
RECENT_LOTS = 12


class UnknownItem(StampError):
    """A valid GS1 key the resolver holds nothing for (§5.8: a simple 404)."""

    code = "not_found"
    title_vi = "Không tìm thấy"


def _product(session: Session, gtin14: str) -> Product:
    product = session.exec(select(Product).where(Product.gtin == gtin14)).first()
    if product is None:
        raise UnknownItem("No product with this GTIN is known to this resolver.")
    return product


def product_item(session: Session, base: str, gtin14: str, anchor: str) -> tuple[Item, Product]:
    """The product level, anchored at ``anchor`` (the request URI, which may name a lot
    this resolver does not know)."""
    product = _product(session, gtin14)
    page = links.info_uri(base, digital_link(base, gtin14))
    item = Item(anchor=anchor, description=product.name,
                links={"defaultLink": page, "pip": page},
                titles={"defaultLink": "Thông tin sản phẩm", "pip": "Trang thông tin sản phẩm"})
    return item, product


def lot_item(session: Session, base: str, gtin14: str,
             lot_code: str) -> tuple[Item, Product, Lot | None]:
    """The lot level, or the product level if the lot is unknown (walk-up)."""
    anchor = digital_link(base, gtin14, lot_code)
    lot = find_lot(session, gtin14, lot_code)
    if lot is None:
        item, product = product_item(session, base, gtin14, anchor)
        return item, product, None
    found = session.get(Product, lot.product_id)
    assert found is not None
    product = found
    page = links.info_uri(base, anchor)
    item = Item(anchor=anchor, description=f"{product.name} — lô {lot.code}",
                links={"defaultLink": page, "pip": page},
                titles={"defaultLink": "Nguồn gốc lô hàng", "pip": "Trang thông tin lô hàng"})
    return item, product, lot


def _lang(request: Request) -> str:
    return "en" if request.query_params.get("lang") == "en" else "vi"


def product_page(request: Request, session: Session, base: str, product: Product) -> Response:
    org = session.get(Organisation, product.organisation_id)
    lots = session.exec(select(Lot).where(Lot.product_id == product.id)
                        .order_by(col(Lot.harvested_at).desc(), col(Lot.id).desc())
                        .limit(RECENT_LOTS)).all()
    ctx = {"p": product, "org": org, "lang": _lang(request), "base": base,
           "stars": current_stars(session, product.gtin, date.today()),
           "lots": [(lot, links.info_uri(base, digital_link(base, product.gtin, lot.code)))
                    for lot in lots]}
    return templates.TemplateResponse(request, "stamp_product.html", ctx)


def lot_page(request: Request, session: Session, base: str, product: Product,
             lot: Lot) -> Response:
    view = consumer.build_view(session, lot, product)
    ctx = {"v": view, "lang": _lang(request), "base": base, "today": date.today(),
           "product_uri": links.info_uri(base, digital_link(base, product.gtin))}
    resp: HTMLResponse = templates.TemplateResponse(request, "stamp_lot.html", ctx)
    return resp
