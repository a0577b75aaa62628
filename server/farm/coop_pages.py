"""The co-op admin's dashboard and certificates pages and everyone's alerts page.

Each page checks the role: a farmer opening a co-op admin's page gets 403 (and a page
that says so in Vietnamese), an anonymous visitor the login form.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlmodel import col, select

from server.deps import CurrentUser, Principal, SessionDep
from server.errors import Forbidden
from server.farm.dashboard import EXPIRY_DAYS, dashboard, open_alerts
from server.models import Role, Zone
from server.models.ocop import OcopCertificate, OcopProduct
from server.models.trace import Certificate
from server.templating import render
from server.trace.certificates import KIND_LABELS

__all__ = ["router", "admin_orgs"]

router = APIRouter(include_in_schema=False)


def admin_orgs(who: Principal) -> list[int] | None:
    """The organisations ``who`` manages (None: all, for a platform admin); 403 if none."""
    if who.is_admin:
        return None
    orgs = [oid for oid, role in who.roles.items() if role == Role.coop_admin]
    if not orgs:
        raise Forbidden("Trang này dành cho quản trị hợp tác xã.")
    return sorted(orgs)


@router.get("/coop/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request, who: CurrentUser, session: SessionDep) -> HTMLResponse:
    data = dashboard(session, admin_orgs(who))
    return render(request, "coop_dashboard.html", {"who": who, "d": data,
                                                   "expiry_days": EXPIRY_DAYS,
                                                   "kind_labels": KIND_LABELS})


@router.get("/farm/alerts", response_class=HTMLResponse)
def alerts_page(request: Request, who: CurrentUser, session: SessionDep) -> HTMLResponse:
    alerts = open_alerts(session, None if who.is_admin else who.org_ids())
    ids = {a.zone_id for a in alerts if a.zone_id is not None}
    zones = {z.id: z for z in session.exec(select(Zone).where(col(Zone.id).in_(ids))).all()} \
        if ids else {}
    return render(request, "farm_alerts.html", {"who": who, "alerts": alerts, "zones": zones})


@router.get("/coop/certificates", response_class=HTMLResponse)
def certificates_page(request: Request, who: CurrentUser, session: SessionDep) -> HTMLResponse:
    orgs = admin_orgs(who)
    certs = select(Certificate).order_by(col(Certificate.valid_until))
    ocop = (select(OcopCertificate, OcopProduct)
            .join(OcopProduct, col(OcopProduct.id) == OcopCertificate.product_id)
            .order_by(col(OcopCertificate.expires_on)))
    if orgs is not None:
        certs = certs.where(col(Certificate.organisation_id).in_(orgs))
        ocop = ocop.where(col(OcopProduct.organisation_id).in_(orgs))
    return render(request, "coop_certificates.html", {
        "who": who, "certs": session.exec(certs).all(), "ocop": session.exec(ocop).all(),
        "today": date.today(), "kind_labels": KIND_LABELS})
