"""Server-rendered pages of this package: the claim page a farmer reaches by scanning the
QR code on a new board (``/claim/<code>``) to attach it to one of their zones."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from server.deps import CurrentUser, SessionDep
from server.errors import DomainError
from server.models import Zone
from server.telemetry import credentials as cred
from server.telemetry.api import zones_of
from server.templating import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
ROLE_VI = {"sensor": "cảm biến độ ẩm đất", "valve": "van tưới"}
PAGE = "telemetry_claim.html"


@router.get("/claim/{code}", response_class=HTMLResponse)
def claim_page(code: str, request: Request, who: CurrentUser, session: SessionDep) -> HTMLResponse:
    try:
        claim = cred.find_claim(session, code)
        who.require(claim.organisation_id)
    except DomainError as exc:
        return render(request, PAGE, {"who": who, "error": _vi(exc)}, exc.status_code)
    if claim.claimed_at is not None:
        return render(request, PAGE, {"who": who, "error": "Thiết bị này đã được gắn vào một khu."}, 409)
    return render(request, PAGE, {"who": who, "code": code, "uid": claim.uid,
                                  "role_vi": ROLE_VI.get(claim.role, claim.role),
                                  "zones": zones_of(session, claim.organisation_id)})


@router.post("/claim/{code}", response_class=HTMLResponse)
def claim_submit(code: str, request: Request, who: CurrentUser, session: SessionDep,
                 zone_id: int = Form()) -> HTMLResponse:
    try:
        claim = cred.find_claim(session, code)
        who.require(claim.organisation_id)
        zone = session.get(Zone, zone_id)
        if zone is None or zone.id not in {z.id for z in zones_of(session, claim.organisation_id)}:
            return render(request, PAGE, {"who": who, "error": "Khu tưới không hợp lệ."}, 422)
        device = cred.claim_device(session, claim, zone)
    except DomainError as exc:
        return render(request, PAGE, {"who": who, "error": _vi(exc)}, exc.status_code)
    return render(request, PAGE, {"who": who, "done": True, "uid": device.uid, "zone_name": zone.name})


def _vi(exc: DomainError) -> str:
    return {404: "Mã thiết bị không đúng hoặc đã hết hiệu lực.",
            403: "Thiết bị này thuộc hợp tác xã khác.",
            409: "Thiết bị này đã được gắn vào một khu."}.get(exc.status_code, exc.title_vi)
