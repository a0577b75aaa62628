"""The one list of endpoints that need no login. Everything else requires a session.

A route that is not listed here is refused with 401 to anonymous callers by the app-wide
dependency in :mod:`server.deps`; ``tests/server/test_routes_auth.py`` walks the route
table and checks that this holds for every route.
"""

from __future__ import annotations

import re

__all__ = ["PUBLIC_ROUTES", "is_public", "is_public_path", "public_templates"]

#: (method, path template) pairs. Later issues add the stamp resolver and the OCOP catalogue.
PUBLIC_ROUTES: frozenset[tuple[str, str]] = frozenset({
    ("GET", "/healthz"),
    ("GET", "/"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/api/v1/auth/login"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/openapi.json"),
    ("GET", "/redoc"),
    # OCOP catalogue (issue 9): certified products only.
    ("GET", "/ocop"),
    ("GET", "/catalogue/{product_id}"),
    ("GET", "/api/v1/ocop/catalogue"),
    # GS1 resolver and consumer scan page (issue 8): anyone with a phone camera.
    ("GET", "/01/{rest:path}"),
    ("POST", "/01/{rest:path}"),  # scratch-off PIN check (no session, no cookies)
    ("OPTIONS", "/01/{rest:path}"),
    ("GET", "/.well-known/gs1resolver"),
    # Issue 16: logistic units (SSCC), items' information pages, preflight everywhere.
    ("GET", "/00/{rest:path}"),
    ("OPTIONS", "/00/{rest:path}"),
    ("GET", "/info/{rest:path}"),
    ("OPTIONS", "/info/{rest:path}"),
    ("OPTIONS", "/.well-known/gs1resolver"),
    ("GET", "/traceability/{gtin}/{lot}/{serial}"),
    ("GET", "/certification/{gtin}/{lot}/{serial}"),
    ("GET", "/media/products/{product_id}/{name}"),  # product photos on consumer pages
    # Prometheus (issue 10): no session, but its own check -- the metrics token or an admin.
    ("GET", "/metrics"),
})


def _plain(template: str) -> str:
    """``/01/{rest:path}`` → ``/01/{rest}`` (route tables show templates without converters)."""
    return re.sub(r"\{([^}:]+):[^}]+\}", r"{\1}", template)


_PLAIN = frozenset((m, _plain(t)) for m, t in PUBLIC_ROUTES)


def is_public(method: str, path_template: str) -> bool:
    """Whether a route, by its path template (with or without converters), is public."""
    m = "GET" if method == "HEAD" else method
    return (m, _plain(path_template)) in _PLAIN


def _compile(template: str) -> re.Pattern[str]:
    out, pos = [], 0
    for match in re.finditer(r"\{[^}]+\}", template):
        out.append(re.escape(template[pos:match.start()]))
        out.append(".+" if match.group().endswith(":path}") else "[^/]+")
        pos = match.end()
    out.append(re.escape(template[pos:]))
    return re.compile("^" + "".join(out) + "$")


_PATTERNS = [(m, _compile(t)) for m, t in PUBLIC_ROUTES]


def is_public_path(method: str, path: str) -> bool:
    """Whether a concrete request path matches a public route template."""
    m = "GET" if method == "HEAD" else method
    return any(pm == m and pat.fullmatch(path) for pm, pat in _PATTERNS)


def public_templates() -> frozenset[tuple[str, str]]:
    """The public routes as (method, template without converters)."""
    return _PLAIN
