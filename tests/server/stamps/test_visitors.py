"""Honest scan counts and clone flags (issue 15.4): one count per visitor per stamp per
hour, positions as hints only, networks over hours still flag, the co-op reviews a flag."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from server.models.stamps import Scan, Stamp
from server.stamps import clone
from server.stamps.scanlog import ScanLog
from tests.server.stamps.conftest import StampWorld, services
from tests.server.stamps.test_resolver import HTML, _uris

COUNT = re.compile(r'<strong class="scan-count">(\d+)</strong>')
COPIED = "có thể bị sao chép"


def _stored(sw: StampWorld) -> list[Stamp]:
    services(sw).scan_log.flush()
    with Session(sw.w.engine) as s:
        return list(s.exec(select(Stamp).order_by(Stamp.id)).all())


def _from(sw: StampWorld, ip: str) -> TestClient:
    """A client at another address (the same app)."""
    return TestClient(sw.w.client.app, client=(ip, 40000))


def test_a_loop_of_gets_from_one_client_counts_one_visitor(sw: StampWorld) -> None:
    uri = _uris(sw, 1)[0]
    for _ in range(200):
        r = sw.w.client.get(uri, headers=HTML)
        assert r.status_code == 200
    assert COUNT.search(r.text).group(1) == "1"  # type: ignore[union-attr]
    (stamp,) = _stored(sw)
    assert stamp.scan_count == 1 and stamp.clone_suspected_at is None
    with Session(sw.w.engine) as s:
        assert len(s.exec(select(Scan)).all()) == 1
    # A second process (another scan log, same database) does not count them again.
    other = ScanLog(sw.w.engine)
    with Session(sw.w.engine) as s:
        first = s.exec(select(Scan)).one()
    assert other.add(stamp.id, first.place, net=first.net, visitor=first.visitor) == 1
    other.stop()
    assert _stored(sw)[0].scan_count == 1


def test_far_apart_positions_from_one_client_do_not_flag(sw: StampWorld) -> None:
    uri = _uris(sw, 1)[0]
    for lat, lon in ((21.03, 105.85), (10.78, 106.70), (16.05, 108.20)) * 3:
        page = sw.w.client.get(f"{uri}?lat={lat}&lon={lon}", headers=HTML)
        assert page.status_code == 200 and COPIED not in page.text
    # Even from four networks' worth of positions, one client is one network.
    (stamp,) = _stored(sw)
    assert stamp.clone_suspected_at is None and stamp.scan_count == 1
    assert COPIED not in sw.w.client.get(uri, headers=HTML).text


def test_distinct_networks_over_hours_still_flag(sw: StampWorld) -> None:
    """Four networks within a day (hours apart): a label copied onto many boxes."""
    uri = _uris(sw, 2)[0]
    for i, ip in enumerate(("203.113.1.5", "14.160.2.7", "113.161.3.9", "27.72.4.1")):
        assert _from(sw, ip).get(uri, headers=HTML).status_code == 200
        if i < clone.PLACES_LIMIT - 1:
            assert _stored(sw)[0].clone_suspected_at is None
    first = _stored(sw)[0]
    assert first.scan_count == 4 and first.clone_suspected_at is not None
    assert "nơi khác nhau" in (first.clone_reason or "")
    assert COPIED in sw.w.client.get(uri, headers=HTML).text
    # The same spread over hours, through the writer with the scans' own times.
    t0 = datetime(2026, 6, 10, 8, 0, tzinfo=UTC)
    sid = _stored(sw)[1].id
    sl = ScanLog(sw.w.engine)
    sl.stop()
    for h in range(clone.PLACES_LIMIT):
        ip = f"100.{64 + h}.0.1"
        at = t0 + timedelta(hours=5 * h)
        assert sl.add(sid, clone.coarse_place(ip, "s"), at,
                      visitor=clone.visitor(ip, "iPhone", "s", at)) == 1
        assert sl.flush()
    assert _stored(sw)[1].clone_suspected_at is not None


def test_two_phones_far_apart_within_minutes_still_flag(sw: StampWorld) -> None:
    """A shared position is a hint: with two networks behind it, travel still flags."""
    uri = _uris(sw, 1)[0]
    assert _from(sw, "203.113.1.5").get(uri + "?lat=21.03&lon=105.85",
                                        headers=HTML).status_code == 200
    assert _from(sw, "14.160.2.7").get(uri + "?lat=10.78&lon=106.70",
                                       headers=HTML).status_code == 200
    (stamp,) = _stored(sw)
    assert stamp.clone_suspected_at is not None and "km" in (stamp.clone_reason or "")


def test_coop_can_clear_or_confirm_a_clone_flag(sw: StampWorld) -> None:
    uri = _uris(sw, 1)[0]
    serial = uri.rsplit("/", 1)[1]
    for ip in ("203.113.1.5", "14.160.2.7", "113.161.3.9", "27.72.4.1"):
        _from(sw, ip).get(uri, headers=HTML)
    assert _stored(sw)[0].clone_suspected_at is not None
    path = f"/api/v1/stamps/{serial}/clone-review"
    body = {"action": "clear", "reason": "Tem bày ở hội chợ, nhiều người quét thử"}
    assert sw.w.client.post(path, json=body,
                            headers=sw.w.auth("carrot_admin")).status_code in (403, 404)
    assert sw.w.client.post(path, json={**body, "action": "forget"},
                            headers=sw.w.auth("lychee_admin")).status_code == 422
    r = sw.w.client.post(path, json=body, headers=sw.w.auth("lychee_admin"))
    assert r.status_code == 200, r.text
    assert r.json()["clone_suspected_at"] is None and r.json()["clone_review"] == "cleared"
    sw.w.client.cookies.clear()
    page = sw.w.client.get(uri, headers=HTML)
    assert COPIED not in page.text and "Tem chính hãng" in page.text
    # The scans before the review are no evidence any more: one more network is not four.
    _from(sw, "100.64.0.1").get(uri, headers=HTML)
    assert _stored(sw)[0].clone_suspected_at is None
    again = sw.w.client.post(path, json=body, headers=sw.w.auth("lychee_admin"))
    assert again.status_code == 422  # nothing to clear: nothing changed
    r = sw.w.client.post(path, json={"action": "confirm", "reason": "Phát hiện tem giả ở chợ"},
                         headers=sw.w.auth("lychee_admin"))
    assert r.status_code == 200 and r.json()["clone_review"] == "confirmed"
    assert "Phát hiện tem giả ở chợ" in (r.json()["clone_reason"] or "")
    sw.w.client.cookies.clear()
    assert COPIED in sw.w.client.get(uri, headers=HTML).text


def test_behind_a_trusted_proxy_each_phone_is_its_own_visitor(sw: StampWorld) -> None:
    """Behind the HTTPS proxy every scan arrives from the proxy: visitors, networks and the
    failed-lookup throttle go by the phone's address (``X-Forwarded-For``), as PINs do."""
    services(sw).settings.trusted_proxies = "127.0.0.0/8"
    proxy = _from(sw, "127.0.0.1")
    uri = _uris(sw, 1)[0]
    for ip in ("203.113.1.5", "14.160.2.7", "113.161.3.9", "27.72.4.1"):
        r = proxy.get(uri, headers={**HTML, "X-Forwarded-For": ip})
        assert r.status_code == 200
    (stamp,) = _stored(sw)
    assert stamp.scan_count == 4 and stamp.clone_suspected_at is not None
    forged = uri[:-1] + ("0" if uri[-1] != "0" else "1")
    services(sw).lookup_throttle.limit = 2
    for _ in range(2):
        assert proxy.get(forged, headers={**HTML, "X-Forwarded-For": "1.2.3.4"}
                         ).status_code == 404
    assert proxy.get(forged, headers={**HTML, "X-Forwarded-For": "1.2.3.4"}).status_code == 429
    assert proxy.get(forged, headers={**HTML, "X-Forwarded-For": "5.6.7.8"}).status_code == 404
