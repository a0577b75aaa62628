"""Login, logout and the current user."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from sqlmodel import Session, select

from server.deps import CSRF_COOKIE, CurrentUser, SessionDep, SettingsDep
from server.errors import DomainError, Unauthorized
from server.models import MembershipPublic, User, UserPublic
from server.security import COOKIE_NAME, hash_password, issue_token, needs_rehash, verify_password
from server.settings import Settings

__all__ = ["router", "authenticate_user", "set_session_cookies", "TooManyAttempts"]

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

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many failed logins; try again in {retry_after} s.")
        self.retry_after = retry_after


def authenticate_user(session: Session, login: str, password: str,
                      request: Request | None = None) -> User:
    """Return the user for a correct login and password; one message for every failure.

    With ``request``, failures are throttled per login and per client address.
    """
    throttle = getattr(request.app.state, "login_throttle", None) if request else None
    ip = request.client.host if request and request.client else "?"
    if throttle is not None:
        wait = throttle.retry_after(login.strip(), ip)
        if wait:
            raise TooManyAttempts(wait)
    user = session.exec(select(User).where(User.login == login.strip().lower())).first()
    ok = verify_password(password, user.password_hash if user else None)
    if user is None or not ok or not user.is_active:
        if throttle is not None:
            throttle.failed(login.strip(), ip)
        raise Unauthorized("Wrong login or password.")
    if throttle is not None:
        throttle.succeeded(login.strip())
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.add(user)
        session.commit()
    return user


def set_session_cookies(response: Response, settings: Settings, token: str) -> None:
    common = {"max_age": settings.session_ttl_s, "secure": settings.cookie_secure,
              "samesite": "lax", "path": "/"}
    response.set_cookie(COOKIE_NAME, token, httponly=True, **common)  # type: ignore[arg-type]
    # Double-submit CSRF token: readable by our pages' scripts, sent back in a header/field.
    response.set_cookie(CSRF_COOKIE, secrets.token_urlsafe(24), httponly=False, **common)  # type: ignore[arg-type]


@router.post("/login", response_model=TokenResponse)
def login(body: LoginRequest, session: SessionDep, settings: SettingsDep,
          response: Response, request: Request) -> TokenResponse:
    user = authenticate_user(session, body.login, body.password, request)
    assert user.id is not None
    token = issue_token(settings.secret_key, user.id, user.token_version, settings.session_ttl_s)
    set_session_cookies(response, settings, token)
    return TokenResponse(access_token=token, expires_in=settings.session_ttl_s)


@router.post("/logout", status_code=204)
def logout(who: CurrentUser, response: Response) -> Response:
    response.delete_cookie(COOKIE_NAME, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    response.status_code = 204
    return response


@router.get("/me", response_model=Me)
def me(who: CurrentUser, session: SessionDep) -> Me:
    from server.models import Membership

    rows = session.exec(select(Membership).where(Membership.user_id == who.id)).all()
    return Me(user=UserPublic.model_validate(who.user),
              memberships=[MembershipPublic.model_validate(m) for m in rows])
