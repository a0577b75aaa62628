"""The records ``nongso setup`` creates — first admin, organisation, farm, zone — each kept
when it exists already (the setup is safe to run again). Input is validated by the same
Create models the API uses; a bad value is a ``ValueError`` with a clear message."""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

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


def check_inputs(admin: tuple[str, str, str], org: tuple[str, str, str],
                 farms: list[tuple[str, str]], zones: list[tuple[str, str, str, float]]) -> None:
    """Validate everything before anything is written (bad input: nothing changes)."""
    _valid(UserCreate, login=admin[0].strip().lower(), full_name=admin[1], password=admin[2])
    try:
        kind = OrgKind(org[1])
    except ValueError:
        raise ValueError(f"organisation kind {org[1]!r}: one of "
                         + ", ".join(k.value for k in OrgKind)) from None
    _valid(OrganisationCreate, name=org[0], kind=kind, province_code=org[2])
    for name, commune in farms:
        _valid(FarmCreate, name=name, organisation_id=0, province_code=org[2],
               commune_code=commune)
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


def ensure_org(engine: Engine, name: str, kind: str, province: str) -> tuple[int, str]:
    try:
        org_kind = OrgKind(kind)
    except ValueError:
        raise ValueError(f"organisation kind {kind!r}: one of "
                         + ", ".join(k.value for k in OrgKind)) from None
    data = _valid(OrganisationCreate, name=name, kind=org_kind, province_code=province)
    with Session(engine) as s:
        found = s.exec(select(Organisation).where(
            Organisation.name == data.name)).first()  # type: ignore[attr-defined]
        if found is not None and found.id is not None:
            return found.id, f"organisation {found.name}: exists (id {found.id}), kept"
        org = Organisation.model_validate(data)
        s.add(org)
        s.commit()
        assert org.id is not None
        return org.id, f"organisation {org.name}: created (id {org.id})"


def ensure_farm(engine: Engine, org_id: int, name: str, province: str,
                commune: str) -> tuple[int, str]:
    data = _valid(FarmCreate, name=name, organisation_id=org_id, province_code=province,
                  commune_code=commune)
    with Session(engine) as s:
        found = s.exec(select(Farm).where(Farm.organisation_id == org_id,
                                          Farm.name == data.name)).first()  # type: ignore[attr-defined]
        if found is not None and found.id is not None:
            return found.id, f"farm {found.name}: exists (id {found.id}), kept"
        farm = Farm.model_validate(data)
        s.add(farm)
        s.commit()
        assert farm.id is not None
        return farm.id, f"farm {farm.name}: created (id {farm.id})"


def ensure_zone(engine: Engine, farm_id: int, name: str, crop: str,
                area_m2: float) -> tuple[int, str]:
    data = _valid(ZoneCreate, name=name, crop=crop, area_m2=area_m2, farm_id=farm_id)
    with Session(engine) as s:
        found = s.exec(select(Zone).where(Zone.farm_id == farm_id,
                                          Zone.name == data.name)).first()  # type: ignore[attr-defined]
        if found is not None and found.id is not None:
            return found.id, f"zone {found.name}: exists (id {found.id}), kept"
        zone = Zone.model_validate(data)
        s.add(zone)
        s.commit()
        assert zone.id is not None
        return zone.id, f"zone {zone.name}: created (id {zone.id})"
