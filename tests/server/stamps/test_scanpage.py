"""The fast consumer scan: cached lot part, per-scan slots, the ASGI fast path, the batched
scan log on PostgreSQL, and the open-loop load generator against a real server."""

from __future__ import annotations

import asyncio
import itertools
import re
import threading
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from markupsafe import escape
from sqlmodel import Session, select

from server.models.stamps import Scan, Stamp
from server.stamps import clone, fastpath, resolver, scanpage
from server.stamps.lookup import alookup
from server.stamps.pagecache import PageCache
from server.stamps.scanlog import ScanLog
from server.templating import templates
from simulators.openloop import open_loop
from tests.server.stamps.conftest import StampWorld, make_lot, services
from tests.server.stamps.test_resolver import HTML, PHONES, _uris
from tests.support.browser import live_server

COUNT = re.compile(r'<strong class="scan-count">(\d+)</strong>')


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_panel_from_cached_chunks_equals_a_direct_render(lang: str) -> None:
    """The authenticity panel is built from cached chunks per variant; for every variant it
    must be exactly what the template renders for that stamp."""
    cache = PageCache(None, "https://nongso.vn")  # type: ignore[arg-type]  # no lot part
    t = (lambda vi, en: en) if lang == "en" else (lambda vi, en: vi)
    first = datetime(2026, 6, 9, 3, 0, tzinfo=UTC)  # same day in UTC and +07:00
    anchor = "https://nongso.vn/01/08930000000017/10/TH%2026/21/0123456789ABCDEFGHJK?a=<b>&c"
    for suspected, pin, first_at, pin_result, count in itertools.product(
            (None, first), (None, "h"), (None, first), (None, "ok", "reused", "wrong"), (1, 42)):
        stamp = SimpleNamespace(clone_suspected_at=suspected,
                                clone_reason="quét từ 4 nơi khác nhau trong 24 giờ" if suspected else None,
                                pin_hash=pin, first_scan_at=first_at, scan_count=count)
        direct = templates.get_template("stamp_auth.html").render(
            s=stamp, lang=lang, anchor=anchor, code="ABCD-EFGH", pin_result=pin_result, t=t)
        cached = cache.panel(stamp, lang, str(escape(anchor)), "ABCD-EFGH", pin_result)
        assert cached == direct, (suspected, pin, first_at, pin_result, count)


def test_recall_and_revocation_show_at_once_although_the_lot_part_is_cached(
        sw: StampWorld) -> None:
    uri = _uris(sw, 2)[0]
    first = sw.w.client.get(uri, headers=HTML)
    assert first.status_code == 200 and "THU HỒI" not in first.text
    assert COUNT.search(first.text).group(1) == "1"  # type: ignore[union-attr]
    r = sw.w.client.post(f"/api/v1/lots/{sw.lot_id}/recall",
                         json={"reason": "Dư lượng thuốc vượt ngưỡng"},
                         headers=sw.w.auth("lychee_admin"))
    assert r.status_code == 201
    serial = uri.rsplit("/", 1)[1]
    r = sw.w.client.post(f"/api/v1/stamps/{serial}/revoke", json={"reason": "Tem in lỗi"},
                         headers=sw.w.auth("lychee_admin"))
    assert r.status_code == 200, r.text
    sw.w.client.cookies.clear()
    again = sw.w.client.get(uri, headers={**HTML, "User-Agent": PHONES[0]})  # another phone
    assert "THU HỒI SẢN PHẨM" in again.text and "Dư lượng thuốc vượt ngưỡng" in again.text
    assert "Tem đã bị thu hồi" in again.text and "Tem in lỗi" in again.text
    assert COUNT.search(again.text).group(1) == "2"  # type: ignore[union-attr]
    # Everything but the per-scan parts is the cached lot part, byte for byte.
    strip = re.compile(r'<section class="card (alert[^"]*|authenticity)".*?</section>', re.S)
    def lot_part(html: str) -> str:
        return re.sub(r"\s+", " ", strip.sub("", html))

    assert lot_part(first.text) == lot_part(again.text)


def test_fast_path_serves_browser_scans_and_leaves_the_rest_to_the_route(
        sw: StampWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    uri = _uris(sw, 1)[0]

    def route_must_not_serve(*a: object, **k: object) -> None:
        raise AssertionError("the route served a scan the fast path should have")

    with monkeypatch.context() as m:
        m.setattr(resolver, "_consumer_page", route_must_not_serve)
        fast = sw.w.client.get(uri, headers=HTML)
        assert fast.status_code == 200 and fast.headers["cache-control"] == "no-store"
        assert fast.headers["access-control-allow-origin"] == "*"
        assert "defaultLink" in fast.headers["link"]
        assert fast.headers["content-security-policy"]  # still inside the headers middleware
        head = sw.w.client.head(uri, headers=HTML)
        assert head.status_code == 200 and head.content == b""
        assert int(head.headers["content-length"]) > 1000
        # Not for the fast path: linkset, linkType, a forged serial.
        ls = sw.w.client.get(uri, headers={"Accept": "application/linkset+json"})
        assert ls.status_code == 200 and ls.json()["linkset"]
        assert sw.w.client.get(uri + "?linkType=gs1:traceability",
                               follow_redirects=False).status_code == 307
        forged = uri[:-1] + ("0" if uri[-1] != "0" else "1")
        assert sw.w.client.get(forged, headers=HTML).status_code == 404

    async def no_fast_path(self: object, scope: object) -> None:
        return None

    monkeypatch.setattr(fastpath.ScanFastPath, "_try", no_fast_path)
    slow = sw.w.client.get(uri, headers={**HTML, "User-Agent": PHONES[0]})  # another phone
    assert slow.status_code == 200
    assert COUNT.search(fast.text).group(1) == "1"  # type: ignore[union-attr]
    assert COUNT.search(slow.text).group(1) == "2"  # type: ignore[union-attr]
    assert COUNT.sub("", fast.text) == COUNT.sub("", slow.text)  # one page, two paths


def test_scan_log_batches_and_flags_clones_on_postgresql(pg_world) -> None:  # type: ignore[no-untyped-def]
    sw = make_lot(pg_world)
    _uris(sw, 3)
    with Session(sw.w.engine) as s:
        a, b, c = (st.id for st in s.exec(select(Stamp).order_by(Stamp.id)).all())
    # Two processes' writers at once (two API workers): no count is lost.
    logs = [ScanLog(sw.w.engine), ScanLog(sw.w.engine)]
    barrier = threading.Barrier(2)

    def scans(sl: ScanLog) -> None:
        barrier.wait()
        for i in range(50):
            sl.add(a, "net:000000000000aaaa")
            if i % 10 == 0:  # far-apart positions from two networks (two phones)
                sl.add(c, f"geo:{21.0 + i / 10:.1f},105.8", net=f"net:{id(sl):016x}")
    threads = [threading.Thread(target=scans, args=(sl,)) for sl in logs]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for i in range(clone.PLACES_LIMIT):
        logs[0].add(b, f"net:{i:016x}")
    for sl in logs:
        sl.stop()
    assert sum(sl.written for sl in logs) == 100 + 10 + clone.PLACES_LIMIT
    with Session(sw.w.engine) as s:
        sa_, sb, sc = s.exec(select(Stamp).order_by(Stamp.id)).all()
        assert sa_.scan_count == 100 and sa_.first_scan_at is not None
        assert len(s.exec(select(Scan).where(Scan.stamp_id == a)).all()) == 100
        # One place, but more than RATE_LIMIT scans in an hour: the rate rule.
        assert (sa_.clone_reason or "").endswith("lần trong 1 giờ")
        assert sb.scan_count == clone.PLACES_LIMIT and sb.clone_suspected_at is not None
        assert "nơi khác nhau" in (sb.clone_reason or "")
        assert sc.scan_count == 10 and sc.clone_suspected_at is not None


def test_open_loop_load_on_a_live_server_on_postgresql(pg_world) -> None:  # type: ignore[no-untyped-def]
    """The load generator of bench/scan.py against the real server on PostgreSQL: every
    request answered 200, every stamp's scan stored once (one client: one visitor)."""
    sw = make_lot(pg_world)
    paths = _uris(sw, 20)
    app = sw.w.client.app
    with live_server(app) as base:
        res = asyncio.run(open_loop(base, paths, rate=200, seconds=1.5,
                                    headers={"Accept": "text/html"}))
    assert res.sent == 300 and res.errors == 0 and res.statuses == {200: 300}
    assert 0 < res.percentile(50, 10_000) < 1000
    services(sw).scan_log.stop()
    with Session(sw.w.engine) as s:
        assert sum(st.scan_count for st in s.exec(select(Stamp)).all()) == 20
        assert len(s.exec(select(Scan)).all()) == 20


def test_open_loop_counts_a_dead_server_as_errors() -> None:
    from tests.support.services import free_port

    res = asyncio.run(open_loop(f"http://127.0.0.1:{free_port()}", ["/x"], rate=50,
                                seconds=0.2, timeout_s=1.0))
    assert res.sent == 10 and res.errors == 10 and res.ok == 0
    assert res.percentile(99, 1000.0) == 1000.0
    with pytest.raises(ValueError):
        asyncio.run(open_loop("http://127.0.0.1:1", [], rate=1, seconds=1))


def test_scan_lookups_survive_a_postgresql_restart(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Every pooled connection dies with the server; the next scan still gets its page."""
    from tests.server.conftest import make_world
    from tests.support.services import PostgresCluster

    cluster = PostgresCluster().start()
    worlds = make_world(cluster.create_database(), tmp_path)
    try:
        w = next(worlds)
        sw = make_lot(w)
        uris = _uris(sw, 4)
        svc = w.client.app.state.stamps  # type: ignore[attr-defined]
        ids = [u.split("/") for u in uris]

        async def lookups() -> list[object]:
            return list(await asyncio.gather(*(alookup(svc.engine, svc.read_pool, p[2], p[4],
                                                       p[6]) for p in ids)))

        async def across_a_restart() -> None:
            assert all(await lookups())  # four connections now idle in this loop's pool
            await asyncio.to_thread(cluster.restart)
            for p in ids:  # one at a time: each must not pick another dead connection
                assert await alookup(svc.engine, svc.read_pool, p[2], p[4], p[6]) is not None

        asyncio.run(across_a_restart())
        # and on the test client's own loop, whose idle connections all died
        for uri in uris:
            assert w.client.get(uri, headers=HTML).status_code == 200
        cluster.restart()
        for uri in uris:
            r = w.client.get(uri, headers={**HTML, "User-Agent": PHONES[0]})  # another phone
            assert r.status_code == 200, r.text
        svc.scan_log.stop()
        with Session(w.engine) as s:
            assert sum(st.scan_count for st in s.exec(select(Stamp)).all()) == 8
    finally:
        worlds.close()  # the test client's shutdown, even when an assertion failed
        cluster.cleanup()


def test_what_users_wrote_is_escaped_on_the_page(sw: StampWorld) -> None:
    uri = _uris(sw, 1)[0]
    serial = uri.rsplit("/", 1)[1]
    h = sw.w.auth("lychee_admin")
    xss = '<script>alert("x")</script>'
    assert sw.w.client.post(f"/api/v1/lots/{sw.lot_id}/recall", json={"reason": "R " + xss},
                            headers=h).status_code == 201
    assert sw.w.client.post(f"/api/v1/stamps/{serial}/revoke", json={"reason": "V " + xss},
                            headers=h).status_code == 200
    with Session(sw.w.engine) as s:
        st = s.exec(select(Stamp)).one()
        st.clone_suspected_at, st.clone_reason = datetime.now(UTC), "C " + xss
        s.add(st)
        s.commit()
    sw.w.client.cookies.clear()
    page = sw.w.client.get(uri, headers=HTML).text
    assert "<script>alert" not in page
    for tag in ("R", "V", "C"):
        assert f"{tag} &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


def test_forged_lookups_throttle_failures_never_genuine_scans(sw: StampWorld) -> None:
    """Issue 15.12: 60 forged lookups from one address (a carrier's NAT: many phones) must
    not block genuine scans from it; only further failures get 429."""
    uri = _uris(sw, 1)[0]
    forged = uri[:-1] + ("0" if uri[-1] != "0" else "1")
    for _ in range(resolver.ENUMERATION_LIMIT):
        assert sw.w.client.get(forged, headers=HTML).status_code == 404
    genuine = sw.w.client.get(uri, headers=HTML)
    assert genuine.status_code == 200 and "Tem chính hãng" in genuine.text
    # the route too (linkset): a genuine stamp is never throttled
    ls = sw.w.client.get(uri, headers={"Accept": "application/linkset+json"})
    assert ls.status_code == 200
    r = sw.w.client.get(forged, headers=HTML)  # the failures are
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert "Quá nhiều lượt kiểm tra" in r.text
    j = sw.w.client.get("/01/abc", headers={"Accept": "application/json"})
    assert j.status_code == 429 and j.json()["code"] == "rate_limited"


def test_open_loop_counts_error_answers_as_failures_and_honours_connection_close() -> None:
    async def server(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                break
            if head.startswith(b"GET /busy"):
                writer.write(b"HTTP/1.1 503 Busy\r\nContent-Length: 4\r\n\r\nbusy")
            else:
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                await writer.drain()
                break
            await writer.drain()
        writer.close()

    async def run(path: str):  # type: ignore[no-untyped-def]
        srv = await asyncio.start_server(server, "127.0.0.1", 0)
        port = srv.sockets[0].getsockname()[1]
        async with srv:
            return await open_loop(f"http://127.0.0.1:{port}", [path], rate=100, seconds=0.3,
                                   timeout_s=2.0)

    closed = asyncio.run(run("/close"))
    assert closed.statuses == {200: 30} and closed.errors == 0 and closed.ok == 30
    busy = asyncio.run(run("/busy"))
    assert busy.statuses == {503: 30} and busy.ok == 0
    assert busy.percentile(50, 2000.0) == 2000.0  # a fast 503 is no fast success


def test_a_shared_position_refines_the_scan_queued_or_stored_never_counts_twice(
        sw: StampWorld) -> None:
    uris = _uris(sw, 2)
    svc = services(sw)
    ids = [u.split("/") for u in uris]
    for uri in uris:
        assert sw.w.client.get(uri, headers=HTML).status_code == 200
    sl = svc.scan_log
    sl.stop()  # both scans stored; no background writer from here on: the test decides
    # a second phone scans stamp 0: counted, still queued
    again = sw.w.client.get(uris[0], headers={**HTML, "User-Agent": PHONES[0]})
    assert COUNT.search(again.text).group(1) == "2"  # type: ignore[union-attr]

    def share(i: int, lat: float, lon: float, ip: str = "testclient",
              agent: str = "testclient") -> int:
        st = asyncio.run(alookup(svc.engine, svc.read_pool, ids[i][2], ids[i][4], ids[i][6]))
        assert st is not None
        asyncio.run(scanpage.record(svc, st, ip, lat, lon, agent))
        return st.scan_count

    assert share(0, 20.93, 106.43, agent=PHONES[0]) == 2  # its queued scan gets the place
    assert share(1, 21.03, 105.85) == 1  # the stored scan gets the place
    # another phone elsewhere: a new scan
    assert share(1, 10.78, 106.70, "203.113.1.1", PHONES[1]) == 2
    sl.flush()
    with Session(sw.w.engine) as s:
        stamps = {st.serial: st for st in s.exec(select(Stamp)).all()}
        first, second = (stamps[p[6]] for p in ids)
        places = {st.serial: sorted(sc.place for sc in s.exec(
            select(Scan).where(Scan.stamp_id == st.id)).all()) for st in (first, second)}
    assert first.scan_count == 2 and second.scan_count == 2
    assert len(places[first.serial]) == 2 and "geo:20.9,106.4" in places[first.serial]
    assert places[first.serial][1].startswith("net:")  # the stored first scan kept its own
    assert places[second.serial] == ["geo:10.8,106.7", "geo:21.0,105.8"]
