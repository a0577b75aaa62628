"""Security headers on every response; the GS1 resolver keeps its CORS headers."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from server.app import create_app
from server.settings import load_settings
from tests.server.conftest import World
from tests.server.stamps.conftest import issue, make_lot

TEMPLATES = Path(__file__).resolve().parents[2] / "server" / "templates"


def _check(r: object) -> None:
    h = r.headers  # type: ignore[attr-defined]
    csp = h["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, csp
    assert "script-src 'self';" in csp and "unsafe-eval" not in csp
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "strict-origin-when-cross-origin"
    assert h["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in h  # plain HTTP: no HSTS


def test_headers_on_pages_api_errors_and_static(world: World) -> None:
    c = world.client
    farmer = world.auth("lychee_farmer")
    for method, path, headers, status in [
        ("GET", "/", {}, 200), ("GET", "/login", {}, 200), ("GET", "/healthz", {}, 200),
        ("GET", "/farm", farmer, 200), ("GET", "/farm", {}, 401),
        ("GET", "/api/v1/auth/me", farmer, 200), ("GET", "/api/v1/auth/me", {}, 401),
        ("GET", "/api/v1/farms/999999", farmer, 404), ("GET", "/no/such/page", {}, 404),
        ("GET", "/static/app.css", {}, 200), ("POST", "/api/v1/auth/login", {}, 422),
        ("GET", "/ocop", {}, 200), ("GET", "/01/bad", {}, 400),
    ]:
        r = c.request(method, path, headers=headers)
        assert r.status_code == status, (method, path, r.status_code, r.text[:200])
        _check(r)


def test_resolver_keeps_cors_and_gets_the_headers(world: World) -> None:
    sw = make_lot(world)
    batch = issue(sw, count=1)["batch"]
    csv = world.client.get(f"/api/v1/stamp-batches/{batch['id']}/stamps.csv",
                           headers=world.auth("lychee_admin")).text
    world.client.cookies.clear()
    uri = csv.splitlines()[1].replace("http://localhost:8000", "")
    for r in (world.client.get(uri, headers={"Accept": "text/html"}),
              world.client.get(uri, headers={"Accept": "application/linkset+json"}),
              world.client.options(uri)):
        assert r.status_code in (200, 204), r.status_code
        assert r.headers["access-control-allow-origin"] == "*"
        _check(r)


def test_hsts_only_over_https_or_when_configured(world: World) -> None:
    app = world.client.app
    with TestClient(app, base_url="https://testserver") as https:
        r = https.get("/login")
        assert r.headers["strict-transport-security"].startswith("max-age=31536000")
    assert "strict-transport-security" not in world.client.get("/login").headers
    settings = load_settings(var_dir=Path(world.client.app.state.settings.var_dir),
                             database_url=str(world.engine.url), cookie_secure=True)
    with TestClient(create_app(settings, world.engine)) as secure:
        assert "strict-transport-security" in secure.get("/login").headers


def test_docs_get_their_own_policy(world: World) -> None:
    r = world.client.get("/docs")
    assert "https://cdn.jsdelivr.net" in r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


def test_templates_have_no_inline_scripts_or_handlers() -> None:
    import re

    for f in TEMPLATES.glob("*.html"):
        text = f.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), f"inline <script> in {f.name}"
        assert not re.search(r"\son[a-z]+\s*=", text), f"inline event handler in {f.name}"
        assert "javascript:" not in text, f.name
