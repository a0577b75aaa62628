"""The records ``nongso setup`` creates — first admin, organisation, farm, zone — each kept
when it exists already (the setup is safe to run again). Input is validated by the same
Create models and the same official-list check of province and commune codes the API uses;
a bad value is a ``ValueError`` with a clear message."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from server.admin_units import AdminUnitError, check_location
from server.models import (
    Farm,
    FarmCreate,
    Organisation,
    OrganisationCreate,
    OrgKind,
    User,
    UserCreate,
    Zone,
    ZoneCreate,
)
from server.users import create_user

__all__ = ["check_inputs", "ensure_admin", "ensure_org", "ensure_farm", "ensure_zone"]


def _valid(model: type, **data: object) -> object:
    try:
        return model.model_validate(data)  # type: ignore[attr-defined]
    except ValidationError as exc:
        raise ValueError("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                                   for e in exc.errors())) from None


def _kind(kind: str) -> OrgKind:
    try:
        return OrgKind(kind)
    except ValueError:
        raise ValueError(f"organisation kind {kind!r}: one of "
                         + ", ".join(k.value for k in OrgKind)) from None


def _place(province: str, commune: str | None = None) -> None:
    try:
        check_location(province, commune)
    except AdminUnitError as exc:
        raise ValueError(str(exc)) from None


def check_inputs(admin: tuple[str, str, str], org: tuple[str, str, str],
                 farms: list[tuple[str, str]], zones: list[tuple[str, str, str, float]]) -> None:
    """Validate everything before anything is written (bad input: nothing changes)."""
    _valid(UserCreate, login=admin[0].strip().lower(), full_name=admin[1], password=admin[2])
    _valid(OrganisationCreate, name=org[0], kind=_kind(org[1]), province_code=org[2])
    _place(org[2])
    for name, commune in farms:
        _valid(FarmCreate, name=name, organisation_id=0, province_code=org[2],
               commune_code=commune)
        _place(org[2], commune)
    names = {f[0] for f in farms}
    for farm, zone, crop, area in zones:
        if farm not in names:
            raise ValueError(f"zone {zone!r}: farm {farm!r} is not one of the --farm")
        _valid(ZoneCreate, name=zone, crop=crop, area_m2=area, farm_id=0)


def ensure_admin(engine: Engine, login: str, full_name: str, password: str) -> str:
    with Session(engine) as s:
        found = s.exec(select(User).where(User.login == login.strip().lower())).first()
    if found is not None:
        if not found.is_superuser:
            raise ValueError(f"login {login!r} exists and is not a platform administrator")
        return f"platform administrator {found.login}: exists, kept"
    user_id = create_user(engine, login, full_name, password, None, "admin")
    return f"platform administrator {login.strip().lower()}: created (id {user_id})"


def _ensure(engine: Engine, table: type[SQLModel], data: Any, what: str,
            *same: Any) -> tuple[int, str]:
    """The row of ``table`` matching ``same`` (kept), else a new one from ``data``."""
    with Session(engine) as s:
        found = s.exec(select(table).where(*same)).first()
        if found is not None:
            return found.id, f"{what} {found.name}: exists (id {found.id}), kept"  # type: ignore[attr-defined]
        row = table.model_validate(data)
        s.add(row)
        s.commit()
        return row.id, f"{what} {row.name}: created (id {row.id})"  # type: ignore[attr-defined]


def ensure_org(engine: Engine, name: str, kind: str, province: str) -> tuple[int, str]:
    data = _valid(OrganisationCreate, name=name, kind=_kind(kind), province_code=province)
    _place(province)
    return _ensure(engine, Organisation, data, "organisation",
                   Organisation.name == data.name)  # type: ignore[attr-defined]


def ensure_farm(engine: Engine, org_id: int, name: str, province: str,
                commune: str) -> tuple[int, str]:
    data = _valid(FarmCreate, name=name, organisation_id=org_id, province_code=province,
                  commune_code=commune)
    _place(province, commune)
    return _ensure(engine, Farm, data, "farm", Farm.organisation_id == org_id,
                   Farm.name == data.name)  # type: ignore[attr-defined]


def ensure_zone(engine: Engine, farm_id: int, name: str, crop: str,
                area_m2: float) -> tuple[int, str]:
    data = _valid(ZoneCreate, name=name, crop=crop, area_m2=area_m2, farm_id=farm_id)
    return _ensure(engine, Zone, data, "zone", Zone.farm_id == farm_id,
                   Zone.name == data.name)  # type: ignore[attr-defined]
