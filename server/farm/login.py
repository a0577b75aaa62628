"""The login form, the logout button and the home page's redirect by role.

Thin page handlers: the checks and the session itself are :mod:`server.api.auth`'s
(:func:`~server.api.auth.authenticate_user`, :func:`~server.api.auth.start_session`,
:func:`~server.api.auth.end_session` and the login form's CSRF token), shared with the API.
"""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, select

from server.api.auth import (
    TooManyAttempts,
    authenticate_user,
    end_session,
    login_csrf_ok,
    login_csrf_token,
    set_login_csrf_cookie,
    start_session,
)
from server.deps import CurrentUser, OptionalUser, Principal, SessionDep, SettingsDep
from server.errors import Unauthorized
from server.farm.nav import home_for
from server.models import Membership, User
from server.templating import render, safe_next

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(who: OptionalUser) -> RedirectResponse:
    if who is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(home_for(who), status_code=303)


def _login_form(request: Request, settings: SettingsDep, next: str | None,
                error: str | None = None, status: int = 200, login: str = "") -> HTMLResponse:
    """The form; after a failed attempt it keeps the login typed (never the password)."""
    csrf = login_csrf_token(request)  # pre-session CSRF token (login CSRF)
    resp = render(request, "login.html", {"next": safe_next(next, ""), "error": error,
                                          "csrf": csrf, "login": login}, status=status)
    set_login_csrf_cookie(resp, request, settings, csrf)
    return resp


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, settings: SettingsDep, next: str | None = None) -> HTMLResponse:
    return _login_form(request, settings, next)


@router.post("/login")
def login_submit(request: Request, session: SessionDep, settings: SettingsDep,
                 login: str = Form(max_length=254), password: str = Form(max_length=128),
                 next: str = Form(default="", max_length=500),
                 csrf: str = Form(default="", max_length=100)) -> Response:
    if not login_csrf_ok(request, csrf):
        return _login_form(request, settings, next, status=403, login=login,
                           error="Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại.")
    try:
        user = authenticate_user(session, login, password, request)
    except TooManyAttempts as exc:
        resp: Response = render(request, "login.html",
                                {"next": safe_next(next, ""), "login": login,
                                 "error": f"Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau "
                                          f"{(exc.retry_after + 59) // 60} phút."}, status=429)
        resp.headers["Retry-After"] = str(exc.retry_after)
        return resp
    except Unauthorized:
        return render(request, "login.html",
                      {"next": safe_next(next, ""), "login": login,
                       "error": "Sai tên đăng nhập hoặc mật khẩu."}, status=401)
    resp = RedirectResponse(safe_next(next, "") or _home(session, user), status_code=303)
    start_session(resp, request, settings, user)
    return resp


def _home(session: Session, user: User) -> str:
    """Where a login with no (or no safe) ``next`` lands: the user's role's home page."""
    rows = session.exec(select(Membership).where(Membership.user_id == user.id)).all()
    return home_for(Principal(user, {m.organisation_id: m.role for m in rows}))


@router.post("/logout")
def logout_submit(who: CurrentUser, session: SessionDep, request: Request) -> Response:
    resp = RedirectResponse("/login", status_code=303)
    end_session(session, request, resp, everywhere=False)
    return resp
