"""Server-rendered pages for farmers and co-op admins (Vietnamese, phone first)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlmodel import col, select

from server.api.auth import TooManyAttempts, authenticate_user, set_session_cookies
from server.deps import CSRF_COOKIE, CurrentUser, OptionalUser, SessionDep, SettingsDep
from server.errors import Unauthorized
from server.models import Device, Farm, Membership, Organisation, Role, User, Zone
from server.security import COOKIE_NAME, issue_token

__all__ = ["router", "templates", "CROP_NAMES_VI"]

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
# Templates ship with the code: no stat() of every template file on every render.
templates.env.auto_reload = False

CROP_NAMES_VI = {"lychee": "Vải thiều", "carrot": "Cà rốt"}
ROLE_NAMES_VI = {Role.farmer: "Nông dân", Role.coop_admin: "Quản trị HTX",
                 Role.evaluator: "Chuyên gia đánh giá", Role.admin: "Quản trị hệ thống"}


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths; never an open redirect."""
    if not target:
        return "/farm"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/farm"
    return target


def _render(request: Request, name: str, ctx: dict[str, Any], status: int = 200) -> HTMLResponse:
    ctx.setdefault("csrf", request.cookies.get(CSRF_COOKIE, ""))
    return templates.TemplateResponse(request, name, ctx, status_code=status)


@router.get("/")
def home(who: OptionalUser) -> RedirectResponse:
    if who is None:
        return RedirectResponse("/login", status_code=303)
    if who.is_admin or Role.coop_admin in who.roles.values():
        return RedirectResponse("/coop", status_code=303)
    return RedirectResponse("/farm", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> HTMLResponse:
    return _render(request, "login.html", {"next": _safe_next(next), "error": None})


@router.post("/login")
def login_submit(request: Request, session: SessionDep, settings: SettingsDep,
                 login: str = Form(max_length=254), password: str = Form(max_length=128),
                 next: str = Form(default="/farm", max_length=500)) -> Response:
    try:
        user = authenticate_user(session, login, password, request)
    except TooManyAttempts as exc:
        resp = _render(request, "login.html",
                       {"next": _safe_next(next),
                        "error": f"Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau "
                                 f"{(exc.retry_after + 59) // 60} phút."}, status=429)
        resp.headers["Retry-After"] = str(exc.retry_after)
        return resp
    except Unauthorized:
        return _render(request, "login.html",
                       {"next": _safe_next(next), "error": "Sai tên đăng nhập hoặc mật khẩu."},
                       status=401)
    assert user.id is not None
    token = issue_token(settings.secret_key, user.id, user.token_version, settings.session_ttl_s)
    resp = RedirectResponse(_safe_next(next), status_code=303)
    set_session_cookies(resp, settings, token)
    return resp


@router.post("/logout")
def logout_submit(who: CurrentUser) -> Response:
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(COOKIE_NAME, path="/")
    resp.delete_cookie(CSRF_COOKIE, path="/")
    return resp


def _zones_for(session: SessionDep, org_ids: list[int] | None) -> list[dict[str, Any]]:
    stmt = select(Zone, Farm).join(Farm, col(Farm.id) == Zone.farm_id).order_by(Farm.id, Zone.id)
    if org_ids is not None:
        stmt = stmt.where(col(Farm.organisation_id).in_(org_ids))
    out = []
    for zone, farm in session.exec(stmt).all():
        devices = session.exec(select(Device).where(Device.zone_id == zone.id)).all()
        from server.telemetry.queries import zone_summary

        from server.irrigation.status import zone_status

        out.append({"zone": zone, "farm": farm, "crop_vi": CROP_NAMES_VI.get(zone.crop, zone.crop),
                    "devices": devices, "latest": zone_summary(session, devices),
                    "irr": zone_status(session, zone, devices)})
    return out


@router.get("/farm", response_class=HTMLResponse)
def farm_page(request: Request, who: CurrentUser, session: SessionDep) -> HTMLResponse:
    zones = _zones_for(session, None if who.is_admin else who.org_ids())
    return _render(request, "farm.html", {"who": who, "zones": zones})


@router.get("/coop", response_class=HTMLResponse)
def coop_page(request: Request, who: CurrentUser, session: SessionDep) -> HTMLResponse:
    stmt = select(Organisation).order_by(Organisation.id)
    if not who.is_admin:
        stmt = stmt.where(col(Organisation.id).in_(who.org_ids()))
    orgs = []
    for org in session.exec(stmt).all():
        assert org.id is not None
        farms = session.exec(select(Farm).where(Farm.organisation_id == org.id)
                             .order_by(Farm.id)).all()
        members = session.exec(
            select(Membership, User).join(User, col(User.id) == Membership.user_id)
            .where(Membership.organisation_id == org.id).order_by(Membership.id)).all()
        orgs.append({"org": org, "farms": farms,
                     "zones": _zones_for(session, [org.id]),
                     "members": [(m, u, ROLE_NAMES_VI[m.role]) for m, u in members],
                     "my_role": ROLE_NAMES_VI.get(who.role_in(org.id) or Role.admin)})
    return _render(request, "coop.html", {"who": who, "orgs": orgs})
