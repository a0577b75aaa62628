from __future__ import annotations

from tests.server.conftest import World


def test_a_form_sent_with_an_expired_session_goes_to_the_login_form(world: World) -> None:
    # Opening a page without a session goes to the login form and back
    # (tests/server/test_farm_pages.py); a form POST cannot be replayed, so it goes back to
    # the page the form was on, never to another site.
    base = str(world.client.base_url)
    r = world.client.post("/logout", headers={"Accept": "text/html",
                                              "Referer": base + "/farm/diary?zone=3"},
                          follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/farm/diary%3Fzone%3D3"
    r = world.client.post("/logout", headers={"Accept": "text/html",
                                              "Referer": "https://evil.example/farm"},
                          follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/"


def test_error_pages_speak_vietnamese(world: World) -> None:
    r = world.client.get("/no/such/page", headers={"Accept": "text/html", **world.auth("admin")})
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "Không tìm thấy trang này." in r.text and "Not Found" not in r.text


def test_api_gets_json_errors(world: World) -> None:
    r = world.client.get("/api/v1/zones/1", headers={"Accept": "text/html"})
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"


def test_healthz(world: World) -> None:
    assert world.client.get("/healthz").json() == {"status": "ok"}
