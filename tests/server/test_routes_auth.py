"""Generated from the route table: every route not declared public refuses anonymous callers."""

from __future__ import annotations

import re

from server.public import is_public, public_templates
from server.routes import iter_routes
from tests.server.conftest import World


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_non_public_route_requires_login(world: World) -> None:
    checked = 0
    for method, path, _ in iter_routes(world.client.app):
        if is_public(method, path) or method == "HEAD":
            continue
        r = world.client.request(method, _concrete(path), json={})
        assert r.status_code == 401, f"{method} {path} answered {r.status_code}"
        checked += 1
    assert checked >= 15


def test_route_table_is_complete(world: World) -> None:
    """The flattener sees nested routers (guards against FastAPI internals changing)."""
    routes = {(m, p) for m, p, _ in iter_routes(world.client.app)}
    for expected in [("POST", "/api/v1/auth/login"), ("GET", "/api/v1/zones/{zone_id}"),
                     ("DELETE", "/api/v1/farms/{farm_id}"), ("GET", "/farm"), ("GET", "/healthz")]:
        assert expected in routes


def test_public_routes_exist() -> None:
    """A stale entry in the public list would hide a typo: each must match a real route."""
    import tempfile

    from server.app import create_app
    from server.settings import load_settings
    with tempfile.TemporaryDirectory() as d:
        app = create_app(load_settings(var_dir=d))
        routes = {(m, p) for m, p, _ in iter_routes(app)}
    missing = {p for p in public_templates() if p not in routes}
    assert not missing, missing
