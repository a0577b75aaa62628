"""Login, logout and the current user.

The page handlers (login form, logout button) call the functions here too:
:func:`authenticate_user`, :func:`start_session`, :func:`end_session`,
:func:`login_csrf_token`, :func:`set_login_csrf_cookie` and :func:`login_csrf_ok`.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import delete
from sqlmodel import Session, col, select

from server.deps import (
    CSRF_COOKIE,
    CurrentUser,
    SessionDep,
    SettingsDep,
    client_address,
    is_https,
    token_claims,
)
from server.errors import DomainError, Unauthorized
from server.models import MembershipPublic, User, UserPublic
from server.models.org import RevokedToken
from server.security import COOKIE_NAME, hash_password, issue_token, needs_rehash, verify_password
from server.settings import Settings
from server.timeutil import utcnow

__all__ = ["router", "authenticate_user", "set_session_cookies", "TooManyAttempts",
           "start_session", "end_session", "login_csrf_token", "set_login_csrf_cookie",
           "login_csrf_ok"]

router = APIRouter(prefix="/auth", tags=["auth"])


class LoginRequest(BaseModel):
    login: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=128)


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class Me(BaseModel):
    user: UserPublic
    memberships: list[MembershipPublic]


class TooManyAttempts(DomainError):
    status_code = 429
    code = "rate_limited"
    title_vi = "Quá nhiều lần thử"

    retry_after: int

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many failed logins; try again in {retry_after} s.", retry_after)


def authenticate_user(session: Session, login: str, password: str,
                      request: Request | None = None) -> User:
    """Return the user for a correct login and password; one message for every failure.

    With ``request``, failures are throttled per (address, account), per account and per
    address (:mod:`server.throttle`).
    """
    throttle = getattr(request.app.state, "login_throttle", None) if request else None
    ip = client_address(request, request.app.state.settings) if request else "?"
    if throttle is not None:
        wait = throttle.retry_after(session, login, ip)
        if wait:
            raise TooManyAttempts(wait)
    user = session.exec(select(User).where(User.login == login.strip().lower())).first()
    ok = verify_password(password, user.password_hash if user else None)
    if user is None or not ok or not user.is_active:
        if throttle is not None:
            throttle.failed(session, login, ip)
        raise Unauthorized("Wrong login or password.")
    if throttle is not None:
        throttle.succeeded(session, login, ip)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.add(user)
        session.commit()
    return user


def set_session_cookies(response: Response, settings: Settings, token: str,
                        request: Request | None = None) -> None:
    """The HTTP-only session cookie and a fresh CSRF cookie; ``Secure`` behind HTTPS."""
    secure = settings.cookie_secure or (request is not None and is_https(request, settings))
    common = {"max_age": settings.session_ttl_s, "secure": secure, "samesite": "lax", "path": "/"}
    response.set_cookie(COOKIE_NAME, token, httponly=True, **common)  # type: ignore[arg-type]
    # Double-submit CSRF token: readable by our pages' scripts, sent back in a header/field.
    response.set_cookie(CSRF_COOKIE, secrets.token_urlsafe(24), httponly=False, **common)  # type: ignore[arg-type]


def start_session(response: Response, request: Request, settings: Settings, user: User) -> str:
    """Issue a token for ``user`` and set the session cookies on ``response``."""
    assert user.id is not None
    token = issue_token(settings.secret_key, user.id, user.token_version, settings.session_ttl_s)
    set_session_cookies(response, settings, token, request)
    return token


def login_csrf_token(request: Request) -> str:
    """The pre-session CSRF token of the login form (double submit): the browser's CSRF
    cookie, or a new one. Stops a foreign site from logging a victim's browser into the
    attacker's account (login CSRF)."""
    token = request.cookies.get(CSRF_COOKIE, "")
    return token if len(token) >= 16 else secrets.token_urlsafe(24)


def set_login_csrf_cookie(response: Response, request: Request, settings: Settings,
                          token: str) -> None:
    if token != request.cookies.get(CSRF_COOKIE):
        response.set_cookie(CSRF_COOKIE, token, max_age=3600, httponly=False, samesite="lax",
                            path="/", secure=is_https(request, settings))


def login_csrf_ok(request: Request, sent: str) -> bool:
    """Whether the login form carries the token of the browser's CSRF cookie."""
    expected = request.cookies.get(CSRF_COOKIE, "")
    return bool(expected and sent and hmac.compare_digest(expected, sent))


def end_session(session: Session, request: Request, response: Response, everywhere: bool) -> None:
    """Revoke this request's token (or, ``everywhere``, every token of its user) and clear
    the cookies. A revoked token id is kept until the token would have expired anyway."""
    claims = token_claims(request)
    if claims is not None:
        now = utcnow()
        session.exec(delete(RevokedToken).where(
            col(RevokedToken.expires_at) < now))
        if everywhere:
            user = session.get(User, claims.user_id)
            assert user is not None
            user.token_version += 1
            session.add(user)
        elif session.get(RevokedToken, claims.jti) is None:
            session.add(RevokedToken(jti=claims.jti, user_id=claims.user_id,
                                     expires_at=datetime.fromtimestamp(claims.expires, UTC)))
        session.commit()
    response.delete_cookie(COOKIE_NAME, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")


@router.post("/login", response_model=TokenResponse)
def login(body: LoginRequest, session: SessionDep, settings: SettingsDep,
          response: Response, request: Request) -> TokenResponse:
    """Bearer-token login for API clients (a JSON body, which no cross-site form can send)."""
    user = authenticate_user(session, body.login, body.password, request)
    token = start_session(response, request, settings, user)
    return TokenResponse(access_token=token, expires_in=settings.session_ttl_s)


@router.post("/logout", status_code=204)
def logout(who: CurrentUser, session: SessionDep, request: Request, response: Response) -> Response:
    """End this session: its token (bearer or cookie) is refused from now on."""
    end_session(session, request, response, everywhere=False)
    response.status_code = 204
    return response


@router.post("/logout-all", status_code=204)
def logout_all(who: CurrentUser, session: SessionDep, request: Request,
               response: Response) -> Response:
    """Đăng xuất mọi nơi: every token of this user, on every device, is refused from now on."""
    end_session(session, request, response, everywhere=True)
    response.status_code = 204
    return response


@router.get("/me", response_model=Me)
def me(who: CurrentUser, session: SessionDep) -> Me:
    from server.models import Membership

    rows = session.exec(select(Membership).where(Membership.user_id == who.id)).all()
    return Me(user=UserPublic.model_validate(who.user),
              memberships=[MembershipPublic.model_validate(m) for m in rows])
