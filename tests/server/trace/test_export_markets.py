"""Export readiness per market (issue 17): a lot missing a treatment or a code is refused
for that market and accepted for another; an inspector's override is recorded."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, select

from server.models.trace import (
    Certificate,
    CertificateKind,
    CertificateSubject,
    CodeKind,
    ExportOverride,
    RegistrationCode,
    TraceEvent,
)
from server.trace import markets
from tests.server.conftest import World
from tests.server.trace.conftest import Trace, add_inspector

TODAY = date.today()


def _code(world: World, kind: CodeKind, code: str, zone: bool) -> int:
    with Session(world.engine, expire_on_commit=False) as s:
        row = RegistrationCode(organisation_id=world.orgs["lychee"], kind=kind, code=code,
                               authority="Cục Bảo vệ thực vật", issued_on=date(2024, 1, 1),
                               zone_id=world.zones["lychee"] if zone else None)
        s.add(row)
        s.commit()
        assert row.id is not None
        return row.id


def _lot_cert(world: World, lot_id: int, kind: CertificateKind, scope: str | None = None) -> None:
    with Session(world.engine) as s:
        s.add(Certificate(organisation_id=world.orgs["lychee"], subject=CertificateSubject.lot,
                          lot_id=lot_id, kind=kind, number=f"{kind.value}-1", issuer="Chi cục",
                          scope=scope, valid_from=TODAY - timedelta(days=1),
                          valid_until=TODAY + timedelta(days=20)))
        s.commit()


def _missing(trace: Trace, lot_id: int) -> dict[str, list[str]]:
    rows = trace.get(f"/lots/{lot_id}/export-readiness")
    assert [r["market"] for r in rows] == ["JP", "US", "AU", "EU", "CN", "KR"]
    assert all(r["sources"] for r in rows if r["market"] != "KR")  # every rule cites its source
    return {r["market"]: [m["key"] for m in r["missing"]] for r in rows}


def test_market_rules_are_versioned_data_with_sources() -> None:
    rules = markets.rules()
    assert rules["version"] and set(rules["markets"]) == {"JP", "US", "AU", "EU", "CN", "KR"}
    us = rules["markets"]["US"]["products"]["lychee"]
    assert us["treatment"] == {"kind": "irradiation", "min_dose_gy": 400,
                               "detail": us["treatment"]["detail"]}
    assert any("305.9" in src for src in us["sources"])
    assert rules["markets"]["JP"]["products"]["lychee"]["treatment"]["kind"] == "vapour_heat"
    for market in rules["markets"].values():
        for crop in ("lychee", "carrot"):
            assert market["products"][crop]["access"] in ("open", "unknown")


def test_ship_refused_for_a_market_missing_items_accepted_for_another(
        trace: Trace, world: World) -> None:
    p = trace.product()
    lot = trace.lot(p, "XK-1")["id"]
    trace.event(lot, "harvest")
    missing = _missing(trace, lot)
    assert missing["US"] == ["planting_area_code", "packing_house_code", "irradiation",
                             "phytosanitary"]
    assert missing["EU"] == ["phytosanitary"] and missing["KR"] == ["access"]
    plant = _code(world, CodeKind.planting_area, "VN-30-294-10867-001-21", zone=True)
    house = _code(world, CodeKind.packing_house, "VN-30-PH-0012", zone=False)
    for code_id in (plant, house):
        for market in ("US", "JP"):
            trace.post(f"/registration-codes/{code_id}/markets",
                       {"market": market, "issued_on": "2024-03-01", "valid_until": "2029-03-01"})
    trace.post(f"/registration-codes/{plant}/markets", {"market": "XX", "issued_on": "2024-03-01"},
               status=422)
    _lot_cert(world, lot, CertificateKind.phytosanitary)
    _lot_cert(world, lot, CertificateKind.irradiation, scope="liều hấp thụ 250 Gy")  # too low
    missing = _missing(trace, lot)
    assert missing["US"] == ["irradiation"] and missing["EU"] == []
    assert missing["JP"] == ["vapour_heat"]
    before = world.count(TraceEvent)
    r = trace.event(lot, "ship", status=409, market="US", destination="Los Angeles")
    assert "irradiation" not in r["detail"] and "Xử lý chiếu xạ" in r["detail"], r
    assert world.count(TraceEvent) == before  # refused: nothing recorded
    trace.event(lot, "ship", market="EU", destination="Rotterdam")  # ready for the EU
    _lot_cert(world, lot, CertificateKind.irradiation, scope="Chiếu xạ 400 Gy")
    assert _missing(trace, lot)["US"] == []
    trace.event(lot, "ship", market="US")
    # A revoked registration makes the lot unready again for that market.
    trace.post(f"/registration-codes/{plant}/markets/US/revoke",
               {"reason": "Phát hiện ruồi đục quả", "revoked_on": str(TODAY)}, status=200)
    assert _missing(trace, lot)["US"] == ["planting_area_code"]


def test_inspector_override_recorded_then_ship_allowed(trace: Trace, world: World) -> None:
    p = trace.product()
    lot = trace.lot(p, "XK-2")["id"]
    trace.event(lot, "ship", status=409, market="JP")
    body = {"market": "JP", "reason": "Lô mẫu gửi kiểm nghiệm, không bán"}
    trace.post(f"/lots/{lot}/export-override", body, status=403)  # the co-op itself: no
    inspector = add_inspector(world)
    trace.post(f"/lots/{lot}/export-override", {"market": "JP", "reason": "ngắn"},
               who=inspector, status=422)
    row = trace.post(f"/lots/{lot}/export-override", body, who=inspector)
    assert row["missing"] == ["planting_area_code", "packing_house_code", "vapour_heat",
                              "phytosanitary"] and row["overridden_by"]
    trace.event(lot, "ship", market="JP")
    trace.event(lot, "ship", status=409, market="US")  # the override is for Japan only
    with Session(world.engine) as s:
        assert len(s.exec(select(ExportOverride)).all()) == 1
    rows = {r["market"]: r for r in trace.get(f"/lots/{lot}/export-readiness")}
    assert rows["JP"]["overridden"] and not rows["JP"]["ready"]
