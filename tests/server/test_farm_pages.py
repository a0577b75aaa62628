"""The farmer's and the co-op's pages as a feature package (issue 14.2), one templating
module for every feature's pages, and pages that need a session sending the visitor to the
login form and back (issue 21.1)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

import server.models as m
from server import deps, templating
from server.templating import safe_next
from tests.server.conftest import PASSWORD, World
from tests.support.login import page_login

SERVER = Path(__file__).resolve().parents[2] / "server"
BROWSER = {"Accept": "text/html,application/xhtml+xml"}


@contextmanager
def _statements(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement the engine sends while the block runs."""
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _add_zones(world: World, org: str, n: int) -> None:
    """``n`` more zones on the co-op's farm, each with a sensor, and another farm."""
    with Session(world.engine) as s:
        farm = m.Farm(name=f"Farm {org} 2", organisation_id=world.orgs[org], province_code="31",
                      commune_code="10741")
        s.add(farm)
        s.flush()
        assert farm.id is not None
        for i in range(n):
            zone = m.Zone(farm_id=world.farms[org] if i % 2 else farm.id, name=f"Zone {org} {i}",
                          crop=org, area_m2=500)
            s.add(zone)
            s.flush()
            assert zone.id is not None
            s.add(m.Device(uid=f"{org}-extra-{i}", zone_id=zone.id, role=m.DeviceRole.sensor))
        s.commit()


def _count(world: World, path: str, headers: dict[str, str]) -> tuple[int, str]:
    world.client.get(path, headers=headers)  # warm: one-time work is not per zone
    with _statements(world.engine) as seen:
        r = world.client.get(path, headers=headers)
    assert r.status_code == 200, r.text[:300]
    return len(seen), r.text


# --- 14.2: the co-op page reads a fixed number of queries, not one per zone -----------------

def test_coop_page_queries_do_not_grow_with_zones(world: World) -> None:
    admin = world.auth("lychee_admin")
    one, page = _count(world, "/coop", admin)
    assert page.count("<tr><td>Zone lychee") == 1
    _add_zones(world, "lychee", 19)
    twenty, page = _count(world, "/coop", admin)
    assert page.count("<tr><td>Zone lychee") == 20  # the 20 zones are on the page …
    assert "Khu tưới (20)" in page and "Vùng trồng (2)" in page
    assert twenty == one, f"1 zone: {one} statements, 20 zones: {twenty}"  # … for the same cost


def test_coop_page_queries_do_not_grow_with_organisations(world: World) -> None:
    admin = world.auth("admin")  # the platform admin sees every organisation
    two, page = _count(world, "/coop", admin)
    assert page.count('class="card org"') == 2
    with Session(world.engine) as s:
        for i in range(5):
            s.add(m.Organisation(name=f"HTX {i}", kind=m.OrgKind.htx, province_code="31"))
        s.commit()
    _add_zones(world, "carrot", 7)
    seven, page = _count(world, "/coop", admin)
    assert page.count('class="card org"') == 7
    assert seven == two, f"2 organisations: {two} statements, 7: {seven}"


def test_farm_page_reads_zones_and_devices_once(world: World) -> None:
    """The farmer page's own part (zones, farms, devices, device states) is one query each;
    what a zone's irrigation status costs is the irrigation package's."""
    from server.farm.views import with_status, zone_rows

    _add_zones(world, "lychee", 9)
    with Session(world.engine) as s, _statements(world.engine) as seen:
        rows = zone_rows(s, [world.orgs["lychee"]])
    assert len(rows) == 10 and sum(len(r["devices"]) for r in rows) == 9
    assert len(seen) == 2, seen
    with Session(world.engine) as s:
        rows = with_status(s, zone_rows(s, [world.orgs["lychee"]]))
    assert all("irr" in r and "latest" in r for r in rows)
    farmer = world.auth("lychee_farmer")
    r = world.client.get("/farm", headers=farmer)
    assert r.status_code == 200 and r.text.count('class="card zone"') == 10


# --- 14.2: one templating module --------------------------------------------------------------

def test_one_templating_module_for_every_feature_page() -> None:
    """Only server/templating.py builds the Jinja2 environment or defines the render
    helper; no feature page keeps a copy of it, and nothing imports the old server.pages."""
    assert not (SERVER / "pages.py").exists()
    copies = []
    for path in sorted(SERVER.rglob("*.py")):
        if path == SERVER / "templating.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name == "_render":
                copies.append(f"{path.relative_to(SERVER)}: def {node.name}")
            elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Jinja2Templates":
                copies.append(f"{path.relative_to(SERVER)}: Jinja2Templates()")
            elif isinstance(node, ast.ImportFrom) and node.module == "server.pages":
                copies.append(f"{path.relative_to(SERVER)}: imports server.pages")
    assert not copies, copies


def test_templating_csrf_cookie_is_the_one_auth_checks() -> None:
    assert templating.CSRF_COOKIE == deps.CSRF_COOKIE


@pytest.mark.parametrize(("target", "expected"), [
    ("/farm", "/farm"), ("/coop?x=1", "/coop?x=1"), (None, "/farm"), ("", "/farm"),
    ("https://evil.example/", "/farm"), ("//evil.example/", "/farm"),
    ("/\\evil.example/", "/farm"), ("farm", "/farm"), ("javascript:alert(1)", "/farm"),
])
def test_safe_next_never_leaves_the_site(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_every_feature_page_still_renders_with_its_csrf_token(world: World) -> None:
    r = page_login(world.client, "lychee_admin", PASSWORD)
    assert r.status_code == 200 and r.url.path == "/coop/dashboard"  # the co-op admin's home
    csrf = world.client.cookies.get("nongso_csrf")
    assert csrf
    for path in ("/farm", "/coop", "/trace", "/ocop/manage",
                 f"/zones/{world.zones['lychee']}/irrigation"):
        page = world.client.get(path)
        assert page.status_code == 200, (path, page.status_code)
        assert f'name="csrf" value="{csrf}"' in page.text, path
    assert world.client.get("/ocop").status_code == 200  # public, with the stars helper


# --- 21.1: a page that needs a session sends the visitor to log in and back ----------------

def test_page_without_session_redirects_to_login_and_back(world: World) -> None:
    c = world.client
    r = c.get("/farm", headers=BROWSER, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/farm"
    form = c.get(r.headers["location"], headers=BROWSER)
    assert form.status_code == 200 and 'name="next" value="/farm"' in form.text
    done = page_login(c, "lychee_farmer", PASSWORD, next="/farm", follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/farm"
    assert c.get("/farm", headers=BROWSER).text.count('class="card zone"') == 1


def test_redirect_keeps_the_query_and_works_for_expired_sessions(world: World) -> None:
    c = world.client
    zone = world.zones["lychee"]
    c.cookies.set("nongso_session", "not-a-valid-token")  # expired or forged: same answer
    r = c.get(f"/zones/{zone}/irrigation?tab=log", headers=BROWSER, follow_redirects=False)
    assert r.status_code == 303
    target = urlsplit(r.headers["location"])
    assert target.path == "/login"
    c.cookies.clear()
    form = c.get(r.headers["location"], headers=BROWSER)
    assert f'name="next" value="/zones/{zone}/irrigation?tab=log"' in form.text
    done = page_login(c, "lychee_farmer", PASSWORD, next=f"/zones/{zone}/irrigation?tab=log",
                      follow_redirects=False)
    assert done.headers["location"] == f"/zones/{zone}/irrigation?tab=log"


def test_api_clients_get_401_and_form_posts_go_to_the_login_form(world: World) -> None:
    c = world.client
    assert c.get("/farm", follow_redirects=False).status_code == 401  # not a browser
    api = c.get("/api/v1/auth/me", headers=BROWSER, follow_redirects=False)
    assert api.status_code == 401 and api.json()["code"] == "unauthorized"
    post = c.post(f"/zones/{world.zones['lychee']}/water", data={"minutes": 5},
                  headers=BROWSER, follow_redirects=False)
    # a form sent with an expired session goes to the login form, then back to the page the
    # form was on (its Referer, or the home page): tests/server/test_errors.py
    assert post.status_code == 303 and post.headers["location"] == "/login?next=/"
