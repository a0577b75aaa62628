"""OCOP fixtures: the server world plus OCOP councils and helpers to drive a dossier."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

import server.models as m
from ocop.criteria import get_criteria_set
from ocop.scoring import score_assessment
from server.deps import Principal
from server.models.ocop import OcopCouncilMember
from server.security import issue_token
from tests.server.conftest import World, make_world

KEY = "qd148-2023/fresh-produce"
PRECHECK_OK = {"origin": True, "raw_material": True, "labour": True, "idea": True,
               "cultural_identity": True}
# Valid demo GTIN-13s agreed with the traceability seed (body + GS1 check digit).
LYCHEE_GTIN = "8930000000019"
CARROT_GTIN = "8930000000026"


def answers_for(stars: int) -> dict[str, str]:
    """Option codes giving a self-consistent sheet of exactly ``stars`` (3, 4 or 5)."""
    crit = get_criteria_set(KEY)
    best = {c.code: max(c.options, key=lambda o: o.points).code for c in crit.criteria}
    if stars == 5:
        return best
    out = dict(best)
    # Lower criteria that carry no requirement up to ``stars`` until the total drops below
    # the band's top; requirements for ``stars`` stay met.
    top = {4: 90.0, 3: 70.0}[stars]
    for c in sorted(crit.criteria, key=lambda c: -c.max_points):
        need = c.required_points(stars) or 0.0
        for o in sorted(c.options, key=lambda o: o.points):
            if o.points >= need:
                out[c.code] = o.code
                break
        if score_assessment(KEY, out).total < top:
            break
    assert score_assessment(KEY, out).stars == stars, score_assessment(KEY, out)
    return out


#: (login, council, level, role, commune) — the councils' seats.
SEATS = (("ev1", "hp", "province", "chair", None), ("ev2", "hp", "province", "secretary", None),
         ("both", "hp", "province", "member", None), ("ev_hn", "hn", "province", "chair", None),
         ("ev1", "hp", "district", "chair", None), ("ev2", "hp", "district", "member", None),
         ("xa_lychee", "hp", "commune", "commune_official", "10741"),
         ("xa_carrot", "hp", "commune", "commune_official", "10573"))


@dataclass
class OcopWorld:
    w: World
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def client(self) -> Any:
        return self.w.client

    def h(self, login: str) -> dict[str, str]:
        if login not in self.tokens:
            settings = self.w.client.app.state.settings  # type: ignore[attr-defined]
            self.tokens[login] = issue_token(settings.secret_key, self.w.users[login], 0, 3600)
        return {"Authorization": f"Bearer {self.tokens[login]}"}

    def principal(self, session: Session, login: str) -> Principal:
        user = session.get(m.User, self.w.users[login])
        assert user is not None
        rows = session.exec(select(m.Membership).where(m.Membership.user_id == user.id)).all()
        return Principal(user, {r.organisation_id: r.role for r in rows})

    def count(self, model: Any) -> int:
        return self.w.count(model)

    # -- API drivers ------------------------------------------------------------------
    def product(self, org: str = "lychee", gtin: str | None = LYCHEE_GTIN,
                name: str = "Vải thiều Thanh Hà", **extra: Any) -> int:
        r = self.client.post("/api/v1/ocop/products", headers=self.h(f"{org}_admin"), json={
            "organisation_id": self.w.orgs[org], "name": name, "subgroup": "fresh-produce",
            "gtin": gtin, **extra})
        assert r.status_code == 201, r.text
        return int(r.json()["id"])

    def dossier(self, product_id: int, org: str = "lychee", stars: int = 4) -> int:
        r = self.client.post(f"/api/v1/ocop/products/{product_id}/dossiers",
                             headers=self.h(f"{org}_admin"))
        assert r.status_code == 201, r.text
        did = int(r.json()["id"])
        r = self.client.put(f"/api/v1/ocop/dossiers/{did}/self-assessment",
                            headers=self.h(f"{org}_admin"), json={"answers": answers_for(stars)})
        assert r.status_code == 200, r.text
        return did

    def post(self, path: str, login: str, json: Any = None) -> Any:
        return self.client.post(path, headers=self.h(login), json=json)

    def to_council(self, did: int, org: str = "lychee") -> None:
        assert self.post(f"/api/v1/ocop/dossiers/{did}/submit", f"{org}_admin").status_code == 200
        r = self.post(f"/api/v1/ocop/dossiers/{did}/precheck", f"xa_{org}", PRECHECK_OK)
        assert r.status_code == 200 and r.json()["status"] == "council", r.text

    def seat(self, login: str, council: str, level: str, role: str) -> None:
        """Give ``login`` (created if new) a seat on ``council`` at ``level``."""
        with Session(self.w.engine) as s:
            if login not in self.w.users:
                pw = s.get(m.User, self.w.users["ev1"])
                assert pw is not None
                u = m.User(login=login, full_name=f"Thành viên {login}",
                           password_hash=pw.password_hash)
                s.add(u)
                s.flush()
                assert u.id is not None
                self.w.users[login] = u.id
            s.add(OcopCouncilMember(organisation_id=self.w.orgs[council],
                                    user_id=self.w.users[login], level=level, role=role))
            s.commit()

    def score(self, did: int, login: str, stars: int) -> Any:
        return self.client.put(f"/api/v1/ocop/dossiers/{did}/scores", headers=self.h(login),
                               json={"answers": answers_for(stars)})

    def certified(self, org: str = "lychee", stars: int = 4, gtin: str | None = LYCHEE_GTIN,
                  name: str = "Vải thiều Thanh Hà",
                  **extra: Any) -> tuple[int, int, dict[str, Any]]:
        pid = self.product(org, gtin, name, **extra)
        did = self.dossier(pid, org, stars)
        self.to_council(did, org)
        # every eligible member scores (``both`` belongs to the lychee co-op: not for it)
        for ev in ("ev1", "ev2") if org == "lychee" else ("ev1", "ev2", "both"):
            assert self.score(did, ev, stars).status_code == 200
        r = self.post(f"/api/v1/ocop/dossiers/{did}/close", "ev1")
        assert r.status_code == 200 and r.json()["status"] == "approved", r.text
        r = self.post(f"/api/v1/ocop/dossiers/{did}/certify", "ev1", {})
        assert r.status_code == 201, r.text
        return pid, did, r.json()


def add_councils(w: World) -> None:
    """Hải Phòng council (31): ev1 chair, ev2 secretary (province and district seats);
    Hà Nội council (01): ev_hn chair; ``both``: a Hải Phòng council member AND a member of
    the lychee co-op; commune officials xa_lychee (10741) and xa_carrot (10573); a second
    admin."""
    with Session(w.engine) as s:
        pw = s.get(m.User, w.users["lychee_admin"])
        assert pw is not None
        councils = {}
        for key, name, prov in (("hp", "Hội đồng OCOP thành phố Hải Phòng", "31"),
                                ("hn", "Hội đồng OCOP thành phố Hà Nội", "01")):
            org = m.Organisation(name=name, kind=m.OrgKind.authority, province_code=prov)
            s.add(org)
            s.flush()
            assert org.id is not None
            councils[key] = org.id
            w.orgs[key] = org.id
        for login, memberships, superuser in (
                ("ev1", [("hp", m.Role.evaluator)], False),
                ("ev2", [("hp", m.Role.evaluator)], False),
                ("ev_hn", [("hn", m.Role.evaluator)], False),
                ("both", [("hp", m.Role.evaluator), ("lychee", m.Role.coop_admin)], False),
                ("xa_lychee", [], False), ("xa_carrot", [], False),
                ("admin2", [], True)):
            u = m.User(login=login, full_name=f"Chuyên gia {login}",
                       password_hash=pw.password_hash, is_superuser=superuser)
            s.add(u)
            s.flush()
            assert u.id is not None
            w.users[login] = u.id
            for org_key, role in memberships:
                s.add(m.Membership(user_id=u.id, organisation_id=w.orgs[org_key], role=role))
        for login, org_key, level, role, commune in SEATS:
            s.add(OcopCouncilMember(organisation_id=w.orgs[org_key], user_id=w.users[login],
                                    level=level, role=role, commune_code=commune))
        for key in ("lychee", "carrot"):
            coop = s.get(m.Organisation, w.orgs[key])
            assert coop is not None
            coop.commune_code = "10741" if key == "lychee" else "10573"
            s.add(coop)
        s.commit()


@pytest.fixture
def ow(sqlite_url: str, tmp_path: Path) -> Iterator[OcopWorld]:
    for w in make_world(sqlite_url, tmp_path):
        add_councils(w)
        yield OcopWorld(w)


@pytest.fixture
def pg_ow(pg_url: str, tmp_path: Path) -> Iterator[OcopWorld]:
    for w in make_world(pg_url, tmp_path):
        add_councils(w)
        yield OcopWorld(w)


TODAY = date.today()
