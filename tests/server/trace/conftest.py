"""Helpers for the traceability tests: products, lots and an inspector on the ``world``."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session

import server.models as m
from qr.gs1 import check_digit
from server.security import hash_password
from tests.server.conftest import PASSWORD, World


def gtin(body: str = "893460200107") -> str:
    """A GS1 Vietnam GTIN-13 with its computed check digit (test numbers, not registered)."""
    return body + str(check_digit(body))


def add_inspector(world: World, login: str = "inspector") -> str:
    with Session(world.engine) as s:
        org = m.Organisation(name="Hội đồng OCOP", kind=m.OrgKind.authority, province_code="31")
        s.add(org)
        s.flush()
        user = m.User(login=login, full_name="Thanh tra", password_hash=hash_password(PASSWORD))
        s.add(user)
        s.flush()
        assert org.id and user.id
        s.add(m.Membership(user_id=user.id, organisation_id=org.id, role=m.Role.evaluator))
        s.commit()
    return login


class Trace:
    """Thin API client for the tests."""

    def __init__(self, world: World) -> None:
        self.w = world
        self._h: dict[str, dict[str, str]] = {}

    def headers(self, who: str) -> dict[str, str]:
        if who not in self._h:  # log in once per user (argon2 is deliberately slow)
            self._h[who] = self.w.auth(who)
        return self._h[who]

    def post(self, path: str, body: Any, who: str = "lychee_admin", status: int = 201) -> Any:
        r = self.w.client.post("/api/v1" + path, json=body, headers=self.headers(who))
        assert r.status_code == status, r.text
        return r.json()

    def get(self, path: str, who: str = "lychee_admin", status: int = 200) -> Any:
        r = self.w.client.get("/api/v1" + path, headers=self.headers(who))
        assert r.status_code == status, r.text
        return r.json()

    def product(self, org: str = "lychee", body: str = "893460200107",
                name: str = "Vải thiều Thanh Hà") -> dict[str, Any]:
        return self.post("/products", {"organisation_id": self.w.orgs[org], "name": name,
                                       "gtin": gtin(body), "crop": org},
                         who=f"{org}_admin")  # type: ignore[no-any-return]

    def lot(self, product: dict[str, Any], code: str, qty: float = 1000,
            zone: str | None = "lychee", org: str = "lychee") -> dict[str, Any]:
        body: dict[str, Any] = {"code": code, "product_id": product["id"], "quantity": qty}
        if zone:
            body["zone_id"] = self.w.zones[zone]
        return self.post("/lots", body, who=f"{org}_admin")  # type: ignore[no-any-return]

    def event(self, lot_id: int, kind: str, who: str = "lychee_admin", status: int = 201,
              **kw: Any) -> Any:
        return self.post(f"/lots/{lot_id}/events", {"kind": kind, **kw}, who=who,
                         status=status)


@pytest.fixture
def trace(world: World) -> Trace:
    return Trace(world)


@pytest.fixture
def pg_trace(pg_world: World) -> Trace:
    return Trace(pg_world)
