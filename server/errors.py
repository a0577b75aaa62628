"""Domain errors of the server and their one mapping to HTTP.

Routes and services raise these; :func:`install_error_handlers` turns them into a JSON
body ``{"detail": ..., "code": ...}`` for the API and a friendly Vietnamese page for
browsers.
"""

from __future__ import annotations

import html
import logging
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

__all__ = [
    "DomainError", "NotFound", "Forbidden", "Unauthorized", "Conflict", "Invalid", "GtinNotOwned",
    "install_error_handlers", "wants_html", "StampError", "MalformedStampUri",
    "NotAStampUri", "StampNotGenuine", "StampNotIssued", "NoSuchLink", "ScanRateLimited",
]

log = logging.getLogger(__name__)


class DomainError(Exception):
    status_code = 400
    code = "bad_request"
    title_vi = "Yêu cầu không hợp lệ"

    def __init__(self, detail: str, retry_after: int | None = None) -> None:
        """``retry_after`` (seconds), when given, is sent as the ``Retry-After`` header."""
        super().__init__(detail)
        self.detail = detail
        self.retry_after = retry_after


class Invalid(DomainError):
    status_code = 422
    code = "invalid"


class Unauthorized(DomainError):
    status_code = 401
    code = "unauthorized"
    title_vi = "Cần đăng nhập"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"
    title_vi = "Không có quyền truy cập"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"
    title_vi = "Không tìm thấy"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"
    title_vi = "Xung đột dữ liệu"


class GtinNotOwned(Conflict):
    """A GTIN under another organisation's GS1 company prefix, or already used by another
    organisation (:func:`server.models.gs1.gtin_refusal`)."""

    code = "gtin_not_owned"
    title_vi = "Mã GTIN không thuộc tổ chức này"


class StampError(DomainError):
    """A consumer scan or resolver lookup that found no genuine stamp (or link). Answered
    with the resolver's CORS headers; a browser gets the consumer's error page
    (``stamp_error.html``: a counterfeit warning for ``not_genuine``/``not_issued``)."""

    status_code = 404
    code = "not_found"
    title_vi = "Không tìm thấy"
    headers: dict[str, str] = {
        "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
        "Access-Control-Allow-Headers": "Accept, Accept-Language, Content-Type",
        "Access-Control-Expose-Headers": "Link, Location", "Vary": "Accept, Accept-Language"}


class MalformedStampUri(StampError):
    status_code = 400
    code = "malformed"
    title_vi = "Mã không hợp lệ"


class NotAStampUri(StampError):
    """A well-formed GS1 Digital Link without lot and serial: no stamp of ours."""


class StampNotGenuine(StampError):
    code = "not_genuine"
    title_vi = "Tem không chính hãng"


class StampNotIssued(StampNotGenuine):
    code = "not_issued"


class NoSuchLink(StampError):
    code = "no_link"
    title_vi = "Không có liên kết"


class ScanRateLimited(StampError):
    status_code = 429
    code = "rate_limited"
    title_vi = "Quá nhiều lượt kiểm tra"


def _stamp_page(request: Request, exc: StampError) -> Response:
    from server.templating import templates  # the consumer's page look; imported on first use

    lang = "en" if request.query_params.get("lang") == "en" else "vi"
    return templates.TemplateResponse(
        request, "stamp_error.html", {"title": exc.title_vi, "detail": exc.detail,
                                      "kind": exc.code, "lang": lang},
        status_code=exc.status_code)


_TITLES = {400: "Yêu cầu không hợp lệ", 401: "Cần đăng nhập", 403: "Không có quyền truy cập",
           404: "Không tìm thấy", 405: "Phương thức không được hỗ trợ", 409: "Xung đột dữ liệu",
           413: "Dữ liệu quá lớn", 422: "Dữ liệu không hợp lệ", 429: "Quá nhiều yêu cầu",
           500: "Lỗi máy chủ"}


def wants_html(request: Request) -> bool:
    """A browser navigation (not an API client) gets HTML error pages."""
    if request.url.path.startswith("/api/"):
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept


# Details the pages show in Vietnamese (the API keeps its English detail and stable code).
_DETAIL_VI = {
    "Login required.": "Cần đăng nhập.",
    "Session expired or invalid; log in again.": "Phiên đăng nhập đã hết hạn; hãy đăng nhập lại.",
    "Not Found": "Không tìm thấy trang này.",
    "Method Not Allowed": "Không hỗ trợ thao tác này.",
    "Forbidden": "Bạn không có quyền xem trang này.",
}


def _page(status: int, detail: str, request: Request) -> HTMLResponse:
    title = _TITLES.get(status, "Lỗi")
    detail = _DETAIL_VI.get(detail, detail)
    login = ('<p><a href="/login?next=' + html.escape(request.url.path) + '">Đăng nhập</a></p>'
             if status == 401 else "")
    body = (
        "<!doctype html><html lang=vi><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{html.escape(title)} — nongso</title>"
        "<link rel=stylesheet href=/static/app.css></head><body class=error-page>"
        f"<main><h1>{html.escape(title)}</h1><p>{html.escape(detail)}</p>{login}"
        '<p><a href="/">Về trang chủ</a></p></main></body></html>'
    )
    return HTMLResponse(body, status_code=status)


def _to_login(request: Request) -> RedirectResponse:
    """A browser opening a page without a (valid) session: the login form, then back here.
    A form sent with an expired session goes back to the page the form was on (its
    Referer, when that is this site), since the POST itself cannot be replayed."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method not in ("GET", "HEAD"):
        ref = urlsplit(request.headers.get("referer", ""))
        same_site = ref.netloc in ("", request.url.netloc) and ref.path.startswith("/")
        here = (ref.path + (f"?{ref.query}" if ref.query else "")) if same_site and ref.path else "/"
    return RedirectResponse("/login?next=" + quote(here, safe="/"), status_code=303)


def _respond(request: Request, status: int, detail: str, code: str,
             extra: dict[str, Any] | None = None,
             headers: dict[str, str] | None = None) -> Response:
    if status == 401 and wants_html(request):
        return _to_login(request)
    if wants_html(request):
        resp: Response = _page(status, detail, request)
    else:
        payload: dict[str, Any] = {"detail": detail, "code": code}
        if extra:
            payload.update(extra)
        resp = JSONResponse(payload, status_code=status)
    if headers:
        resp.headers.update(headers)
    return resp


def _loc(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "request"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
        if isinstance(exc, StampError):
            resp = (_stamp_page(request, exc) if wants_html(request)
                    else JSONResponse({"detail": exc.detail, "code": exc.code},
                                      status_code=exc.status_code))
            resp.headers.update({**exc.headers, **(headers or {})})
            return resp
        return _respond(request, exc.status_code, exc.detail, exc.code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = [{"field": _loc(e.get("loc", ())), "message": e.get("msg", "invalid")}
                  for e in exc.errors()]
        detail = "Invalid input: " + "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return _respond(request, 422, detail, "invalid", {"errors": errors})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        code = {401: "unauthorized", 403: "forbidden", 404: "not_found",
                405: "method_not_allowed", 413: "too_large", 429: "rate_limited"}.get(
            exc.status_code, "error")
        return _respond(request, exc.status_code, detail, code,
                        headers=dict(exc.headers) if exc.headers else None)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _respond(request, 500, "Internal error; it has been logged.", "internal")
