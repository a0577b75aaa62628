"""The farmer's and the co-op's pages (Vietnamese, phone first): ``/farm`` (my zones, their
moisture and irrigation, "Tưới ngay"/"Dừng") and ``/coop`` (the co-op's farms, zones and
members). :data:`router` also carries the login form and the home redirect
(:mod:`server.farm.login`), the diary, the co-op's dashboard, lots, stamps and devices pages
(issue 21), and gives every template the role menu (:func:`server.farm.nav.menu_for`) and
the one date format, dd/mm/yyyy in Vietnam time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from server.deps import CurrentUser, SessionDep
from server.farm import coop_pages, device_pages, diary_pages, login, lot_pages, stamp_pages
from server.farm.nav import menu_for
from server.farm.views import coop_views, with_status, zone_rows
from server.templating import render, templates

__all__ = ["router", "vn_date", "vn_time"]

_VN = timezone(timedelta(hours=7))


def _local(value: datetime) -> datetime:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(_VN)


def vn_date(value: date | datetime | None) -> str:
    """dd/mm/yyyy (a datetime in Vietnam time); "" for None."""
    if value is None:
        return ""
    return (_local(value) if isinstance(value, datetime) else value).strftime("%d/%m/%Y")


def vn_time(value: datetime | None) -> str:
    """dd/mm/yyyy HH:MM in Vietnam time; "" for None."""
    return "" if value is None else _local(value).strftime("%d/%m/%Y %H:%M")


templates.env.globals.update(menu_for=menu_for, vn_date=vn_date, vn_time=vn_time)

router = APIRouter(include_in_schema=False)
for _module in (login, diary_pages, coop_pages, lot_pages, stamp_pages, device_pages):
    router.include_router(_module.router)


@router.get("/farm", response_class=HTMLResponse)
def farm_page(request: Request, who: CurrentUser, session: SessionDep) -> HTMLResponse:
    zones = with_status(session, zone_rows(session, None if who.is_admin else who.org_ids()))
    return render(request, "farm.html", {"who": who, "zones": zones})


@router.get("/coop", response_class=HTMLResponse)
def coop_page(request: Request, who: CurrentUser, session: SessionDep) -> HTMLResponse:
    return render(request, "coop.html", {"who": who, "orgs": coop_views(session, who)})
