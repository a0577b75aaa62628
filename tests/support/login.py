"""Logging in through the page form, as a browser does: GET /login first for the
pre-session CSRF token (login CSRF protection), then POST it back with the form."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.testclient import TestClient

CSRF_COOKIE = "nongso_csrf"


def login_csrf(client: TestClient | httpx.Client) -> str:
    """The CSRF token the login form carries (sets the browser's CSRF cookie)."""
    client.get("/login")
    token = client.cookies.get(CSRF_COOKIE)
    assert token, "GET /login set no CSRF cookie"
    return token


def page_login(client: TestClient | httpx.Client, login: str, password: str,
               **kw: Any) -> httpx.Response:
    """POST the login form with its CSRF token; ``kw``: more form fields or request options."""
    fields = {k: kw.pop(k) for k in list(kw) if k in ("next",)}
    data = {"login": login, "password": password, "csrf": login_csrf(client), **fields}
    return client.post("/login", data=data, **kw)
