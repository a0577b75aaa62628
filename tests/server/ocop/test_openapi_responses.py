"""Issue 14.5: every OCOP and traceability API route documents a typed response."""

from __future__ import annotations

from typing import Any

from ocop.criteria import CRITERIA_SETS
from server.routes import iter_routes
from tests.server.conftest import World

PACKAGES = ("server.ocop_workflow", "server.trace")


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def _is_bare(spec: dict[str, Any], schema: dict[str, Any]) -> bool:
    """An empty schema, or an object / array of objects that says nothing of its keys."""
    schema = _resolve(spec, schema)
    if not schema:
        return True
    if schema.get("type") == "array":
        return _is_bare(spec, schema.get("items") or {})
    if "anyOf" in schema:
        return any(_is_bare(spec, s) for s in schema["anyOf"] if s.get("type") != "null")
    if schema.get("type") == "object":
        return not schema.get("properties")
    return False


def package_routes(world: World) -> list[tuple[str, str]]:
    """(method, path) of every ``/api/v1`` route whose endpoint lives in these packages."""
    return [(m, p) for m, p, endpoint in iter_routes(world.client.app)
            if p.startswith("/api/v1/") and endpoint.__module__.startswith(PACKAGES)]


def test_ocop_and_trace_api_responses_are_typed(world: World) -> None:
    spec = world.client.app.openapi()  # type: ignore[attr-defined]
    routes = package_routes(world)
    # 22, plus the dossier and minutes PDFs and the council seats (issue 19)
    assert len([p for _, p in routes if p.startswith("/api/v1/ocop/")]) == 26
    assert len(routes) > 40
    bare = []
    for method, path in routes:
        op = spec["paths"][path][method.lower()]
        assert op.get("tags"), f"{method} {path} has no tag"
        code = min(c for c in op["responses"] if c.startswith("2"))
        if code == "204":
            continue
        content = op["responses"][code].get("content", {})
        schemas = [c.get("schema", {}) for c in content.values()]
        if not schemas or any(_is_bare(spec, s) for s in schemas):
            bare.append(f"{method} {path}")
    assert not bare, f"untyped responses: {bare}"


def test_every_criteria_set_fits_its_response_model(world: World) -> None:
    """``/ocop/criteria`` answers every criteria set as typed (ints, strings, nesting)."""
    headers = world.auth("lychee_admin")
    for key in CRITERIA_SETS:
        r = world.client.get("/api/v1/ocop/criteria", params={"key": key}, headers=headers)
        assert r.status_code == 200, (key, r.text[:300])
        assert r.json()["key"] == key and r.json()["parts"][0]["sections"]
