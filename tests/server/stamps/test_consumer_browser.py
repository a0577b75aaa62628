"""The consumer scan page in Debian's Chromium at a phone's size."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.server.stamps.conftest import StampWorld, issue, services
from tests.support.browser import ARTIFACTS, launch_chromium, live_server

PHONE = {"width": 360, "height": 740}


def test_consumer_page_timeline_and_authenticity_on_a_phone(sw: StampWorld) -> None:
    h = sw.w.auth("lychee_admin")
    for kind, when in (("harvest", "2026-06-05T06:30:00+07:00"),
                       ("inspect", "2026-06-05T09:00:00+07:00"),
                       ("pack", "2026-06-05T14:00:00+07:00"),
                       ("store", "2026-06-05T18:00:00+07:00")):
        body: dict[str, object] = {"kind": kind, "time": when}
        if kind == "pack":
            body["carton_count"] = 4
        r = sw.w.client.post(f"/api/v1/lots/{sw.lot_id}/events", json=body, headers=h)
        assert r.status_code in (200, 201), r.text
    from sqlmodel import Session, select

    from server.models.trace import Product
    from tests.server.stamps.test_product_photos import _phone_photo

    with Session(sw.w.engine) as s:
        pid = s.exec(select(Product.id).where(Product.gtin == sw.gtin14)).one()
    r = sw.w.client.put(f"/api/v1/products/{pid}/photo", headers=h,
                        files={"photo": ("vai.jpg", _phone_photo(1600, 1200), "image/jpeg")})
    assert r.status_code == 200, r.text
    batch = issue(sw, count=1, request_id="req-browser-01")["batch"]
    uri = sw.w.client.get(f"/api/v1/stamp-batches/{batch['id']}/stamps.csv",
                          headers=h).text.splitlines()[1]
    path = uri.replace("http://localhost:8000", "")
    sw.w.client.cookies.clear()
    with live_server(sw.w.client.app) as base, launch_chromium() as browser:
        ctx = browser.new_context(viewport=PHONE, device_scale_factor=2, locale="vi-VN",
                                  is_mobile=True, has_touch=True)
        page = ctx.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(base + path)
        panel = page.locator("section.authenticity")
        assert "Tem chính hãng" in panel.inner_text()
        assert panel.locator(".scan-count").inner_text() == "1"
        steps = page.locator("ol.timeline li")
        assert steps.count() >= 4
        text = page.locator("section.journey").inner_text()
        assert "05/06/2026 06:30 Thu hoạch" in text  # local time, +07:00
        assert "Đóng thùng ×4" in text and "Lưu kho" in text
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        photo = page.locator("img.photo")  # the product photo, loaded under our CSP
        assert photo.evaluate("i => i.complete && i.naturalWidth") > 0
        assert photo.bounding_box()["width"] <= PHONE["width"]  # type: ignore[index]
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "consumer-page-phone.png"), full_page=True)
        page.click("text=English")
        assert "Authenticity" in page.locator("section.authenticity").inner_text()
        assert not [e for e in errors if "Content Security Policy" in e], errors
        ctx.close()
        # The consumer shares an approximate place (Thanh Hà): the scan's coarse network
        # place becomes a 0.1° position; it is not counted as a second scan.
        ctx = browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True,
                                  geolocation={"latitude": 20.9312, "longitude": 106.4268},
                                  permissions=["geolocation"])
        page = ctx.new_page()
        page.goto(base + path)
        count = page.locator(".scan-count").inner_text()
        page.click("#share-place")
        page.wait_for_url("**lat=20.9&lon=106.4**")
        assert page.locator(".scan-count").inner_text() == count
        ctx.close()
    services(sw).scan_log.stop()
    from server.models.stamps import Scan

    with Session(sw.w.engine) as s:
        places = [sc.place for sc in s.exec(select(Scan)).all()]
    assert "geo:20.9,106.4" in places and len(places) == int(count)
    _ = datetime.now(UTC)
