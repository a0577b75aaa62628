"""Request dependencies: database session, the logged-in principal, access checks.

Routes use the ``Annotated`` aliases :data:`SessionDep`, :data:`CurrentUser` and
:data:`SettingsDep`. :func:`authenticate` runs for every route of the app: it reads the
bearer token or the session cookie, and refuses anonymous access to any route not listed
in :mod:`server.public`.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from server.errors import Forbidden, NotFound, Unauthorized
from server.models import Farm, Membership, Role, User, Zone
from server.public import is_public_path
from server.security import COOKIE_NAME, read_token
from server.settings import Settings

__all__ = ["SessionDep", "CurrentUser", "OptionalUser", "SettingsDep", "Principal",
           "authenticate", "get_session", "CSRF_COOKIE", "CSRF_HEADER", "load_farm",
           "load_zone"]

CSRF_COOKIE = "nongso_csrf"
CSRF_HEADER = "x-csrf-token"
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


# These three are ``async`` on purpose although they do no I/O: FastAPI runs plain ``def``
# dependencies in a worker thread, and that hop costs more than the work. Creating a
# Session opens no connection; the route's own (sync) code does the I/O in its thread.
async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


async def get_session(request: Request) -> AsyncIterator[Session]:
    session = Session(request.app.state.engine, expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]


@dataclass
class Principal:
    """The logged-in user with their role in each organisation."""

    user: User
    roles: dict[int, Role] = field(default_factory=dict)

    @property
    def id(self) -> int:
        assert self.user.id is not None
        return self.user.id

    @property
    def is_admin(self) -> bool:
        return self.user.is_superuser

    def org_ids(self) -> list[int]:
        return sorted(self.roles)

    def role_in(self, org_id: int) -> Role | None:
        return self.roles.get(org_id)

    def require(self, org_id: int, *roles: Role) -> None:
        """Allow platform admins, or members of ``org_id`` holding one of ``roles``."""
        if self.is_admin:
            return
        role = self.roles.get(org_id)
        if role is None:
            raise Forbidden("You are not a member of this organisation.")
        if roles and role not in roles:
            wanted = ", ".join(r.value for r in roles)
            raise Forbidden(f"This needs the role {wanted}; you are {role.value}.")

    def require_admin(self) -> None:
        if not self.is_admin:
            raise Forbidden("Only a platform administrator can do this.")


def _token_from(request: Request) -> tuple[str | None, bool]:
    """Return (token, came_from_cookie)."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip(), False
    cookie = request.cookies.get(COOKIE_NAME)
    return (cookie, True) if cookie else (None, False)


async def _check_csrf(request: Request) -> None:
    expected = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get("csrf", "")
        sent = value if isinstance(value, str) else ""
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise Forbidden("Missing or wrong CSRF token; reload the page and try again.")


def _load_principal(session: Session, settings: Settings, token: str) -> Principal | None:
    claims = read_token(settings.secret_key, token)
    if claims is None:
        return None
    user = session.get(User, claims.user_id)
    if user is None or not user.is_active or user.token_version != claims.version:
        return None
    rows = session.exec(select(Membership).where(Membership.user_id == user.id)).all()
    return Principal(user, {m.organisation_id: m.role for m in rows})


async def authenticate(request: Request, session: SessionDep, settings: SettingsDep) -> None:
    """App-wide: attach the principal to ``request.state``; refuse anonymous non-public access."""
    token, from_cookie = _token_from(request)
    principal = _load_principal(session, settings, token) if token else None
    request.state.principal = principal
    if is_public_path(request.method, request.url.path):
        return
    if principal is None:
        raise Unauthorized("Login required." if not token else "Session expired or invalid; log in again.")
    if from_cookie and request.method in _UNSAFE:
        await _check_csrf(request)


def current_principal(request: Request) -> Principal:
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        raise Unauthorized("Login required.")
    return principal


def optional_principal(request: Request) -> Principal | None:
    return getattr(request.state, "principal", None)


CurrentUser = Annotated[Principal, Depends(current_principal)]
OptionalUser = Annotated[Principal | None, Depends(optional_principal)]


def load_farm(session: Session, who: Principal, farm_id: int, *roles: Role) -> Farm:
    """The farm, if it exists and ``who`` may act on it (404 otherwise, 403 for others' farms)."""
    farm = session.get(Farm, farm_id)
    if farm is None:
        raise NotFound(f"Farm {farm_id} does not exist.")
    who.require(farm.organisation_id, *roles)
    return farm


def load_zone(session: Session, who: Principal, zone_id: int, *roles: Role) -> tuple[Zone, Farm]:
    zone = session.get(Zone, zone_id)
    if zone is None:
        raise NotFound(f"Zone {zone_id} does not exist.")
    farm = load_farm(session, who, zone.farm_id, *roles)
    return zone, farm
