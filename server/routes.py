"""The app's route table, flattened: ``(method, full path template, endpoint)``.

FastAPI ≥ 0.16x keeps included routers lazily (``_IncludedRouter``) instead of copying
their routes onto the app, so ``app.routes`` alone no longer lists every endpoint. This
module hides that difference; ``tests/server/test_routes_auth.py`` fails loudly if a
FastAPI upgrade changes it again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from starlette.routing import Mount

__all__ = ["iter_routes"]


def _walk(routes: Iterable[Any]) -> Iterator[tuple[str, str, Callable[..., Any]]]:
    for r in routes:
        if isinstance(r, Mount):
            continue
        if hasattr(r, "effective_candidates"):
            yield from _walk(r.effective_candidates())
            continue
        path = getattr(r, "path_format", None) or getattr(r, "path", None)
        endpoint = getattr(r, "endpoint", None)
        methods = getattr(r, "methods", None)
        if path is None or endpoint is None or not methods:
            continue
        for m in sorted(methods):
            yield m, path, endpoint


def iter_routes(app: Any) -> Iterator[tuple[str, str, Callable[..., Any]]]:
    """Every HTTP route of ``app`` as (method, path template, endpoint)."""
    yield from _walk(app.routes)
