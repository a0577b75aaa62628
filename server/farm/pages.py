"""The farmer's and the co-op's pages (Vietnamese, phone first): ``/farm`` (my zones, their
moisture and irrigation, "Tưới ngay"/"Dừng") and ``/coop`` (the co-op's farms, zones and
members). :data:`router` also carries the login form and the home redirect
(:mod:`server.farm.login`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from server.deps import CurrentUser, SessionDep
from server.farm import login
from server.farm.views import coop_views, with_status, zone_rows
from server.templating import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
router.include_router(login.router)


@router.get("/farm", response_class=HTMLResponse)
def farm_page(request: Request, who: CurrentUser, session: SessionDep) -> HTMLResponse:
    zones = with_status(session, zone_rows(session, None if who.is_admin else who.org_ids()))
    return render(request, "farm.html", {"who": who, "zones": zones})


@router.get("/coop", response_class=HTMLResponse)
def coop_page(request: Request, who: CurrentUser, session: SessionDep) -> HTMLResponse:
    return render(request, "coop.html", {"who": who, "orgs": coop_views(session, who)})
