from __future__ import annotations

from tests.server.conftest import World


def test_browser_gets_friendly_vietnamese_page(world: World) -> None:
    # A form post without a session (opening a page goes to the login form instead:
    # tests/server/test_farm_pages.py).
    r = world.client.post("/logout", headers={"Accept": "text/html"})
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("text/html")
    assert "Cần đăng nhập" in r.text and 'href="/login' in r.text
    r = world.client.get("/no/such/page", headers={"Accept": "text/html"})
    assert r.status_code in (401, 404)


def test_api_gets_json_errors(world: World) -> None:
    r = world.client.get("/api/v1/zones/1", headers={"Accept": "text/html"})
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"


def test_healthz(world: World) -> None:
    assert world.client.get("/healthz").json() == {"status": "ok"}
