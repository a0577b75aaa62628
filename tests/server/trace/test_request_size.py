"""Issue 15.5: request bodies are limited per route (413), counted as they stream in, and an
anonymous client cannot make the server read a large body before the login check.

The socket tests talk HTTP/1.1 to a real uvicorn: they send a little of a huge body and
expect the 413 while most of it is still unsent (before the limit the server sat waiting
for the rest)."""

from __future__ import annotations

import io
import os
import select
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from PIL import Image

from server.settings import Settings
from tests.server.conftest import World
from tests.server.trace.conftest import Trace
from tests.support.browser import live_server

MiB = 1024 * 1024


@pytest.fixture
def base(world: World) -> Iterator[str]:
    with live_server(world.client.app) as url:
        yield url


def _exchange(base: str, head: str, chunks: Iterator[bytes], wait_s: float = 8.0
              ) -> tuple[int, bytes, int]:
    """Send ``head`` then body chunks until the server answers; -> (status, response, sent)."""
    u = urlsplit(base)
    s = socket.create_connection((u.hostname or "127.0.0.1", u.port or 80), timeout=2)
    sent = 0
    try:
        s.sendall(head.encode("latin-1"))
        for chunk in chunks:
            if select.select([s], [], [], 0)[0]:
                break  # the server has answered
            try:
                s.sendall(chunk)
            except (TimeoutError, BrokenPipeError, ConnectionResetError):
                break  # the server stopped reading
            sent += len(chunk)
        resp = b""
        deadline = time.monotonic() + wait_s
        while b"\r\n\r\n" not in resp and time.monotonic() < deadline:
            try:
                data = s.recv(65536)
            except TimeoutError:
                continue
            except ConnectionResetError:
                break
            if not data:
                break
            resp += data
        try:  # the rest of a short body
            s.settimeout(0.5)
            resp += s.recv(65536)
        except (TimeoutError, ConnectionResetError):
            pass
    finally:
        s.close()
    status = int(resp.split(b" ", 2)[1]) if resp.startswith(b"HTTP/1.1 ") else 0
    return status, resp, sent


def _pieces(total: int, size: int = 256 * 1024) -> Iterator[bytes]:
    block = b"x" * size
    for _ in range(total // size):
        yield block


def _head(method: str, path: str, headers: dict[str, str]) -> str:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return "\r\n".join(lines) + "\r\n\r\n"


def test_request_size_40mb_json_is_refused_without_reading_it(trace: Trace, base: str) -> None:
    auth = trace.headers("lychee_admin")["Authorization"]
    head = _head("POST", "/api/v1/products", {"Authorization": auth,
                                              "Content-Type": "application/json",
                                              "Content-Length": str(40 * MiB)})
    t0 = time.monotonic()
    status, resp, sent = _exchange(base, head, _pieces(4 * MiB))
    assert status == 413, resp[:300]
    assert b'"code":"too_large"' in resp and b"at most 1 MiB" in resp
    assert sent < 4 * MiB  # answered before even 4 of the 40 MB were sent
    assert time.monotonic() - t0 < 3


def test_request_size_chunked_upload_over_the_limit_is_refused(trace: Trace, base: str,
                                                               world: World) -> None:
    pid = trace.product()["id"]
    limit = world.client.app.state.settings.upload_body_limit_bytes  # type: ignore[attr-defined]
    auth = trace.headers("lychee_admin")["Authorization"]
    head = _head("PUT", f"/api/v1/products/{pid}/photo",
                 {"Authorization": auth, "Transfer-Encoding": "chunked",
                  "Content-Type": "multipart/form-data; boundary=b0undary"})
    part = (b"--b0undary\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.png\""
            b"\r\nContent-Type: image/png\r\n\r\n")

    def chunks() -> Iterator[bytes]:
        for data in (part, *_pieces(limit + 8 * MiB)):
            yield f"{len(data):x}\r\n".encode() + data + b"\r\n"
        yield b"0\r\n\r\n"

    status, resp, sent = _exchange(base, head, chunks())
    assert status == 413, resp[:300]
    assert b'"code":"too_large"' in resp
    assert limit < sent < limit + 6 * MiB  # refused soon after the limit, not at the end


def test_request_size_anonymous_upload_is_refused_before_the_body_is_read(
        trace: Trace, base: str) -> None:
    pid = trace.product()["id"]
    head = _head("PUT", f"/api/v1/products/{pid}/photo",
                 {"Content-Type": "multipart/form-data; boundary=b0undary",
                  "Content-Length": str(300 * MiB)})
    status, resp, sent = _exchange(base, head, iter(()))  # not one byte of the body
    assert status == 413, resp[:300]
    assert b"without logging in" in resp
    # a made-up token or cookie is no login: its signature is checked before the body is read
    for forged in ({"Authorization": "Bearer 2.0.9999999999.AAAAAAAAAAAAAAAA.forged"},
                   {"Cookie": "nongso_session=2.0.9999999999.AAAAAAAAAAAAAAAA.forged"}):
        status, resp, _ = _exchange(base, _head("PUT", f"/api/v1/products/{pid}/photo", {
            **forged, "Content-Type": "multipart/form-data; boundary=b0undary",
            "Content-Length": str(300 * MiB)}), iter(()))
        assert status == 413 and b"without logging in" in resp, resp[:300]
    # a small anonymous body still gets as far as the login check
    status, resp, _ = _exchange(base, _head("PUT", f"/api/v1/products/{pid}/photo", {
        "Content-Type": "application/octet-stream", "Content-Length": "5"}), iter([b"hello"]))
    assert status == 401, resp[:300]


def _big_jpeg() -> bytes:
    img = Image.frombytes("RGB", (1500, 1500), os.urandom(1500 * 1500 * 3))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=95)
    return out.getvalue()


def test_request_size_normal_uploads_and_bodies_still_work(trace: Trace, world: World) -> None:
    pid = trace.product()["id"]
    photo = _big_jpeg()
    assert 2 * MiB < len(photo) < 12 * MiB  # over the default limit, under the upload one
    r = world.client.put(f"/api/v1/products/{pid}/photo", headers=trace.headers("lychee_admin"),
                         files={"photo": ("anh.jpg", photo, "image/jpeg")})
    assert r.status_code == 200, r.text
    # a logged-in JSON body over the anonymous limit reaches validation (422, not 413)
    r = world.client.post("/api/v1/products", headers=trace.headers("lychee_admin"),
                          json={"organisation_id": world.orgs["lychee"], "name": "x" * 200_000})
    assert r.status_code == 422, r.text[:300]
    # the same size anonymously: 413 in the API's error format, and as a page for a browser
    world.client.cookies.clear()
    r = world.client.post("/api/v1/auth/login", json={"login": "x" * 200_000, "password": "p"})
    assert r.status_code == 413 and r.json()["code"] == "too_large", r.text[:300]
    r = world.client.post("/login", data={"login": "x" * 200_000, "password": "p"},
                          headers={"Accept": "text/html"})
    assert r.status_code == 413 and "Dữ liệu quá lớn" in r.text, r.text[:300]


def test_request_size_limits_are_settings() -> None:
    s = Settings()
    assert (s.anonymous_body_limit_bytes < s.body_limit_bytes < s.upload_body_limit_bytes)
    assert s.upload_body_limit_bytes > 12 * MiB  # a 12 MB photo plus its form fits
