"""The consumer page claims only what records prove (issue 17), walked in Chromium at a
phone's size (360×740), one screenshot per case under test-artifacts/claims-*.png.

The lot of :func:`tests.server.stamps.conftest.make_lot` was harvested on 5 June 2026
(13:30 in Vietnam). Each case adds or changes one record and checks what the page says."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, SQLModel, select

from server.models import Farm
from server.models.ocop import OcopCertificate, OcopProduct
from server.models.trace import (
    Certificate,
    CertificateKind,
    CertificateSubject,
    CodeKind,
    DiaryEntry,
    DiaryKind,
    GiRight,
    Product,
    RegistrationCode,
)
from tests.server.conftest import World
from tests.server.stamps.conftest import StampWorld, issue, make_lot, services
from tests.server.trace.conftest import add_inspector
from tests.support.browser import ARTIFACTS, launch_chromium, live_server

PHONE = {"width": 360, "height": 740}
HARVEST = datetime(2026, 6, 5, 6, 30, tzinfo=UTC)
THANH_SON_OLD = "10867"  # Xã Thanh Sơn, huyện Thanh Hà, tỉnh Hải Dương (before 1 July 2025)


@pytest.fixture
def sw(world: World) -> StampWorld:
    return make_lot(world)


def _add(sw: StampWorld, *rows: SQLModel) -> list[int]:
    with Session(sw.w.engine, expire_on_commit=False) as s:
        s.add_all(rows)
        s.commit()
        return [r.id for r in rows]  # type: ignore[attr-defined]


def _change(sw: StampWorld, model: type[SQLModel], row_id: int, **values: Any) -> None:
    with Session(sw.w.engine) as s:
        row = s.get(model, row_id)
        assert row is not None
        for k, v in values.items():
            setattr(row, k, v)
        s.add(row)
        s.commit()


def _cert(sw: StampWorld, number: str, start: date, end: date | None,
          **kw: Any) -> Certificate:
    base: dict[str, Any] = dict(organisation_id=sw.w.orgs["lychee"], kind=CertificateKind.vietgap,
                                subject=CertificateSubject.organisation, number=number,
                                issuer="QUACERT", valid_from=start, valid_until=end)
    return Certificate(**(base | kw))


def _spray(sw: StampWorld, name: str, days_before: float, phi: int | None,
           ingredient: str | None = None) -> DiaryEntry:
    return DiaryEntry(zone_id=sw.w.zones["lychee"], kind=DiaryKind.spraying, product_name=name,
                      active_ingredient=ingredient, dose=0.5, dose_unit="l/ha", phi_days=phi,
                      performed_at=HARVEST - timedelta(days=days_before))


class Walk:
    """The stamp's page in Chromium: refresh, screenshot, and the text of its sections."""

    def __init__(self, sw: StampWorld, page: Any, url: str) -> None:
        self.sw, self.page, self.url = sw, page, url
        self.shots: list[str] = []

    def visit(self, case: str) -> dict[str, str]:
        services(self.sw).pages.clear()
        self.page.goto(self.url)
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"claims-{case}.png"), full_page=True)
        self.shots.append(case)
        assert self.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        return {k: self.page.locator(f"section.{k}").inner_text()
                for k in ("product", "origin", "growing", "certs")}

    def sprayings(self) -> list[str]:
        items: list[str] = self.page.locator("li.spraying").all_inner_texts()
        return items


def _gi_cases(sw: StampWorld, walk: Walk, verify: Callable[[int], None]) -> None:
    org = sw.w.orgs["lychee"]
    assert "Chỉ dẫn địa lý" not in walk.visit("gi-none")["origin"]  # no right recorded
    right = GiRight(organisation_id=org, gi_name="Thanh Hà", registration_number="00010",
                    holder="UBND xã Thanh Hà", product="Quả vải thiều", crop="lychee",
                    variety="vải thiều", area_communes=["10813", THANH_SON_OLD],
                    valid_from=date(2007, 6, 1))
    (rid,) = _add(sw, right)
    assert "Chỉ dẫn địa lý" not in walk.visit("gi-unverified")["origin"]
    verify(rid)
    # Verified, but neither the farm (Xã Tuệ Tĩnh) nor a planting-area code lies in the area.
    assert "Chỉ dẫn địa lý" not in walk.visit("gi-outside-area")["origin"]
    _add(sw, RegistrationCode(organisation_id=org, kind=CodeKind.planting_area,
                              code=f"VN-30-294-{THANH_SON_OLD}-001-21", authority="Cục BVTV",
                              issued_on=date(2021, 4, 15), zone_id=sw.w.zones["lychee"]))
    origin = walk.visit("gi-shown")["origin"]
    assert "Chỉ dẫn địa lý" in origin and "“Thanh Hà”" in origin and "00010" in origin
    assert "UBND xã Thanh Hà" in origin and f"VN-30-294-{THANH_SON_OLD}-001-21" in origin
    with Session(sw.w.engine) as s:
        pid = s.exec(select(Product.id).where(Product.gtin == sw.gtin14)).one()
    _change(sw, Product, pid, name="Vải lai Thanh Hà")  # a lychee, but not a vải thiều
    assert "Chỉ dẫn địa lý" not in walk.visit("gi-other-variety")["origin"]
    _change(sw, Product, pid, name="Vải thiều Thanh Hà loại 1")
    _change(sw, GiRight, rid, valid_until=date(2026, 5, 31))  # lapsed before the harvest
    assert "Chỉ dẫn địa lý" not in walk.visit("gi-lapsed")["origin"]
    _change(sw, GiRight, rid, valid_until=None)


def _certificate_cases(sw: StampWorld, walk: Walk) -> None:
    certs = walk.visit("certs-none")["certs"]
    assert "Không có chứng nhận nào còn hiệu lực vào ngày thu hoạch" in certs
    with Session(sw.w.engine) as s:
        pid = s.exec(select(Product.id).where(Product.gtin == sw.gtin14)).one()
    other_zone = _other_zone(sw)
    _add(sw,
         _cert(sw, "VG-COVERS", date(2025, 1, 1), date(2028, 1, 1), product_id=pid,
               zone_id=sw.w.zones["lychee"], scope="Vải thiều, khu 1"),
         _cert(sw, "VG-OTHER-ZONE", date(2025, 1, 1), date(2028, 1, 1), zone_id=other_zone),
         _cert(sw, "ORG-AFTER-HARVEST", date(2026, 7, 1), None, kind=CertificateKind.organic),
         _cert(sw, "GG-LAPSED", date(2024, 1, 1), date(2026, 6, 30),
               kind=CertificateKind.globalgap),
         _cert(sw, "CARROT-ORG", date(2025, 1, 1), None, organisation_id=sw.w.orgs["carrot"]))
    certs = walk.visit("certs-scoped")["certs"]
    assert "Chứng nhận VietGAP" in certs and "VG-COVERS" in certs and "QUACERT" in certs
    assert "phạm vi: Vải thiều, khu 1" in certs and "05/06" not in certs
    assert "VG-OTHER-ZONE" not in certs and "ORG-AFTER-HARVEST" not in certs
    assert "CARROT-ORG" not in certs and "vietgap" not in certs  # never a raw enum name
    assert "GG-LAPSED" in certs and "Chứng nhận GlobalG.A.P." in certs
    assert "còn hiệu lực khi thu hoạch; đã hết hạn từ 30/06/2026" in certs


def _other_zone(sw: StampWorld) -> int:
    from server.models import Zone

    with Session(sw.w.engine, expire_on_commit=False) as s:
        zone = Zone(farm_id=sw.w.farms["lychee"], name="Khu khác", crop="lychee", area_m2=10)
        s.add(zone)
        s.commit()
        assert zone.id is not None
        return zone.id


def _spraying_cases(sw: StampWorld, walk: Walk) -> None:
    assert "Không ghi nhận phun thuốc trong mùa vụ" in walk.visit("spray-none")["growing"]
    _add(sw, _spray(sw, "Amistar Top 325SC", 60, None, "Azoxystrobin + Difenoconazole"),
         _spray(sw, "Kasumin 2SL", 45, None, "Kasugamycin"),
         _spray(sw, "Reasgant 3.6EC", 25, 7, "Abamectin"),
         _spray(sw, "Regent 800WG", 3, 7, "Fipronil"))
    walk.visit("spray-season")
    items = walk.sprayings()
    assert len(items) == 4  # every spraying of the season, not only the last
    label, unknown, diary, too_late = items
    assert "Amistar Top 325SC" in label and "theo nhãn thuốc đăng ký" in label and "✔" in label
    assert "Kasumin 2SL" in unknown and "không ghi nhận thời gian cách ly" in unknown
    assert "✔" not in unknown
    assert "Abamectin" in diary and "25 ngày" in diary and "✔" in diary
    assert "chưa đủ thời gian cách ly" in too_late and "✔" not in too_late


def _ocop_cases(sw: StampWorld, walk: Walk) -> None:
    org = sw.w.orgs["lychee"]
    (pid,) = _add(sw, OcopProduct(organisation_id=org, name="Vải thiều OCOP",
                                  subgroup="fresh-produce", product_group="food",
                                  gtin=sw.gtin14))
    (cid,) = _add(sw, OcopCertificate(number="OCOP-HP-1", product_id=pid, stars=4, total=80,
                                      level="province", criteria_set="148/2023",
                                      issued_on=date(2026, 7, 1),
                                      expires_on=date(2029, 7, 1)))
    assert "OCOP" not in walk.visit("ocop-after-harvest")["product"]  # issued after harvest
    _change(sw, OcopCertificate, cid, issued_on=date(2025, 7, 1))
    shown = walk.visit("ocop-valid-at-harvest")
    assert "OCOP ★★★★☆" in shown["product"]
    assert "chứng nhận còn hiệu lực vào ngày thu hoạch" in shown["certs"]


def test_consumer_page_claims_only_what_records_prove(sw: StampWorld) -> None:
    inspector = add_inspector(sw.w)
    h_inspector = sw.w.auth(inspector)

    def verify(right_id: int) -> None:
        r = sw.w.client.post(f"/api/v1/gi-rights/{right_id}/verify",
                             headers=sw.w.auth("lychee_admin"))
        assert r.status_code == 403  # the co-op cannot vouch for itself
        r = sw.w.client.post(f"/api/v1/gi-rights/{right_id}/verify", headers=h_inspector)
        assert r.status_code == 200 and r.json()["verified_at"], r.text

    batch = issue(sw, count=1, request_id="req-claims-01")["batch"]
    h = sw.w.auth("lychee_admin")
    uri = sw.w.client.get(f"/api/v1/stamp-batches/{batch['id']}/stamps.csv",
                          headers=h).text.splitlines()[1]
    sw.w.client.cookies.clear()
    _change(sw, Farm, sw.w.farms["lychee"], commune_code="10909")  # Xã Tuệ Tĩnh: not in the area
    with live_server(sw.w.client.app) as base, launch_chromium() as browser:
        ctx = browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True)
        walk = Walk(sw, ctx.new_page(), base + uri.replace("http://localhost:8000", ""))
        _gi_cases(sw, walk, verify)
        _certificate_cases(sw, walk)
        _spraying_cases(sw, walk)
        _ocop_cases(sw, walk)
        ctx.close()
    # the lot-level page of the resolver's walk-up (/01/…/10/LOT) shows the same evidence
    lot_path = uri.replace("http://localhost:8000", "").split("/21/")[0]
    lot_page = sw.w.client.get(lot_path, headers={"Accept": "text/html"}).text
    assert "Chứng nhận VietGAP" in lot_page and "VG-COVERS" in lot_page
    assert "VIETGAP" not in lot_page and "đã hết hạn từ 30/06/2026" in lot_page
    services(sw).scan_log.stop()
    assert len(walk.shots) == 12 and all((ARTIFACTS / f"claims-{c}.png").stat().st_size > 5000
                                         for c in walk.shots)
