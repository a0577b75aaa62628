"""The test world every server test starts from: an app on a fresh database with two
co-operatives (lychee, carrot), their farms and zones, a platform admin and each co-op's admin
and farmer; plus authority organisations (OCOP councils, inspectors) on top of it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

import server.models as m
from server.app import create_app
from server.db import make_engine
from server.security import hash_password
from server.settings import load_settings

PASSWORD = "correct horse battery"


@dataclass
class World:
    engine: Engine
    client: TestClient
    orgs: dict[str, int] = field(default_factory=dict)
    farms: dict[str, int] = field(default_factory=dict)
    zones: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)

    def token(self, login: str) -> str:
        r = self.client.post("/api/v1/auth/login", json={"login": login, "password": PASSWORD})
        assert r.status_code == 200, r.text
        self.client.cookies.clear()
        tok: str = r.json()["access_token"]
        return tok

    def auth(self, login: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(login)}"}

    def count(self, model: type[SQLModel]) -> int:
        from sqlmodel import func, select

        with Session(self.engine) as s:
            return int(s.exec(select(func.count()).select_from(model)).one())


def build_world(engine: Engine) -> dict[str, dict[str, int]]:
    ids: dict[str, dict[str, int]] = {"orgs": {}, "farms": {}, "zones": {}, "users": {}}
    with Session(engine) as s:
        for key, name in (("lychee", "HTX Vải thiều Thanh Hà"), ("carrot", "HTX Cà rốt Đức Chính")):
            org = m.Organisation(name=name, kind=m.OrgKind.htx, province_code="31")
            s.add(org)
            s.flush()
            assert org.id is not None
            ids["orgs"][key] = org.id
            farm = m.Farm(name=f"Farm {key}", organisation_id=org.id, province_code="31",
                          commune_code="10813")
            s.add(farm)
            s.flush()
            assert farm.id is not None
            ids["farms"][key] = farm.id
            zone = m.Zone(farm_id=farm.id, name=f"Zone {key}", crop=key, area_m2=1000)
            s.add(zone)
            s.flush()
            assert zone.id is not None
            ids["zones"][key] = zone.id
        h = hash_password(PASSWORD)
        for login, org, role in (("admin", None, m.Role.admin),
                                 ("lychee_admin", "lychee", m.Role.coop_admin),
                                 ("lychee_farmer", "lychee", m.Role.farmer),
                                 ("carrot_admin", "carrot", m.Role.coop_admin),
                                 ("carrot_farmer", "carrot", m.Role.farmer)):
            u = m.User(login=login, full_name=login, password_hash=h,
                       is_superuser=role == m.Role.admin)
            s.add(u)
            s.flush()
            assert u.id is not None
            ids["users"][login] = u.id
            if org:
                s.add(m.Membership(user_id=u.id, organisation_id=ids["orgs"][org], role=role))
        s.commit()
    return ids


def make_world(url: str, tmp_path: Path) -> Iterator[World]:
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    ids = build_world(engine)
    settings = load_settings(var_dir=tmp_path / "var", database_url=url)
    app = create_app(settings, engine)
    with TestClient(app) as client:
        yield World(engine, client, **ids)
    engine.dispose()


def add_authority(engine: Engine, name: str, province_code: str,
                  members: dict[str, list[tuple[int, m.Role]]] | None = None,
                  password_hash: str | None = None) -> tuple[int, dict[str, int]]:
    """An authority organisation (an OCOP council, an inspectorate) and its users.

    ``members`` maps a new login to extra (organisation id, role) memberships; each user is
    also an evaluator of the new organisation. Returns the organisation id and user ids."""
    h = password_hash or hash_password(PASSWORD)
    users: dict[str, int] = {}
    with Session(engine) as s:
        org = m.Organisation(name=name, kind=m.OrgKind.authority, province_code=province_code)
        s.add(org)
        s.flush()
        assert org.id is not None
        for login, extra in (members or {}).items():
            u = m.User(login=login, full_name=f"Chuyên gia {login}", password_hash=h)
            s.add(u)
            s.flush()
            assert u.id is not None
            users[login] = u.id
            s.add(m.Membership(user_id=u.id, organisation_id=org.id, role=m.Role.evaluator))
            for org_id, role in extra:
                s.add(m.Membership(user_id=u.id, organisation_id=org_id, role=role))
        s.commit()
        return org.id, users
