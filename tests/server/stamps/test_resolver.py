from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from server.models.stamps import Stamp
from server.stamps import clone
from tests.server.stamps.conftest import StampWorld, issue, services

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
HTML = {"Accept": "text/html,application/xhtml+xml"}
#: Browsers of five families: five visitors even behind one address.
PHONES = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Safari/604.1",
          "Mozilla/5.0 (Linux; Android 14; SM-A546E) Chrome/126.0 Mobile Safari/537.36",
          "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0 Safari/537.36",
          "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15",
          "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:127.0) Firefox/127.0")


def _uris(sw: StampWorld, n: int = 3, **kw: object) -> list[str]:
    batch = issue(sw, count=n, **kw)["batch"]
    text = sw.w.client.get(f"/api/v1/stamp-batches/{batch['id']}/stamps.csv",
                           headers=sw.w.auth("lychee_admin")).text
    sw.w.client.cookies.clear()
    return [line.replace("http://localhost:8000", "") for line in text.splitlines()[1:]]


@contextmanager
def count_queries(engine: sa.Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def listener(conn, cursor, statement, *a):  # type: ignore[no-untyped-def]
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)


def test_browser_gets_consumer_page_with_authenticity(sw: StampWorld) -> None:
    uri = _uris(sw, 1)[0]
    r = sw.w.client.get(uri, headers=HTML)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert 'lang="vi"' in r.text and "Xác thực tem" in r.text and "Tem chính hãng" in r.text
    assert 'property="og:title"' in r.text and "Vải thiều Thanh Hà loại 1" in r.text
    assert "HTX Vải thiều Thanh Hà" in r.text
    assert r.headers["access-control-allow-origin"] == "*"
    assert 'rel="https://gs1.org/voc/defaultLink"' in r.headers["link"]
    en = sw.w.client.get(uri + "?lang=en", headers=HTML)
    assert 'lang="en"' in en.text and "Authenticity" in en.text
    again = sw.w.client.get(uri, headers=HTML)  # a reload: the same visitor, counted once
    assert '<strong class="scan-count">1</strong>' in again.text


def test_linkset_has_exactly_one_default_link(sw: StampWorld) -> None:
    uri = _uris(sw, 1)[0]
    for r in (sw.w.client.get(uri, headers={"Accept": "application/linkset+json"}),
              sw.w.client.get(uri + "?linkType=linkset")):
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/linkset+json")
        body = r.json()
        assert list(body) == ["linkset"] and len(body["linkset"]) == 1
        ctx = body["linkset"][0]
        assert ctx["anchor"] == "http://localhost:8000" + uri
        assert len(ctx["https://gs1.org/voc/defaultLink"]) == 1
        for rel in ("pip", "traceability", "certificationInfo"):
            links = ctx[f"https://gs1.org/voc/{rel}"]
            assert links and all(link["href"].startswith("http") for link in links)


def test_link_type_redirects_or_404s(sw: StampWorld) -> None:
    uri = _uris(sw, 1)[0]
    r = sw.w.client.get(uri + "?linkType=gs1:traceability", follow_redirects=False)
    assert r.status_code == 307 and "/traceability/" in r.headers["location"]
    doc = sw.w.client.get(r.headers["location"].replace("http://localhost:8000", ""))
    assert doc.status_code == 200 and doc.json()["type"] == "EPCISDocument"
    r = sw.w.client.get(uri + "?linkType=https://gs1.org/voc/certificationInfo",
                        follow_redirects=False)
    assert r.status_code == 307 and "/certification/" in r.headers["location"]
    r = sw.w.client.get(uri + "?linkType=gs1:recipeInfo", follow_redirects=False)
    assert r.status_code == 404


def test_malformed_uris_are_400_never_200(sw: StampWorld) -> None:
    uri = _uris(sw, 1)[0]
    gtin_bad = uri.replace(f"/01/{sw.gtin14}", f"/01/{sw.gtin14[:-1]}{(int(sw.gtin14[-1]) + 1) % 10}")
    for bad in (gtin_bad, "/01/abc", "/01/12345", uri.replace("/21/", "/22/"),
                "/01/" + sw.gtin14 + "/10/" + "L" * 25 + "/21/ABC", "/01/" + sw.gtin14 + "/10/a%20b/21/X"):
        r = sw.w.client.get(bad, headers=HTML)
        assert r.status_code == 400, (bad, r.status_code)
        assert r.status_code != 200


def test_forged_serial_is_404_not_genuine_without_any_query(sw: StampWorld) -> None:
    uri = _uris(sw, 1)[0]
    serial = uri.rsplit("/", 1)[1]
    pos = 7
    swapped = ALPHABET[(ALPHABET.index(serial[pos]) + 1) % 32]
    forged = [uri[: -20] + serial[:pos] + swapped + serial[pos + 1:], uri[:-20] + "1" * 20,
              uri[:-20] + "A3K9", uri[:-20] + serial[::-1]]
    with count_queries(sw.w.engine) as queries:
        for f in forged:
            r = sw.w.client.get(f, headers=HTML)
            assert r.status_code == 404, f
            assert "Tem không chính hãng" in r.text
            j = sw.w.client.get(f, headers={"Accept": "application/json"})
            assert j.status_code == 404 and j.json()["code"] == "not_genuine"
    # The gate decides before any query; only the failed-lookup throttle (its own table,
    # shared by every process) is written.
    assert [q for q in queries if "throttle_counters" not in q] == [], queries


def test_head_cors_options_and_well_known(sw: StampWorld) -> None:
    uri = _uris(sw, 1)[0]
    h = sw.w.client.head(uri, headers=HTML)
    assert h.status_code == 200 and h.content == b""
    assert h.headers["access-control-allow-origin"] == "*"
    o = sw.w.client.options(uri, headers={"Origin": "https://example.org",
                                          "Access-Control-Request-Method": "GET"})
    assert o.status_code == 204 and "GET" in o.headers["access-control-allow-methods"]
    with Session(sw.w.engine) as s:
        assert s.exec(select(Stamp)).first().scan_count == 0  # HEAD is not a scan
    wk = sw.w.client.get("/.well-known/gs1resolver")
    assert wk.status_code == 200 and "01" in wk.json()["supportedPrimaryKeys"]


def test_recalled_lot_shows_recall_notice(sw: StampWorld) -> None:
    uri = _uris(sw, 1)[0]
    r = sw.w.client.post(f"/api/v1/lots/{sw.lot_id}/recall",
                         json={"reason": "Phát hiện dư lượng thuốc vượt ngưỡng"},
                         headers=sw.w.auth("lychee_admin"))
    assert r.status_code == 201
    sw.w.client.cookies.clear()
    page = sw.w.client.get(uri, headers=HTML)
    assert page.status_code == 200
    assert "THU HỒI SẢN PHẨM" in page.text and "dư lượng thuốc" in page.text


def test_revoked_stamp_shows_notice(sw: StampWorld) -> None:
    uri = _uris(sw, 1)[0]
    serial = uri.rsplit("/", 1)[1]
    r = sw.w.client.post(f"/api/v1/stamps/{serial}/revoke", json={"reason": "Tem in lỗi, đã hủy"},
                         headers=sw.w.auth("lychee_admin"))
    assert r.status_code == 200
    sw.w.client.cookies.clear()
    assert "Tem đã bị thu hồi" in sw.w.client.get(uri, headers=HTML).text


def test_scratch_pin_verifies_once(sw: StampWorld) -> None:
    batch = issue(sw, count=2, request_id="req-pins-0001", with_pin=True)
    pins = batch["pins"]
    serial, pin = next(iter(pins.items()))
    sw.w.client.cookies.clear()
    uri = f"/01/{sw.gtin14}/10/{sw.lot_code}/21/{serial}"
    wrong = sw.w.client.post(uri, data={"pin": "000000" if pin != "000000" else "111111"})
    assert wrong.status_code == 422 and "Mã PIN không đúng" in wrong.text
    ok = sw.w.client.post(uri, data={"pin": pin})
    assert ok.status_code == 200 and "Mã PIN đúng" in ok.text
    reused = sw.w.client.post(uri, data={"pin": pin})
    assert reused.status_code == 200 and "đã được dùng trước đó" in reused.text


def _scans(sw: StampWorld, *scans: tuple[int, str, datetime] | tuple[int, str, datetime, str]
           ) -> dict[int, Stamp]:
    """Feed (stamp id, place, time[, network]) scans one by one through the server's own
    scan log — the writer every consumer scan goes through — and return the stamps as
    stored."""
    from server.stamps.scanlog import ScanLog

    sl = ScanLog(sw.w.engine)
    sl.stop()  # no background writer: each scan is written when the test says so
    for sid, place, at, *net in scans:
        sl.add(sid, place, at, net=net[0] if net else None)
        assert sl.flush()
    with Session(sw.w.engine) as s:
        return {st.id: st for st in s.exec(select(Stamp)).all()}  # type: ignore[misc]


def test_clone_detection_fires_on_scripted_pattern_not_on_normal_use(sw: StampWorld) -> None:
    issue(sw, count=2)
    t0 = datetime(2026, 6, 10, 8, 0, tzinfo=UTC)
    with Session(sw.w.engine) as s:
        normal, cloned = (st.id for st in s.exec(select(Stamp).order_by(Stamp.id)).all())
    # Normal: a shop and then a home, a few scans over two days.
    got = _scans(sw, *((normal, place, t0 + timedelta(hours=10 * i)) for i, place in enumerate(
        ["geo:21.0,105.8", "geo:21.0,105.8", "geo:21.0,105.9", "geo:21.0,105.9"])))
    assert got[normal].scan_count == 4 and got[normal].clone_suspected_at is None
    # Cloned: the same serial in Hà Nội and, 20 minutes later, in TP Hồ Chí Minh (two
    # phones on two networks).
    got = _scans(sw, (cloned, "geo:21.0,105.8", t0, "net:00000000000000aa"),
                 (cloned, "geo:10.8,106.7", t0 + timedelta(minutes=20), "net:00000000000000bb"))
    assert got[cloned].clone_suspected_at is not None
    assert "km" in (got[cloned].clone_reason or "")
    page = sw.w.client.get(f"/01/{sw.gtin14}/10/{sw.lot_code}/21/{got[cloned].serial}",
                           headers=HTML)
    assert "có thể bị sao chép" in page.text


def test_clone_detection_by_many_places_and_by_rate(sw: StampWorld) -> None:
    issue(sw, count=2)
    t0 = datetime(2026, 6, 10, 8, 0, tzinfo=UTC)
    with Session(sw.w.engine) as s:
        a, b = (st.id for st in s.exec(select(Stamp).order_by(Stamp.id)).all())
    got = _scans(sw, *((a, f"net:{i:016x}", t0 + timedelta(hours=i))
                       for i in range(clone.PLACES_LIMIT)))
    assert got[a].clone_suspected_at is not None and "nơi" in (got[a].clone_reason or "")
    got = _scans(sw, *((b, "net:0000000000000001", t0 + timedelta(minutes=i))
                       for i in range(clone.RATE_LIMIT)))
    assert got[b].clone_suspected_at is None  # 30 scans in an hour: a busy shop, not a clone
    got = _scans(sw, (b, "net:0000000000000001", t0 + timedelta(minutes=31)))
    assert got[b].clone_suspected_at is not None and "lần" in (got[b].clone_reason or "")


def test_coarse_place_keeps_no_address() -> None:
    p1 = clone.coarse_place("203.113.130.7", "salt")
    p2 = clone.coarse_place("203.113.1.99", "salt")
    assert p1 == p2 and "203" not in p1  # same /16, hashed
    assert clone.coarse_place("8.8.8.8", "salt") != p1
    assert clone.coarse_place(None, "s", 21.02851, 105.80481) == "geo:21.0,105.8"


def test_growing_conditions_come_from_the_telemetry_store(sw: StampWorld) -> None:
    """Readings of the lot's origin zone before harvest appear on the consumer page."""
    from server.models import Device, DeviceRole
    from server.models.telemetry import Reading
    uri = _uris(sw, 1)[0]
    harvest = datetime(2026, 6, 5, 6, 30, tzinfo=UTC)
    with Session(sw.w.engine) as s:
        dev = Device(uid="th-lychee-0001", zone_id=sw.w.zones["lychee"], role=DeviceRole.sensor)
        s.add(dev)
        s.flush()
        for i in range(48):
            s.add(Reading(device_id=dev.id, seq=i + 1, zone_id=sw.w.zones["lychee"],
                          time=harvest - timedelta(hours=6 * (i + 1)),
                          received_at=harvest, m=30.0 + (i % 10)))
        s.commit()
    page = sw.w.client.get(uri, headers=HTML).text
    assert "48 lần đo" in page
    # m = 30 + i % 10 for i in 0..47: mean 30 + 208 / 48 = 34.3
    assert "độ ẩm đất trung bình 34.3 %" in page
    # All 48 within the default healthy band (30–80 %)...
    assert "Độ ẩm đất trong ngưỡng <strong>100 % thời gian</strong>" in page
    # ...but 10 of them (m = 30, 31) below a zone's own "too dry" threshold of 32 %.
    from server.models.irrigation import ZoneIrrigation

    with Session(sw.w.engine) as s:
        s.add(ZoneIrrigation(zone_id=sw.w.zones["lychee"], dry_alert_pct=32.0))
        s.commit()
    services(sw).pages.clear()
    page = sw.w.client.get(uri, headers=HTML).text
    assert "Độ ẩm đất trong ngưỡng <strong>79 % thời gian</strong>" in page  # 38 / 48
    assert "(32–80 %)" in page


def test_scans_counted_on_postgresql(pg_world) -> None:  # type: ignore[no-untyped-def]
    from tests.server.stamps.conftest import make_lot

    sw = make_lot(pg_world)
    uri = _uris(sw, 1)[0]
    for n, agent in enumerate(PHONES, start=1):  # five visitors behind one address
        page = sw.w.client.get(uri, headers={**HTML, "User-Agent": agent})
        assert page.status_code == 200
        assert f'<strong class="scan-count">{n}</strong>' in page.text
    services(sw).scan_log.flush()  # write-behind
    with Session(sw.w.engine) as s:
        stamp = s.exec(select(Stamp)).one()
        assert stamp.scan_count == 5 and stamp.first_scan_at is not None
        from server.models.stamps import Scan
        assert len(s.exec(select(Scan).where(Scan.stamp_id == stamp.id)).all()) == 5


def test_scan_log_writes_behind_and_flushes_on_stop(sw: StampWorld) -> None:
    from server.stamps.scanlog import ScanLog

    issue(sw, count=2)
    with Session(sw.w.engine) as s:
        a, b = s.exec(select(Stamp).order_by(Stamp.id)).all()
    sl = ScanLog(sw.w.engine)
    for i in range(7):
        sl.add(a.id, f"net:{i % 2:016x}")
    for i in range(clone.PLACES_LIMIT):
        sl.add(b.id, f"net:{i:016x}")
    assert sl.pending(a.id) + sl.pending(b.id) <= 7 + clone.PLACES_LIMIT
    sl.stop()
    assert sl.written == 7 + clone.PLACES_LIMIT and sl.pending(a.id) == 0
    with Session(sw.w.engine) as s:
        a, b = s.exec(select(Stamp).order_by(Stamp.id)).all()
        assert a.scan_count == 7 and a.clone_suspected_at is None
        assert b.scan_count == clone.PLACES_LIMIT and b.clone_suspected_at is not None


def test_consumer_page_counts_drip_waterings_from_the_irrigation_log(sw: StampWorld) -> None:
    from server.models.irrigation import IrrigationLog
    uri = _uris(sw, 1)[0]
    harvest = datetime(2026, 6, 5, 6, 30, tzinfo=UTC)
    with Session(sw.w.engine) as s:
        for i in range(23):
            s.add(IrrigationLog(zone_id=sw.w.zones["lychee"], trigger="auto",
                                started_at=harvest - timedelta(days=3 * i + 1),
                                ended_at=harvest - timedelta(days=3 * i + 1) + timedelta(minutes=40),
                                litres=120.0))
        # after harvest: not part of this lot's season
        s.add(IrrigationLog(zone_id=sw.w.zones["lychee"], trigger="auto",
                            started_at=harvest + timedelta(days=2), litres=50.0))
        s.commit()
    page = sw.w.client.get(uri, headers=HTML).text
    assert "Tưới nhỏ giọt <strong>23 lần</strong> (2.760 lít)" in page
