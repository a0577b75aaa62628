"""This package's part of the demo world (idempotent).

For each co-operative: its GS1 company prefix (a 12-digit one, the size GS1 licenses for a
single GTIN; demo numbers, not registered ones), a product with a valid GTIN under it and GS1
Vietnam's prefix 893 — its check digit computed here —, a packing house, the
planting-area and packing-house codes (demo strings, stored as an authority would issue
them), a farm diary with a spraying well before harvest, a harvested and packed lot with
its events, and certificates.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from qr.gs1 import check_digit
from server.models import Farm, Organisation, Zone
from server.models.gs1 import Gs1CompanyPrefix
from server.models.trace import (
    Certificate,
    CertificateKind,
    CertificateSubject,
    CodeKind,
    DiaryEntry,
    DiaryKind,
    Location,
    LocationKind,
    Lot,
    Product,
    RegistrationCode,
)
from server.trace.lots import record_event

__all__ = ["seed_demo", "DEMO_GTINS", "demo_gtin", "DEMO_BASE"]

log = logging.getLogger(__name__)

VN = timezone(timedelta(hours=7))
#: Events name lots by their canonical Digital Link, independent of where the demo runs.
DEMO_BASE = "https://id.gs1.org"


def demo_gtin(body12: str) -> str:
    """A GTIN-13 from a 12-digit body under 893, with its computed check digit."""
    return body12 + str(check_digit(body12))


DEMO_GTINS = {"lychee": demo_gtin("893000000101"), "carrot": demo_gtin("893000000102")}

_SPECS: dict[str, dict[str, Any]] = {
    "lychee": dict(
        product="Vải thiều Thanh Hà (hộp 5 kg)", lot="VTH25-0605", qty=1200.0,
        harvest=datetime(2025, 6, 5, 6, 0, tzinfo=VN), cartons=4,
        spray=("Reasgant 3.6EC", "Abamectin", 0.5, "l/ha", 7, 25),
        fertiliser=("NPK 12-5-10", 250.0, "kg/ha", 40),
        planting_code="VN-30-294-10741-001-21", packing_code="VN-30-PH-0012",
        gln_body="893000000001",
        certs=[(CertificateKind.vietgap, "VietGAP-TT-09-24-0031", "Trung tâm Kiểm định và "
                "Chứng nhận hợp chuẩn hợp quy", date(2024, 3, 1), date(2027, 3, 1))]),
    "carrot": dict(
        product="Cà rốt Đức Chính (túi 1 kg)", lot="CRT25-0210", qty=3000.0,
        harvest=datetime(2025, 2, 10, 6, 30, tzinfo=VN), cartons=6,
        spray=("Amistar Top 325SC", "Azoxystrobin + Difenoconazole", 0.3, "l/ha", 14, 30),
        fertiliser=("Phân hữu cơ vi sinh", 1000.0, "kg/ha", 75),
        planting_code="VN-30-290-10573-002-22", packing_code="VN-30-PH-0021",
        gln_body="893000000002",
        certs=[(CertificateKind.vietgap, "VietGAP-TT-05-23-0107", "Trung tâm Chứng nhận "
                "VietGAP", date(2023, 9, 1), date(2026, 9, 1)),
               (CertificateKind.phytosanitary, "KDTV-HP-2025-0088", "Chi cục Kiểm dịch thực "
                "vật vùng I", date(2025, 2, 11), date(2025, 3, 11))]),
}


def _own_prefix(s: Session, org: Organisation, crop: str) -> None:
    """Give the co-op the company prefix of its demo GTIN (also on a demo seeded before
    prefixes existed), so the GTIN ownership checks accept its products."""
    prefix = DEMO_GTINS[crop][:12]
    if s.exec(select(Gs1CompanyPrefix).where(Gs1CompanyPrefix.prefix == prefix)).first() is None:
        assert org.id is not None
        s.add(Gs1CompanyPrefix(organisation_id=org.id, prefix=prefix))
        s.commit()


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
    s.add(RegistrationCode(organisation_id=org.id, kind=CodeKind.planting_area,
                           code=spec["planting_code"], authority="Cục Bảo vệ thực vật",
                           issued_on=date(2021, 4, 15), farm_id=farm.id, zone_id=zone.id,
                           note="Mã demo, lưu nguyên văn như khi cấp"))
    s.add(RegistrationCode(organisation_id=org.id, kind=CodeKind.packing_house,
                           code=spec["packing_code"], authority="Cục Bảo vệ thực vật",
                           issued_on=date(2022, 3, 1), location_id=house.id,
                           note="Mã demo, lưu nguyên văn như khi cấp"))
    harvest: datetime = spec["harvest"]
    name, ingredient, dose, unit, phi, days_before = spec["spray"]
    s.add(DiaryEntry(zone_id=zone.id, kind=DiaryKind.spraying, product_name=name,
                     active_ingredient=ingredient, dose=dose, dose_unit=unit, phi_days=phi,
                     performed_at=harvest - timedelta(days=days_before)))
    fname, fdose, funit, fdays = spec["fertiliser"]
    s.add(DiaryEntry(zone_id=zone.id, kind=DiaryKind.fertilising, product_name=fname,
                     dose=fdose, dose_unit=funit, performed_at=harvest - timedelta(days=fdays)))
    lot = Lot(organisation_id=org.id, product_id=product.id, code=spec["lot"],
              quantity=spec["qty"], unit="KGM", zone_id=zone.id)
    s.add(lot)
    s.commit()
    record_event(s, DEMO_BASE, lot, "harvest", when=harvest)
    record_event(s, DEMO_BASE, lot, "inspect", when=harvest + timedelta(hours=2),
                 location_id=house.id)
    record_event(s, DEMO_BASE, lot, "pack", when=harvest + timedelta(hours=4),
                 location_id=house.id, carton_count=spec["cartons"])
    record_event(s, DEMO_BASE, lot, "store", when=harvest + timedelta(hours=6),
                 location_id=house.id,
                 sensors=[{"type": "Temperature", "value": 4.0, "uom": "CEL"}])
    for kind, cert_no, issuer, start, end in spec["certs"]:
        lot_cert = kind == CertificateKind.phytosanitary
        s.add(Certificate(organisation_id=org.id, kind=kind, number=cert_no, issuer=issuer,
                          subject=CertificateSubject.lot if lot_cert
                          else CertificateSubject.organisation,
                          lot_id=lot.id if lot_cert else None, valid_from=start,
                          valid_until=end))
    s.commit()
    log.info("trace demo: %s lot %s seeded", crop, spec["lot"])


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
