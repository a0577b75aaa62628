"""The resolver's answers for logistic units: ``/00/<SSCC>`` → the carton (or pallet) page
and linkset, for browsers and scanners alike. A carton is not a consumer stamp: an SSCC we do
not know is "not found", never "not genuine".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.engine import Engine
from sqlmodel import Session

from qr.errors import GS1Error
from qr.gs1 import digital_link, parse_sscc_path, sscc_link
from server.errors import MalformedStampUri
from server.stamps import links
from server.stamps.levels import UnknownItem
from server.stamps.negotiate import Item
from server.templating import templates
from server.trace.cartons import carton_view

__all__ = ["carton_target"]


def carton_target(request: Request, engine: Engine, base: str,
                  path: str) -> tuple[Item, Callable[[], Awaitable[Response]]]:
    """The carton a ``/00/<SSCC>`` path names, and its page."""
    try:
        sscc = parse_sscc_path(path)
    except GS1Error as exc:
        raise MalformedStampUri(f"Malformed GS1 Digital Link URI: {exc}") from None
    with Session(engine) as s:
        view = carton_view(s, sscc)
    if view is None:
        raise UnknownItem("No logistic unit with this SSCC is known to this resolver.")
    anchor = sscc_link(base, sscc)
    linkmap = {"defaultLink": links.info_uri(base, anchor)}
    what = "Thùng hàng"
    if view.lot is not None and view.product is not None:
        linkmap["pip"] = links.info_uri(base, digital_link(base, view.product.gtin,
                                                            view.lot.code))
        what = f"Thùng hàng {view.product.name} — lô {view.lot.code}"
    item = Item(anchor, f"{what} (SSCC {sscc})", linkmap,
                titles={"defaultLink": "Thông tin thùng hàng", "pip": "Nguồn gốc lô hàng"})
    lang = "en" if request.query_params.get("lang") == "en" else "vi"

    async def page() -> Response:
        return templates.TemplateResponse(request, "stamp_carton.html", {
            "v": view, "sscc": sscc, "lang": lang, "lot_uri": linkmap.get("pip")})
    return item, page
