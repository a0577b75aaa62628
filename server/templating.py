"""The templating layer every feature's pages use: one Jinja2 environment over
``server/templates/`` and :func:`render`, which gives each page the CSRF token its forms
post back.

Core: imports nothing of ours, so any package (and :mod:`server.errors`, for the consumer's
error page) may use it without an import cycle.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

__all__ = ["templates", "render", "safe_next", "stars_text", "CSRF_COOKIE", "HOME"]

#: The double-submit CSRF cookie whose value the pages' forms echo in their ``csrf`` field.
#: The same name as :data:`server.deps.CSRF_COOKIE` (a test holds them equal); written here
#: too so that this module needs nothing of ours.
CSRF_COOKIE = "nongso_csrf"
#: Where a page sends a visitor when it has nowhere better (after login, say).
HOME = "/farm"

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
# Templates ship with the code: no stat() of every template file on every render.
templates.env.auto_reload = False


def stars_text(n: int | float | None) -> str:
    """OCOP stars as text: 3 → "★★★☆☆"."""
    k = max(0, min(5, int(n or 0)))
    return "★" * k + "☆" * (5 - k)


templates.env.globals["stars_text"] = stars_text


def render(request: Request, name: str, ctx: dict[str, Any], status: int = 200) -> HTMLResponse:
    """Render template ``name`` with ``ctx`` plus ``csrf`` (the browser's CSRF cookie, unless
    ``ctx`` brings its own, as the login form does)."""
    ctx.setdefault("csrf", request.cookies.get(CSRF_COOKIE, ""))
    return templates.TemplateResponse(request, name, ctx, status_code=status)


def safe_next(target: str | None, default: str = HOME) -> str:
    """Only same-site relative paths; never an open redirect."""
    if not target:
        return default
    parts = urlsplit(target)
    if (parts.scheme or parts.netloc or not target.startswith("/")
            or target.startswith(("//", "/\\"))):  # "/\\x" is "//x" to browsers
        return default
    return target
