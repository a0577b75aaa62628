"""Request dependencies: database session, the logged-in principal, access checks.

Routes use the ``Annotated`` aliases :data:`SessionDep`, :data:`CurrentUser` and
:data:`SettingsDep`. :func:`authenticate` runs for every route of the app: it reads the
bearer token or the session cookie, and refuses anonymous access to any route not listed
in :mod:`server.public`. One owner check, :func:`load_owned`, loads an object by id for a
principal: another organisation's object answers 404 exactly like a missing one (nobody
learns which ids exist elsewhere); 403 is kept for a member with the wrong role and for an
organisation named explicitly in a request that the caller does not belong to.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from server.errors import Forbidden, Invalid, NotFound, Unauthorized
from server.models import Farm, Membership, Role, User, Zone
from server.models.org import RevokedToken
from server.public import is_public_path
from server.security import TokenClaims, read_token, token_from
from server.settings import Settings
from server.templating import CSRF_COOKIE

__all__ = ["SessionDep", "CurrentUser", "OptionalUser", "SettingsDep", "Principal",
           "authenticate", "get_session", "CSRF_COOKIE", "CSRF_HEADER", "load_owned",
           "load_farm", "load_zone", "client_address", "is_https", "token_claims"]

T = TypeVar("T", bound=SQLModel)

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

    def require_owned(self, org_id: int, *roles: Role, missing: str) -> None:
        """Like :meth:`require` for an object found by id: outsiders get 404 ``missing``."""
        if not self.is_admin and org_id not in self.roles:
            raise NotFound(missing)
        self.require(org_id, *roles)

    def require_admin(self) -> None:
        if not self.is_admin:
            raise Forbidden("Only a platform administrator can do this.")


async def _check_csrf(request: Request) -> None:
    expected = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get("csrf", "")
        sent = value if isinstance(value, str) else ""
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise Forbidden("Missing or wrong CSRF token; reload the page and try again.")


def _load_principal(session: Session, settings: Settings,
                    claims: TokenClaims | None) -> Principal | None:
    if claims is None:
        return None
    user = session.get(User, claims.user_id)
    if user is None or not user.is_active or user.token_version != claims.version:
        return None
    if session.get(RevokedToken, claims.jti) is not None:  # logged out
        return None
    rows = session.exec(select(Membership).where(Membership.user_id == user.id)).all()
    return Principal(user, {m.organisation_id: m.role for m in rows})


_JSON_ESCAPED_NUL = re.compile(rb"\\[uU]0000")


def _json_has_nul(body: bytes) -> bool:
    """A raw NUL, or an escaped one (``\\u0000`` after an even number of backslashes). Runs
    on the event loop: a literal search then a look back, ~0.3 ms per MB (a look-behind
    regex took ~30 ms per MB)."""
    if b"\x00" in body:
        return True
    for m in _JSON_ESCAPED_NUL.finditer(body):
        start = m.start()
        while start > 0 and body[start - 1] == 0x5C:  # backslashes before the escape
            start -= 1
        if (m.start() - start) % 2 == 0:
            return True
    return False


_NUL_MSG = "Text may not contain the NUL character (U+0000)."


async def _refuse_nul(request: Request) -> None:
    """422 for a NUL character in the path, the query or a JSON/form body (PostgreSQL text
    cannot hold one; everywhere else it is an attack on whoever reads the value next)."""
    if "\x00" in request.scope.get("path", "") or any("\x00" in k or "\x00" in v
                                        for k, v in request.query_params.multi_items()):
        raise Invalid(_NUL_MSG)
    ctype = request.headers.get("content-type", "")
    if "json" in ctype:
        body = await request.body()  # FastAPI has read (and cached) it already
        if _json_has_nul(body):
            raise Invalid(_NUL_MSG)
    elif "form" in ctype and request.method in _UNSAFE:
        form = await request.form()  # cached too; files are not text and may hold NULs
        if any(isinstance(v, str) and "\x00" in v for v in form.values()):
            raise Invalid(_NUL_MSG)


async def authenticate(request: Request, session: SessionDep, settings: SettingsDep) -> None:
    """App-wide: attach the principal to ``request.state``; refuse anonymous non-public access."""
    token, from_cookie = token_from(request)
    claims = read_token(settings.secret_key, token) if token else None
    principal = _load_principal(session, settings, claims)
    request.state.principal = principal
    request.state.token_claims = claims if principal is not None else None
    if not is_public_path(request.method, request.url.path):
        if principal is None:
            raise Unauthorized("Login required." if not token
                               else "Session expired or invalid; log in again.")
        if from_cookie and request.method in _UNSAFE:
            await _check_csrf(request)
    await _refuse_nul(request)


def token_claims(request: Request) -> TokenClaims | None:
    """The claims of the token this request was authenticated with (None: anonymous)."""
    claims: TokenClaims | None = getattr(request.state, "token_claims", None)
    return claims


def _trusted(settings: Settings, host: str | None) -> bool:
    if not host or not settings.trusted_proxies:
        return False
    try:
        addr = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(addr in net for net in settings.trusted_networks)


def client_address(request: Request, settings: Settings) -> str:
    """The caller's address: the peer, or behind a trusted proxy the last untrusted hop of
    ``X-Forwarded-For`` (earlier entries are whatever the client chose to send)."""
    peer = request.client.host if request.client else "?"
    if not _trusted(settings, peer):
        return peer
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(settings, hop):
            return hop
    return hops[0] if hops else peer


def is_https(request: Request, settings: Settings) -> bool:
    """Whether the browser talks HTTPS to us: configured so, or said by a trusted proxy."""
    if settings.cookie_secure or settings.public_base_url.startswith("https://"):
        return True
    if request.url.scheme == "https":
        return True
    proto = request.headers.get("x-forwarded-proto", "").split(",")[-1].strip().lower()
    return proto == "https" and _trusted(settings, request.client.host if request.client else None)


def current_principal(request: Request) -> Principal:
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        raise Unauthorized("Login required.")
    return principal


def optional_principal(request: Request) -> Principal | None:
    return getattr(request.state, "principal", None)


CurrentUser = Annotated[Principal, Depends(current_principal)]
OptionalUser = Annotated[Principal | None, Depends(optional_principal)]


def _own_org(_session: Session, obj: Any) -> int:
    org_id: int = obj.organisation_id
    return org_id


def load_owned(session: Session, who: Principal, model: type[T], obj_id: int | str,
               *roles: Role, org_of: Callable[[Session, T], int] = _own_org,
               may_see: Callable[[int], bool] | None = None, missing: str | None = None) -> T:
    """The one owner check: ``model`` row ``obj_id`` if ``who`` may act on it with ``roles``.

    A missing row and a row of an organisation ``who`` may not see both raise the same
    :class:`NotFound` (``missing``, default "<Model> <id> does not exist."); a member with
    another role gets 403. ``org_of`` finds the owning organisation (default: the row's
    ``organisation_id``); ``may_see`` widens who may see it beyond the members (OCOP
    evaluators of the province), with role checks then left to the caller.
    """
    msg = missing or f"{model.__name__} {obj_id} does not exist."
    obj = session.get(model, obj_id)
    if obj is None:
        raise NotFound(msg)
    org_id = org_of(session, obj)
    if may_see is not None:
        if not (who.is_admin or org_id in who.roles or may_see(org_id)):
            raise NotFound(msg)
        return obj
    who.require_owned(org_id, *roles, missing=msg)
    return obj


def _farm_org(session: Session, farm: Farm) -> int:
    return farm.organisation_id


def _zone_org(session: Session, zone: Zone) -> int:
    farm = session.get(Farm, zone.farm_id)
    assert farm is not None
    return farm.organisation_id


def load_farm(session: Session, who: Principal, farm_id: int, *roles: Role) -> Farm:
    """The farm, if it exists and ``who`` may act on it (404 otherwise, 403 for a wrong role)."""
    return load_owned(session, who, Farm, farm_id, *roles, org_of=_farm_org,
                      missing=f"Farm {farm_id} does not exist.")


def load_zone(session: Session, who: Principal, zone_id: int, *roles: Role) -> tuple[Zone, Farm]:
    zone = load_owned(session, who, Zone, zone_id, *roles, org_of=_zone_org,
                      missing=f"Zone {zone_id} does not exist.")
    farm = session.get(Farm, zone.farm_id)
    assert farm is not None
    return zone, farm
