from __future__ import annotations

from sqlmodel import Session, select

from server.models import User
from server.security import COOKIE_NAME, issue_token, read_token
from tests.server.conftest import PASSWORD, World
from tests.support.login import page_login


def test_no_session_is_401(world: World) -> None:
    r = world.client.get("/api/v1/farms")
    assert r.status_code == 401
    assert r.json()["detail"] == "Login required."


def test_wrong_password_and_unknown_login_refused_alike(world: World) -> None:
    bad = world.client.post("/api/v1/auth/login", json={"login": "lychee_admin", "password": "nope"})
    unknown = world.client.post("/api/v1/auth/login", json={"login": "ghost", "password": "nope"})
    assert bad.status_code == unknown.status_code == 401
    assert bad.json()["detail"] == unknown.json()["detail"] == "Wrong login or password."
    assert COOKIE_NAME not in bad.cookies


def test_stored_hashes_are_argon2id(world: World) -> None:
    with Session(world.engine) as s:
        hashes = [u.password_hash for u in s.exec(select(User)).all()]
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    assert not any(PASSWORD in h for h in hashes)


def test_bearer_token_and_me(world: World) -> None:
    r = world.client.get("/api/v1/auth/me", headers=world.auth("lychee_farmer"))
    assert r.status_code == 200
    body = r.json()
    assert body["user"]["login"] == "lychee_farmer"
    assert "password_hash" not in body["user"]
    assert [m["role"] for m in body["memberships"]] == ["farmer"]


def test_tampered_or_expired_token_refused(world: World) -> None:
    tok = world.token("lychee_admin")
    uid, ver, exp, jti, mac = tok.split(".")
    forged = f"{world.users['carrot_admin']}.{ver}.{exp}.{jti}.{mac}"
    assert world.client.get("/api/v1/auth/me",
                            headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    key = world.client.app.state.settings.secret_key  # type: ignore[attr-defined]
    expired = issue_token(key, int(uid), int(ver), -10)
    assert read_token(key, expired) is None
    assert world.client.get("/api/v1/auth/me",
                            headers={"Authorization": f"Bearer {expired}"}).status_code == 401


def test_password_change_revokes_tokens(world: World) -> None:
    from server.users import set_password

    headers = world.auth("lychee_farmer")
    assert world.client.get("/api/v1/auth/me", headers=headers).status_code == 200
    set_password(world.engine, "lychee_farmer", "another long password")
    assert world.client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_page_login_sets_httponly_samesite_cookie(world: World) -> None:
    r = page_login(world.client, "lychee_farmer", PASSWORD, next="/farm", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/farm"
    cookies = r.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith(COOKIE_NAME + "="))
    assert "HttpOnly" in session and "samesite=lax" in session.lower()
    page = world.client.get("/farm")
    assert page.status_code == 200 and "Zone lychee" in page.text
    assert "Zone carrot" not in page.text, "another co-op's zone leaked"


def test_login_page_wrong_password_in_vietnamese(world: World) -> None:
    r = page_login(world.client, "lychee_farmer", "x")
    assert r.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu" in r.text


def test_open_redirect_refused(world: World) -> None:
    r = page_login(world.client, "lychee_farmer", PASSWORD, next="//evil.example/x",
                   follow_redirects=False)
    assert r.headers["location"] == "/farm"


def test_cookie_post_needs_csrf_token(world: World) -> None:
    page_login(world.client, "lychee_admin", PASSWORD)
    body = {"name": "Vườn mới", "organisation_id": world.orgs["lychee"],
            "province_code": "31", "commune_code": "10813"}
    before = world.count(__import__("server.models", fromlist=["Farm"]).Farm)
    r = world.client.post("/api/v1/farms", json=body)
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]
    assert world.count(__import__("server.models", fromlist=["Farm"]).Farm) == before
    csrf = world.client.cookies.get("nongso_csrf")
    assert csrf
    r = world.client.post("/api/v1/farms", json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201, r.text


def test_login_throttled_after_repeated_failures(world: World) -> None:
    for _ in range(5):
        r = world.client.post("/api/v1/auth/login", json={"login": "lychee_admin", "password": "bad"})
        assert r.status_code == 401
    # Now even the right password is refused until the window passes.
    r = world.client.post("/api/v1/auth/login", json={"login": "lychee_admin", "password": PASSWORD})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert "Too many failed logins" in r.json()["detail"]
    # Other accounts are not locked out by it.
    world.token("lychee_farmer")
    r = page_login(world.client, "lychee_admin", PASSWORD)
    assert r.status_code == 429 and "quá nhiều lần" in r.text


def test_throttle_window_expires(world: World) -> None:
    from server.throttle import AccountThrottle

    t = AccountThrottle(per_pair=2, per_ip=100, window_s=0.3)
    with Session(world.engine) as s:
        t.failed(s, "a", "1.2.3.4")
        assert t.retry_after(s, "a", "1.2.3.4") == 0
        t.failed(s, "a", "1.2.3.4")
        assert t.retry_after(s, "A", "1.2.3.4") > 0
        import time

        time.sleep(0.35)
        assert t.retry_after(s, "a", "1.2.3.4") == 0
