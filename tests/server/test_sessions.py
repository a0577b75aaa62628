"""Issue 15.9 (logout ends the session, logout everywhere) and the login parts of 15.12
(throttle per address and account, Secure cookies behind an HTTPS proxy, login CSRF)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from server.models.org import LoginAttempt, RevokedToken
from server.security import COOKIE_NAME
from server.throttle import AccountThrottle
from tests.server.conftest import PASSWORD, World
from tests.support.login import login_csrf, page_login

ME = "/api/v1/auth/me"


def _client(world: World, ip: str) -> TestClient:
    """Another browser at address ``ip`` (the app is already started by ``world``)."""
    return TestClient(world.client.app, client=(ip, 40000))


def _login(c: TestClient, login: str, password: str = PASSWORD) -> int:
    r = c.post("/api/v1/auth/login", json={"login": login, "password": password})
    c.cookies.clear()
    return r.status_code


# --- 15.9: logout ---------------------------------------------------------------------------

def test_logout_ends_the_session_bearer_and_cookie(world: World) -> None:
    c = world.client
    bearer = world.auth("lychee_farmer")
    assert c.get(ME, headers=bearer).status_code == 200
    assert c.post("/api/v1/auth/logout", headers=bearer).status_code == 204
    assert c.get(ME, headers=bearer).status_code == 401  # the same token, replayed

    r = page_login(c, "lychee_farmer", PASSWORD, follow_redirects=False)
    cookie = r.cookies[COOKIE_NAME]
    assert c.get(ME).status_code == 200
    csrf = c.cookies.get("nongso_csrf")
    assert c.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    c.cookies.clear()
    c.cookies.set(COOKIE_NAME, cookie)  # a copy of the cookie taken before logout
    assert c.get(ME).status_code == 401
    assert c.get("/farm", follow_redirects=False).status_code in (303, 401)


def test_logout_everywhere_ends_every_session(world: World) -> None:
    phone, laptop = world.auth("lychee_admin"), world.auth("lychee_admin")
    other_user = world.auth("lychee_farmer")
    c = world.client
    assert c.get(ME, headers=laptop).status_code == 200
    assert c.post("/api/v1/auth/logout-all", headers=phone).status_code == 204
    assert c.get(ME, headers=phone).status_code == 401
    assert c.get(ME, headers=laptop).status_code == 401  # the other session too
    assert c.get(ME, headers=other_user).status_code == 200  # nobody else's
    assert c.get(ME, headers=world.auth("lychee_admin")).status_code == 200  # log in again


def test_revoked_token_ids_are_pruned_after_expiry(world: World) -> None:
    from datetime import timedelta

    from server.timeutil import utcnow

    with Session(world.engine) as s:
        s.add(RevokedToken(jti="x" * 16, user_id=world.users["admin"],
                           expires_at=utcnow() - timedelta(minutes=1)))
        s.commit()
    world.client.post("/api/v1/auth/logout", headers=world.auth("lychee_farmer"))
    with Session(world.engine) as s:
        assert [t.jti for t in s.exec(select(RevokedToken)).all()] != ["x" * 16]
        assert s.get(RevokedToken, "x" * 16) is None


# --- 15.12: password throttle per (address, account) -----------------------------------------

def test_password_guessing_elsewhere_does_not_lock_out_the_owner(world: World) -> None:
    attacker = _client(world, "203.0.113.7")
    owner = _client(world, "198.51.100.20")
    for _ in range(5):
        assert _login(attacker, "lychee_admin", "guess") == 401
    r = attacker.post("/api/v1/auth/login", json={"login": "lychee_admin", "password": PASSWORD})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0  # the guesser: stopped
    assert _login(owner, "lychee_admin") == 200  # the owner, from their own address: in


def test_account_wide_limit_spares_addresses_the_owner_used(world: World) -> None:
    world.client.app.state.login_throttle = AccountThrottle(per_pair=5, per_account=8)
    home = _client(world, "198.51.100.20")
    assert _login(home, "lychee_admin") == 200  # the owner's address becomes known
    for i in range(8):  # a botnet: a few guesses from each of many addresses
        assert _login(_client(world, f"203.0.113.{i}"), "lychee_admin", "guess") == 401
    newcomer = _client(world, "192.0.2.99")
    assert _login(newcomer, "lychee_admin") == 429  # the slower, account-wide path
    assert _login(home, "lychee_admin") == 200


def test_login_throttle_state_is_shared_through_the_database(world: World) -> None:
    """Two API processes (two throttles) on one database see the same failures."""
    a, b = AccountThrottle(), AccountThrottle()
    with Session(world.engine) as s:
        for _ in range(5):
            a.failed(s, "lychee_admin", "203.0.113.7")
        assert b.retry_after(s, "lychee_admin", "203.0.113.7") > 0
        assert s.exec(select(LoginAttempt)).first() is not None


# --- 15.12: Secure cookies behind HTTPS --------------------------------------------------------

def _session_cookie(r: object) -> str:
    cookies = r.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    return next(c for c in cookies if c.startswith(COOKIE_NAME + "="))


@pytest.mark.parametrize("proxies,peer,proto,secure", [
    ("", "10.0.0.5", "https", False),             # nobody trusted: the header is ignored
    ("10.0.0.0/8", "10.0.0.5", "https", True),    # the trusted proxy says https
    ("10.0.0.0/8", "203.0.113.9", "https", False),  # a client saying it itself
    ("10.0.0.0/8", "10.0.0.5", "http", False),
])
def test_cookies_secure_behind_an_https_proxy(world: World, proxies: str, peer: str,
                                              proto: str, secure: bool) -> None:
    settings = world.client.app.state.settings
    settings.trusted_proxies = proxies
    c = TestClient(world.client.app, client=(peer, 40000))
    r = c.post("/api/v1/auth/login", json={"login": "lychee_farmer", "password": PASSWORD},
               headers={"X-Forwarded-Proto": proto, "X-Forwarded-For": "198.51.100.20"})
    assert r.status_code == 200
    assert ("; secure" in _session_cookie(r).lower()) is secure


def test_cookies_secure_when_the_public_url_is_https(world: World) -> None:
    settings = world.client.app.state.settings
    settings.public_base_url = "https://tem.example.vn"
    r = world.client.post("/api/v1/auth/login",
                          json={"login": "lychee_farmer", "password": PASSWORD})
    assert "; secure" in _session_cookie(r).lower()


def test_throttle_counts_the_client_behind_a_trusted_proxy(world: World) -> None:
    world.client.app.state.settings.trusted_proxies = "10.0.0.0/8"
    proxy = TestClient(world.client.app, client=("10.0.0.5", 40000))
    for _ in range(5):
        r = proxy.post("/api/v1/auth/login", json={"login": "lychee_admin", "password": "x"},
                       headers={"X-Forwarded-For": "203.0.113.7"})
        assert r.status_code == 401
    r = proxy.post("/api/v1/auth/login", json={"login": "lychee_admin", "password": "x"},
                   headers={"X-Forwarded-For": "203.0.113.7"})
    assert r.status_code == 429  # that client is counted, not the proxy
    r = proxy.post("/api/v1/auth/login", json={"login": "lychee_admin", "password": PASSWORD},
                   headers={"X-Forwarded-For": "198.51.100.20"})
    assert r.status_code == 200  # another client behind the same proxy


# --- 15.12: login CSRF -------------------------------------------------------------------------

def test_login_form_needs_the_pre_session_csrf_token(world: World) -> None:
    c = world.client
    r = c.post("/login", data={"login": "lychee_farmer", "password": PASSWORD},
               follow_redirects=False)  # a cross-site form: no token
    assert r.status_code == 403 and COOKIE_NAME not in r.cookies
    assert "đăng nhập lại" in r.text
    token = login_csrf(c)
    page = c.get("/login").text
    assert f'name="csrf" value="{token}"' in page  # the form carries it
    r = c.post("/login", data={"login": "lychee_farmer", "password": PASSWORD, "csrf": "x" * 32},
               follow_redirects=False)
    assert r.status_code == 403 and COOKIE_NAME not in r.cookies
    r = c.post("/login", data={"login": "lychee_farmer", "password": PASSWORD, "csrf": token},
               follow_redirects=False)
    assert r.status_code == 303 and COOKIE_NAME in r.cookies
    # the JSON API login (bearer clients) needs none: no cross-site form can send JSON
    assert _login(_client(world, "192.0.2.1"), "lychee_farmer") == 200
