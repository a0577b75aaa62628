"""This package's part of the demo world (idempotent).

For each co-operative: its GS1 company prefix (a 12-digit one, the size GS1 licenses for a
single GTIN; demo numbers, not registered ones), a product with a valid GTIN under it and GS1
Vietnam's prefix 893 — its check digit computed here —, a packing house, the
planting-area and packing-house codes (demo strings, stored as an authority would issue
them) and the export markets they are registered for, a farm diary with the season's
sprayings (one whose pre-harvest interval is on no record), a lot harvested in the crop's
most recent season and packed, certificates scoped to the product and planting area, and
for the lychee co-op its verified right to the "Thanh Hà" geographical indication.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from qr.gs1 import check_digit
from server.models import Farm, Organisation, User, Zone
from server.models.gs1 import Gs1CompanyPrefix
from server.models.trace import (
    Certificate,
    CertificateKind,
    CertificateSubject,
    CodeKind,
    CodeMarket,
    DiaryEntry,
    DiaryKind,
    GiRight,
    Location,
    LocationKind,
    Lot,
    Product,
    RegistrationCode,
)
from server.trace.lots import record_event

__all__ = ["seed_demo", "DEMO_GTINS", "demo_gtin", "DEMO_BASE", "last_harvest", "lot_code",
           "THANH_HA_AREA"]

log = logging.getLogger(__name__)

VN = timezone(timedelta(hours=7))
#: Events name lots by their canonical Digital Link, independent of where the demo runs.
DEMO_BASE = "https://id.gs1.org"


def demo_gtin(body12: str) -> str:
    """A GTIN-13 from a 12-digit body under 893, with its computed check digit."""
    return body12 + str(check_digit(body12))


DEMO_GTINS = {"lychee": demo_gtin("893000000101"), "carrot": demo_gtin("893000000102")}


def last_harvest(crop: str, today: date) -> datetime:
    """The demo lot's harvest: the most recent season of its crop before ``today``.

    Vải thiều Thanh Hà ripens in June (main harvest early to mid June); Cẩm Giàng carrots
    are a winter crop, sown in September–October and pulled from December to February.
    """
    if crop == "lychee":
        year = today.year if today >= date(today.year, 6, 20) else today.year - 1
        return datetime(year, 6, 8, 6, 0, tzinfo=VN)
    year = today.year if today >= date(today.year, 1, 25) else today.year - 1
    return datetime(year, 1, 20, 6, 30, tzinfo=VN)


def lot_code(crop: str, harvest: datetime) -> str:
    """"VTH26-0608": the crop's prefix, the harvest's year and day."""
    return f"{_SPECS[crop]['lot']}{harvest:%y-%m%d}"


#: Planting-area codes embed the pre-2025 codes of the village's province (30 Hải Dương),
#: district (294 Thanh Hà, 295 Cẩm Giàng) and commune (10867 Thanh Sơn, 10912 Đức Chính):
#: codes issued before the reorganisation keep them (stored exactly as issued).
_SPECS: dict[str, dict[str, Any]] = {
    "lychee": dict(
        product="Vải thiều Thanh Hà (hộp 5 kg)", lot="VTH", qty=1200.0, cartons=4,
        # (trade name, active ingredient, dose, unit, PHI recorded in the diary, days before)
        sprays=[("Amistar Top 325SC", "Azoxystrobin + Difenoconazole", 0.3, "l/ha", None, 62),
                ("Kasumin 2SL", "Kasugamycin", 1.0, "l/ha", None, 45),
                ("Reasgant 3.6EC", "Abamectin", 0.5, "l/ha", 7, 25)],
        fertiliser=("NPK 12-5-10", 250.0, "kg/ha", 40),
        planting_code="VN-30-294-10867-001-21", packing_code="VN-30-PH-0012",
        planting_markets=("JP", "US", "CN"), packing_markets=("JP", "US", "CN"),
        gln_body="893000000001"),
    "carrot": dict(
        product="Cà rốt Đức Chính (túi 1 kg)", lot="CRT", qty=3000.0, cartons=6,
        sprays=[("Amistar Top 325SC", "Azoxystrobin + Difenoconazole", 0.3, "l/ha", 14, 30)],
        fertiliser=("Phân hữu cơ vi sinh", 1000.0, "kg/ha", 75),
        planting_code="VN-30-295-10912-002-22", packing_code="VN-30-PH-0021",
        planting_markets=(), packing_markets=(),
        gln_body="893000000002"),
}

#: Communes of the "Thanh Hà" GI area: the lychee communes of the former Thanh Hà district
#: (pre-2025 codes, as the registration map was drawn) and the communes they form today.
THANH_HA_AREA = [str(c) for c in range(10813, 10886, 3)]  # 10813 … 10885 (huyện 294)


def _own_prefix(s: Session, org: Organisation, crop: str) -> None:
    """Give the co-op the company prefix of its demo GTIN (also on a demo seeded before
    prefixes existed), so the GTIN ownership checks accept its products."""
    prefix = DEMO_GTINS[crop][:12]
    if s.exec(select(Gs1CompanyPrefix).where(Gs1CompanyPrefix.prefix == prefix)).first() is None:
        assert org.id is not None
        s.add(Gs1CompanyPrefix(organisation_id=org.id, prefix=prefix))
        s.commit()


def _codes(s: Session, org_id: int, spec: dict[str, Any], farm_id: int, zone_id: int,
           house_id: int, issued: date) -> None:
    """Planting-area and packing-house codes, and the markets each is registered for."""
    plant = RegistrationCode(organisation_id=org_id, kind=CodeKind.planting_area,
                             code=spec["planting_code"], authority="Cục Bảo vệ thực vật",
                             issued_on=issued, farm_id=farm_id, zone_id=zone_id,
                             note="Mã demo, lưu nguyên văn như khi cấp")
    house = RegistrationCode(organisation_id=org_id, kind=CodeKind.packing_house,
                             code=spec["packing_code"], authority="Cục Bảo vệ thực vật",
                             issued_on=issued, location_id=house_id,
                             note="Mã demo, lưu nguyên văn như khi cấp")
    s.add_all([plant, house])
    s.flush()
    assert plant.id is not None and house.id is not None
    for code_id, markets in ((plant.id, spec["planting_markets"]),
                             (house.id, spec["packing_markets"])):
        for market in markets:
            s.add(CodeMarket(code_id=code_id, market=market, issued_on=issued,
                             valid_until=issued + timedelta(days=3 * 365)))


def _diary(s: Session, zone_id: int, spec: dict[str, Any], harvest: datetime) -> None:
    for name, ingredient, dose, unit, phi, days_before in spec["sprays"]:
        s.add(DiaryEntry(zone_id=zone_id, kind=DiaryKind.spraying, product_name=name,
                         active_ingredient=ingredient, dose=dose, dose_unit=unit, phi_days=phi,
                         performed_at=harvest - timedelta(days=days_before)))
    fname, fdose, funit, fdays = spec["fertiliser"]
    s.add(DiaryEntry(zone_id=zone_id, kind=DiaryKind.fertilising, product_name=fname,
                     dose=fdose, dose_unit=funit, performed_at=harvest - timedelta(days=fdays)))


def _certificates(s: Session, org_id: int, crop: str, product_id: int, zone_id: int,
                  lot_id: int, harvest: date) -> None:
    """VietGAP scoped to the product and planting area; the lot's own phytosanitary and
    (lychee) irradiation certificates, issued after harvest."""
    gap_from = harvest - timedelta(days=400)
    s.add(Certificate(organisation_id=org_id, subject=CertificateSubject.organisation,
                      kind=CertificateKind.vietgap, product_id=product_id, zone_id=zone_id,
                      number=f"VietGAP-TT-{gap_from:%y}-{'0031' if crop == 'lychee' else '0107'}",
                      issuer="Trung tâm Kiểm định và Chứng nhận hợp chuẩn hợp quy (QUACERT)",
                      scope=f"{'Vải thiều' if crop == 'lychee' else 'Cà rốt'}, vùng trồng demo",
                      valid_from=gap_from, valid_until=gap_from + timedelta(days=3 * 365)))
    s.add(Certificate(organisation_id=org_id, subject=CertificateSubject.lot, lot_id=lot_id,
                      kind=CertificateKind.phytosanitary, number=f"KDTV-HP-{harvest:%Y}-0088",
                      issuer="Chi cục Kiểm dịch thực vật vùng I", valid_from=harvest + timedelta(
                          days=1), valid_until=harvest + timedelta(days=30)))
    if crop == "lychee":
        s.add(Certificate(organisation_id=org_id, subject=CertificateSubject.lot, lot_id=lot_id,
                          kind=CertificateKind.irradiation, number=f"CX-{harvest:%Y}-0412",
                          issuer="Trung tâm Chiếu xạ Hà Nội",
                          scope="Chiếu xạ, liều hấp thụ tối thiểu 400 Gy",
                          valid_from=harvest + timedelta(days=1),
                          valid_until=harvest + timedelta(days=30)))


def _gi_right(s: Session, org_id: int, harvest: date) -> None:
    """The co-op's recorded right to use the "Thanh Hà" GI for vải thiều, verified."""
    admin = s.exec(select(User).where(col(User.is_superuser).is_(True))
                   .order_by(col(User.id))).first()
    s.add(GiRight(organisation_id=org_id, gi_name="Thanh Hà", registration_number="00010",
                  holder="Ủy ban nhân dân huyện Thanh Hà (nay: Ủy ban nhân dân xã Thanh Hà)",
                  product="Quả vải thiều", crop="lychee", variety="vải thiều",
                  area_communes=THANH_HA_AREA,
                  area_note="Demo: số đăng ký và khu vực cần đối chiếu Sổ đăng ký quốc gia về "
                            "chỉ dẫn địa lý (Cục Sở hữu trí tuệ) trước khi dùng thật.",
                  valid_from=date(2007, 6, 1), valid_until=None,
                  verified_by=admin.id if admin else None, verified_at=datetime.now(UTC)))


def _seed_coop(s: Session, org: Organisation, farm: Farm, zone: Zone, crop: str) -> None:
    spec = _SPECS[crop]
    assert org.id is not None and farm.id is not None and zone.id is not None
    product = Product(organisation_id=org.id, name=spec["product"], gtin=DEMO_GTINS[crop].rjust(
        14, "0"), crop=crop, unit="KGM")
    # A GLN has the same mod-10 check digit as a GTIN-13.
    house = Location(organisation_id=org.id, name=f"Nhà đóng gói {farm.name}",
                     kind=LocationKind.packing_house, gln=demo_gtin(spec["gln_body"]),
                     farm_id=farm.id)
    field = Location(organisation_id=org.id, name=farm.name, kind=LocationKind.farm,
                     gln=demo_gtin(spec["gln_body"][:-1] + "9"), farm_id=farm.id)
    s.add_all([product, house, field])
    s.flush()
    assert product.id is not None and house.id is not None
    harvest = last_harvest(crop, date.today())
    _codes(s, org.id, spec, farm.id, zone.id, house.id, harvest.date() - timedelta(days=300))
    _diary(s, zone.id, spec, harvest)
    lot = Lot(organisation_id=org.id, product_id=product.id, code=lot_code(crop, harvest),
              quantity=spec["qty"], unit="KGM", zone_id=zone.id)
    s.add(lot)
    s.commit()
    assert lot.id is not None
    record_event(s, DEMO_BASE, lot, "harvest", when=harvest)
    record_event(s, DEMO_BASE, lot, "inspect", when=harvest + timedelta(hours=2),
                 location_id=house.id)
    record_event(s, DEMO_BASE, lot, "pack", when=harvest + timedelta(hours=4),
                 location_id=house.id, carton_count=spec["cartons"])
    record_event(s, DEMO_BASE, lot, "store", when=harvest + timedelta(hours=6),
                 location_id=house.id,
                 sensors=[{"type": "Temperature", "value": 4.0, "uom": "CEL"}])
    _certificates(s, org.id, crop, product.id, zone.id, lot.id, harvest.date())
    if crop == "lychee":
        _gi_right(s, org.id, harvest.date())
    s.commit()
    log.info("trace demo: %s lot %s seeded", crop, lot.code)


def seed_demo(engine: Engine) -> None:
    """Add this package's demo data if missing."""
    with Session(engine, expire_on_commit=False) as s:
        for org in s.exec(select(Organisation).order_by(col(Organisation.id))).all():
            farm = s.exec(select(Farm).where(Farm.organisation_id == org.id)
                          .order_by(col(Farm.id))).first()
            if farm is None:
                continue
            zone = s.exec(select(Zone).where(Zone.farm_id == farm.id)
                          .order_by(col(Zone.id))).first()
            if zone is None or zone.crop not in _SPECS:
                continue
            _own_prefix(s, org, zone.crop)
            gtin14 = DEMO_GTINS[zone.crop].rjust(14, "0")
            if s.exec(select(Product).where(Product.gtin == gtin14)).first() is not None:
                continue  # already seeded
            _seed_coop(s, org, farm, zone, zone.crop)
