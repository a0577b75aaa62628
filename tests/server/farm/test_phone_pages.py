"""Issue 21 without a browser: the menu by role (every page within three clicks of the
role's home, every role's forbidden page 403), the diary stored once per key, lots, stamps
and devices from the pages, login details, gzip and static caching."""

from __future__ import annotations

from sqlmodel import Session, func, select

from server.models.farm_pages import DiarySubmission
from server.models.stamps import LotRecall, Stamp, StampBatch
from server.models.trace import DiaryEntry, Lot, LotFlag, LotLink
from tests.server.conftest import PASSWORD, World
from tests.server.farm.support import BROWSER, add_evaluator, crawl, seed_lot
from tests.support.login import page_login


def _login(world: World, login: str) -> str:
    r = page_login(world.client, login, PASSWORD)
    assert r.status_code == 200, r.text
    csrf = world.client.cookies.get("nongso_csrf")
    assert csrf
    return csrf


def _count(world: World, model: type) -> int:
    with Session(world.engine) as s:
        return int(s.exec(select(func.count()).select_from(model)).one())


# --- 1. navigation by role --------------------------------------------------------------

ROLE_PAGES = {
    "lychee_farmer": {"/farm", "/farm/diary", "/farm/alerts", "/zones/{zone}/irrigation"},
    "lychee_admin": {"/coop/dashboard", "/coop/devices", "/farm/diary", "/coop/lots",
                     "/coop/stamps", "/trace/ship", "/coop/certificates", "/ocop/manage",
                     "/coop", "/coop/lots/{lot}/stamps", "/trace/lots/{lot}",
                     "/zones/{zone}/irrigation"},
    "evaluator1": {"/ocop/manage"},
    "admin": {"/coop", "/coop/dashboard", "/ocop/manage"},
}


FORBIDDEN = {
    "lychee_farmer": ["/coop/dashboard", "/coop/lots", "/coop/stamps", "/coop/devices",
                      "/coop/certificates", "/coop/lots/{lot}/stamps"],
    "evaluator1": ["/coop/dashboard", "/coop/lots", "/coop/devices"],
    "lychee_admin": ["/api/v1/dead-letters"],  # the platform admin's
    "admin": [],  # the platform admin may open every page
}


def test_each_role_reaches_its_pages_in_three_clicks_and_is_refused_the_rest(
        world: World) -> None:
    """From each role's home, following GET links only: every page of the role within three
    clicks, every link on the way answering 200; the pages of other roles 403."""
    _, lot = seed_lot(world)
    add_evaluator(world)
    for login, pages in ROLE_PAGES.items():
        world.client.cookies.clear()
        _login(world, login)
        reached = crawl(world.client, depth=3)
        want = {p.format(zone=world.zones["lychee"], lot=lot) for p in pages}
        assert want <= set(reached), (login, want - set(reached))
        assert max(reached[p] for p in want) <= 3
        for path in FORBIDDEN[login]:
            r = world.client.get(path.format(lot=lot), headers=BROWSER, follow_redirects=False)
            assert r.status_code == 403, (login, path, r.status_code)
            if not path.startswith("/api/"):
                assert "Không có quyền truy cập" in r.text


def test_login_sends_each_role_home_keeps_the_login_and_only_local_next(world: World) -> None:
    c = world.client
    bad = page_login(c, "lychee_admin", "wrong password")
    assert bad.status_code == 401 and 'value="lychee_admin"' in bad.text
    r = page_login(c, "lychee_admin", PASSWORD, next="https://evil.example/x",
                   follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/coop/dashboard"
    assert c.get("/", follow_redirects=False).headers["location"] == "/coop/dashboard"
    c.cookies.clear()
    page_login(c, "lychee_farmer", PASSWORD)
    assert c.get("/", follow_redirects=False).headers["location"] == "/farm"
    menu = c.get("/farm", headers=BROWSER).text
    assert 'href="/farm/diary"' in menu and 'href="/coop/lots"' not in menu
    assert "<nav" in menu and "Đăng xuất" in menu.split("<nav", 1)[1]


# --- 2. the diary, once per key ---------------------------------------------------------

def _spray(world: World, csrf: str, key: str, **kw: object) -> dict[str, object]:
    data = {"csrf": csrf, "key": key, "activity": "spraying", "zone_id": world.zones["lychee"],
            "performed_at": "2026-06-01T07:30", "product_name": "Amistar Top 325SC",
            "active_ingredient": "Azoxystrobin + Difenoconazole", "phi_days": 7, "dose": 10,
            "dose_unit": "ml/bình 16 lít", **kw}
    return data


def test_diary_entry_sent_twice_is_stored_once_and_flags_the_lot(world: World) -> None:
    _, lot = seed_lot(world)  # harvested 5 June, 4 days after the spraying below
    csrf = _login(world, "lychee_farmer")
    c, json = world.client, {"Accept": "application/json"}
    first = c.post("/farm/diary/entries", data=_spray(world, csrf, "k-0001-abcdef"), headers=json)
    again = c.post("/farm/diary/entries", data=_spray(world, csrf, "k-0001-abcdef"), headers=json)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["entry_id"] == again.json()["entry_id"] and not again.json()["created"]
    assert _count(world, DiaryEntry) == 1 and _count(world, DiarySubmission) == 1
    with Session(world.engine) as s:
        flags = s.exec(select(LotFlag).where(LotFlag.lot_id == lot)).all()
    assert len(flags) == 1 and "Amistar" in flags[0].reason
    page = c.get("/farm/diary", headers=BROWSER).text
    assert "Phun thuốc BVTV" in page and "01/06/2026 07:30" in page
    # Bad input: a clear 422, nothing stored.
    for bad in ({"activity": "dancing"}, {"performed_at": "yesterday"},
                {"phi_days": ""}, {"key": "x"}):
        r = c.post("/farm/diary/entries", data={**_spray(world, csrf, "k-0002-abcdef"), **bad},
                   headers=json)
        assert r.status_code == 422, (bad, r.status_code)
    other = c.post("/farm/diary/entries", headers=json, data=_spray(
        world, csrf, "k-0003-abcdef", zone_id=world.zones["carrot"]))
    assert other.status_code == 404
    assert _count(world, DiaryEntry) == 1


def test_diary_other_activities_and_photo(world: World) -> None:
    import io

    from PIL import Image

    csrf = _login(world, "lychee_farmer")
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buf, "JPEG")
    r = world.client.post("/farm/diary/entries", data={
        "csrf": csrf, "key": "k-photo-0001", "activity": "flowering",
        "zone_id": world.zones["lychee"], "performed_at": "2026-03-01T08:00",
        "note": "Ra hoa 60 %"}, files={"photo": ("p.jpg", buf.getvalue(), "image/jpeg")},
        follow_redirects=False)
    assert r.status_code == 303
    page = world.client.get("/farm/diary", headers=BROWSER).text
    assert "Quan sát ra hoa" in page and "Ra hoa 60 %" in page
    with Session(world.engine) as s:
        entry = s.exec(select(DiaryEntry)).one()
    photo = world.client.get(f"/farm/diary/{entry.id}/photo")
    assert photo.status_code == 200 and photo.content[:2] == b"\xff\xd8"
    bad = world.client.post("/farm/diary/entries", data={
        "csrf": csrf, "key": "k-photo-0002", "activity": "pruning",
        "zone_id": world.zones["lychee"], "performed_at": "2026-03-02T08:00"},
        files={"photo": ("p.jpg", b"not a picture at all", "image/jpeg")})
    assert bad.status_code == 422
    with Session(world.engine) as s:
        assert len(s.exec(select(DiaryEntry)).all()) == 1  # nothing half-saved


# --- 3/4. lots and stamps from the pages --------------------------------------------------

def test_lot_create_split_merge_and_stamps_from_the_pages(world: World) -> None:
    product, _ = seed_lot(world)
    csrf = _login(world, "lychee_admin")
    c = world.client
    r = c.post("/coop/lots", data={"csrf": csrf, "code": "H2606B", "product_id": product,
                                   "zone_id": world.zones["lychee"], "quantity": 500,
                                   "harvested_on": "2026-06-06"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    dup = c.post("/coop/lots", data={"csrf": csrf, "code": "H2606B", "product_id": product,
                                     "zone_id": world.zones["lychee"], "quantity": 5,
                                     "harvested_on": "2026-06-06"})
    assert dup.status_code == 409 and "H2606B" in dup.text
    with Session(world.engine) as s:
        lot = s.exec(select(Lot).where(Lot.code == "H2606B")).one()
    assert lot.harvested_at is not None
    split = c.post("/coop/lots/split", data={"csrf": csrf, "lot_id": lot.id, "code_a": "H2606B-1",
                                            "qty_a": 200, "code_b": "H2606B-2", "qty_b": 300},
                   follow_redirects=False)
    assert split.status_code == 303
    too_much = c.post("/coop/lots/split", data={"csrf": csrf, "lot_id": lot.id, "code_a": "X1",
                                               "qty_a": 400, "code_b": "X2", "qty_b": 300})
    assert too_much.status_code == 422
    with Session(world.engine) as s:
        parts = [s.exec(select(Lot).where(Lot.code == code)).one().id
                 for code in ("H2606B-1", "H2606B-2")]
    merged = c.post("/coop/lots/merge", data={"csrf": csrf, "lot_ids": parts, "code": "H2606M"},
                    follow_redirects=False)
    assert merged.status_code == 303
    assert _count(world, LotLink) == 4  # 1→2 split edges, 2→1 merge edges
    # Stamps: issue 10, again with the same request id (a double tap): one batch.
    form = {"csrf": csrf, "request_id": "page-req-0001", "count": 10, "layout": "a4"}
    assert c.post(f"/coop/lots/{lot.id}/stamps", data=form).status_code == 201
    assert c.post(f"/coop/lots/{lot.id}/stamps", data=form).status_code == 200
    assert _count(world, StampBatch) == 1 and _count(world, Stamp) == 10
    page = c.get(f"/coop/lots/{lot.id}/stamps").text
    assert "stamps.pdf" in page and "Lượt quét (0)" in page and "<svg" in page
    with Session(world.engine) as s:
        batch = s.exec(select(StampBatch)).one()
    assert c.get(f"/api/v1/stamp-batches/{batch.id}/stamps.csv").text.count("\n") == 11
    rv = c.post(f"/coop/stamp-batches/{batch.id}/revoke", data={"csrf": csrf, "reason": "in lỗi"},
                follow_redirects=False)
    assert rv.status_code == 303
    with Session(world.engine) as s:
        assert all(st.revoked_reason == "in lỗi" for st in s.exec(select(Stamp)).all())
    rc = c.post(f"/coop/lots/{lot.id}/recall", data={"csrf": csrf, "reason": "dư lượng thuốc"},
                follow_redirects=False)
    assert rc.status_code == 303 and _count(world, LotRecall) == 1
    assert c.post(f"/coop/lots/{lot.id}/recall",
                  data={"csrf": csrf, "reason": "lần nữa"}).status_code == 409
    dash = c.get("/coop/dashboard").text
    assert "TH2606A" in dash  # the seeded lot still waits for stamps; H2606B is recalled


def test_devices_page_add_claim_rotate_revoke(world: World) -> None:
    csrf = _login(world, "lychee_admin")
    c = world.client
    added = c.post(f"/coop/zones/{world.zones['lychee']}/devices",
                   data={"csrf": csrf, "role": "sensor"})
    assert added.status_code == 201 and "chỉ hiện một lần" in added.text
    claim = c.post("/coop/devices/claims", data={"csrf": csrf, "org_id": world.orgs["lychee"],
                                                 "role": "valve"})
    assert claim.status_code == 201 and "data:image/png;base64," in claim.text
    page = c.get("/coop/devices").text
    assert "Chưa từng gửi dữ liệu" in page
    dash = c.get("/coop/dashboard").text
    assert "chưa từng gửi dữ liệu" in dash and "/coop/devices#device-" in dash
    import re
    dev = int(re.findall(r'id="device-(\d+)"', page)[0])
    assert "chưa gửi xuống thiết bị" in page  # no config published yet
    from datetime import UTC, datetime

    from sqlmodel import Session

    from server.models.device_config import DeviceConfig
    with Session(world.engine) as s:  # as the controller's pusher and the device's ack leave it
        now = datetime.now(UTC)
        s.add(DeviceConfig(device_id=dev, rev=3, payload="{}", published_at=now, ack_rev=3,
                           ack_res="rejected", ack_reason="range:interval_s", acked_at=now))
        s.commit()
    page = c.get("/coop/devices").text
    assert "bản 3 — <b>thiết bị từ chối</b> (range:interval_s)" in page
    assert c.post(f"/coop/devices/{dev}/rotate", data={"csrf": csrf}).status_code == 200
    assert "đã thu hồi" in c.post(f"/coop/devices/{dev}/revoke", data={"csrf": csrf}).text
    c.cookies.clear()
    csrf = _login(world, "carrot_admin")
    assert c.post(f"/coop/devices/{dev}/rotate", data={"csrf": csrf}).status_code == 404


# --- 7/8. small things the phone audit found ---------------------------------------------

def test_html_is_gzipped_static_is_cached_and_pages_have_favicon_and_description(
        world: World) -> None:
    c = world.client
    r = c.get("/login", headers={"Accept-Encoding": "gzip"})
    assert r.headers.get("content-encoding") == "gzip"
    assert 'rel="icon"' in r.text and 'name="description"' in r.text
    css = c.get("/static/app.css")
    assert "max-age=86400" in css.headers["cache-control"]
    assert c.get("/static/favicon.svg").status_code == 200
    assert "no-store" not in c.get("/static/icons.svg").headers["cache-control"]
    anon = c.get("/farm/diary", headers=BROWSER, follow_redirects=False)
    assert anon.headers["location"] == "/login?next=/farm/diary"
    page_login(c, "lychee_farmer", PASSWORD)
    sw = c.get("/farm/sw.js")
    assert sw.status_code == 200 and "javascript" in sw.headers["content-type"]
    assert "/farm/sw.js" in c.get("/static/diary.js").text


def test_moisture_state_has_a_damp_step() -> None:
    from server.farm.views import moisture_state

    band = (38.0, 50.0)
    assert [moisture_state(m, band, 80.0)["vi"] for m in (30, 45, 65, 90)] == [  # type: ignore[index]
        "Khô", "Vừa đủ", "Hơi ướt", "Quá ướt"]
    assert moisture_state(None, band, 80.0) is None


def test_scan_statistics_and_reviewing_a_clone_flag(world: World) -> None:
    from datetime import UTC, datetime, timedelta

    from server.models.stamps import Scan

    _, lot = seed_lot(world)
    csrf = _login(world, "lychee_admin")
    c = world.client
    form = {"csrf": csrf, "request_id": "page-req-0002", "count": 3, "layout": "roll-30x20",
            "with_pin": "true"}
    issued = c.post(f"/coop/lots/{lot}/stamps", data=form)
    assert issued.status_code == 201 and issued.text.count('<td class="code">') == 6  # PINs once
    now = datetime.now(UTC)
    with Session(world.engine) as s:
        stamp = s.exec(select(Stamp)).first()
        assert stamp is not None and stamp.id is not None
        for i, place in enumerate(("net:aaaaaa01", "net:bbbbbb02", "geo:21.0,106.3",
                                   "net:cccccc03")):
            s.add(Scan(stamp_id=stamp.id, at=now - timedelta(hours=i), place=place,
                       visitor=f"v{i}"))
        stamp.scan_count = 4
        stamp.clone_suspected_at = now
        stamp.clone_reason = "4 mạng khác nhau trong 24 giờ"
        s.add(stamp)
        s.commit()
        serial = stamp.serial
    page = c.get(f"/coop/lots/{lot}/stamps").text
    assert "Lượt quét (4)" in page and "gần 21.0, 106.3" in page and "mạng aaaaaa" in page
    assert "4 mạng khác nhau" in page and page.count("<rect") >= 30
    r = c.post(f"/coop/stamps/{serial}/review", data={"csrf": csrf, "action": "clear",
                                                      "reason": "cùng một cửa hàng"},
               follow_redirects=False)
    assert r.status_code == 303
    with Session(world.engine) as s:
        st = s.exec(select(Stamp).where(Stamp.serial == serial)).one()
    assert st.clone_review == "cleared" and st.clone_suspected_at is None
    assert "bỏ cờ" in c.get(f"/coop/lots/{lot}/stamps").text
    one = c.get(f"/coop/stamps/lookup?serial={serial.lower()}")  # typed in lower case
    assert one.url.path == f"/coop/stamps/{serial}" and "gần 21.0, 106.3" in one.text
    assert "Chưa dùng" in one.text  # its PIN
    c.cookies.clear()
    _login(world, "carrot_admin")
    assert c.get(f"/coop/stamps/{serial}", headers=BROWSER).status_code == 404
    assert c.get("/coop/stamps/progress?rid=nothing").json() == {"done": 0, "total": 0}


def test_same_diary_key_sent_at_once_from_two_tabs_is_stored_once(pg_world: World) -> None:
    """Four sends of one key at the same moment (PostgreSQL, real concurrency): one entry."""
    from concurrent.futures import ThreadPoolExecutor

    world = pg_world
    csrf = _login(world, "lychee_farmer")
    data = _spray(world, csrf, "k-race-000001")

    def send(_: int) -> int:
        r = world.client.post("/farm/diary/entries", data=data,
                              headers={"Accept": "application/json"})
        return int(r.json()["entry_id"]) if r.status_code in (200, 201) else -r.status_code

    with ThreadPoolExecutor(4) as pool:
        ids = list(pool.map(send, range(4)))
    assert len(set(ids)) == 1 and ids[0] > 0, ids
    assert _count(world, DiaryEntry) == 1 and _count(world, DiarySubmission) == 1


def test_dashboard_lists_what_needs_doing_each_with_its_link(world: World) -> None:
    from datetime import UTC, date, datetime, timedelta

    from server.models.irrigation import Alert
    from server.models.ocop import OcopCertificate, OcopProduct
    from server.models.trace import Certificate, CertificateKind, CertificateSubject

    _, lot = seed_lot(world)
    org, now, today = world.orgs["lychee"], datetime.now(UTC), date.today()
    with Session(world.engine) as s:
        s.add(Alert(organisation_id=org, zone_id=world.zones["lychee"], kind="dry", key="dry-1",
                    message="Đất khô dưới 30 %", opened_at=now, last_seen_at=now))
        s.add(LotFlag(lot_id=lot, kind="phi", reason="Thu hoạch 4 ngày sau khi phun"))
        s.add(Certificate(organisation_id=org, subject=CertificateSubject.farm,
                          farm_id=world.farms["lychee"], kind=CertificateKind.vietgap,
                          number="VG-123", issuer="Cục Trồng trọt", valid_from=date(2024, 1, 1),
                          valid_until=today + timedelta(days=20)))
        product = OcopProduct(name="Vải thiều sấy", subgroup="fresh-produce",
                              product_group="food", organisation_id=org)
        s.add(product)
        s.flush()
        s.add(OcopCertificate(number="OCOP-31-001", product_id=product.id or 0, stars=4,
                              total=78, level="province", criteria_set="148/2023",
                              issued_on=today - timedelta(days=1070),
                              expires_on=today + timedelta(days=25)))
        # Far from expiry / another co-op's: not listed.
        s.add(Certificate(organisation_id=world.orgs["carrot"], subject=CertificateSubject.farm,
                          farm_id=world.farms["carrot"], kind=CertificateKind.vietgap,
                          number="VG-CARROT", issuer="x", valid_from=date(2024, 1, 1),
                          valid_until=today + timedelta(days=10)))
        s.commit()
    _login(world, "lychee_admin")
    page = world.client.get("/coop/dashboard").text
    for text in ("Đất khô dưới 30 %", f'href="/farm#zone-{world.zones["lychee"]}"',
                 "Thu hoạch 4 ngày sau khi phun", f'href="/trace/lots/{lot}"', "VG-123",
                 "Vải thiều sấy", 'href="/ocop/manage">Gia hạn', f'href="/coop/lots/{lot}/stamps"',
                 vn(today + timedelta(days=25))):
        assert text in page, text
    assert "VG-CARROT" not in page
    alerts = world.client.get("/farm/alerts").text
    assert "Đất khô dưới 30 %" in alerts and "Zone lychee" in alerts


def vn(day: object) -> str:
    from server.farm.pages import vn_date

    return vn_date(day)  # type: ignore[arg-type]
