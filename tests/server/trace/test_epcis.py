"""EPCIS 2.0 export (schema-valid, hash IDs, +07:00, sensors) and capture of partner documents."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from sqlmodel import Session, delete

from server.models.trace import EventLot, TraceEvent
from server.trace.epcis import validate_document
from server.trace.event_hash import event_hash
from tests.server.conftest import World
from tests.server.trace.conftest import Trace
from tests.server.trace.test_event_hash import reference_hashes

pytestmark = pytest.mark.filterwarnings("ignore:open_text is deprecated:DeprecationWarning")
GS1 = Path(__file__).parents[2] / "fixtures" / "epcis" / "gs1"
EXAMPLES = sorted(p.name for p in GS1.glob("*.jsonld"))


def _history(trace: Trace) -> tuple[dict, int]:
    p = trace.product()
    lot = trace.lot(p, "VTH-2025-01", qty=1200)["id"]
    trace.event(lot, "harvest", time="2025-06-05T06:30:00+07:00")
    trace.event(lot, "inspect", who="lychee_farmer", time="2025-06-05T09:00:00+07:00")
    trace.event(lot, "pack", who="lychee_farmer", carton_count=3, time="2025-06-05T10:00:00+07:00")
    trace.event(lot, "store", time="2025-06-05T12:00:00+07:00",
                sensors=[{"type": "Temperature", "value": 4.5, "uom": "CEL"}])
    trace.event(lot, "ship", time="2025-06-06T05:00:00+07:00",
                destination="https://id.gs1.org/414/0614141000005")
    trace.event(lot, "receive", time="2025-06-06T11:00:00+07:00")
    return p, lot


def test_export_is_valid_and_carries_hash_ids(trace: Trace) -> None:
    _, lot = _history(trace)
    doc = trace.get(f"/lots/{lot}/epcis", who="lychee_farmer")
    assert validate_document(doc) == []
    events = doc["epcisBody"]["eventList"]
    assert [e.get("bizStep") for e in events] == [
        "commissioning", "inspecting", "packing", "packing", "packing", "storing", "shipping",
        "receiving"]
    assert {e["type"] for e in events} == {"ObjectEvent", "AggregationEvent"}
    for e in events:
        assert e["eventTimeZoneOffset"] == "+07:00" and e["eventTime"].endswith("+07:00")
        assert e["eventID"].startswith("ni:///sha-256;") and e["eventID"].endswith("?ver=CBV2.0")
        assert e["eventID"] == event_hash(e, doc["@context"])
        assert e["readPoint"]["id"]
    assert len({e["eventID"] for e in events}) == len(events)
    # GS1's reference implementation computes the same hash for every exported event.
    assert [e["eventID"] for e in events] == reference_hashes(doc)
    harvest = events[0]
    assert harvest["action"] == "ADD" and harvest["disposition"] == "active"
    assert harvest["quantityList"][0]["epcClass"].endswith("/10/VTH-2025-01")
    assert harvest["quantityList"][0]["quantity"] == 1200
    store = events[5]
    assert store["sensorElementList"][0]["sensorReport"] == [
        {"type": "Temperature", "value": 4.5, "uom": "CEL"}]
    packs = [e for e in events if e["type"] == "AggregationEvent"]
    assert len({e["parentID"] for e in packs}) == 3
    timeline = trace.get(f"/lots/{lot}/timeline")
    assert [t["label_vi"] for t in timeline][:3] == ["Thu hoạch", "Kiểm tra", "Đóng thùng"]


def test_export_access(trace: Trace) -> None:
    _, lot = _history(trace)
    trace.get(f"/lots/{lot}/epcis", who="carrot_admin", status=404)
    trace.get(f"/lots/{lot}/epcis", who="admin")
    trace.event(lot, "inspect", who="carrot_farmer", status=404)
    trace.post(f"/lots/{lot}/events", {"kind": "harvest", "disposition": "tasty"}, status=422)
    trace.post(f"/lots/{lot}/events", {"kind": "harvesting"}, status=422)


def test_capture_gs1_examples_then_export_keeps_events(trace: Trace, world: World) -> None:
    assert len(EXAMPLES) >= 8
    for name in EXAMPLES:
        _capture_round_trip(trace, world, name)


def _capture_round_trip(trace: Trace, world: World, name: str) -> None:
    with Session(world.engine) as s:  # each example on its own: start from an empty store
        s.execute(delete(EventLot))
        s.execute(delete(TraceEvent))
        s.commit()
    doc = json.loads((GS1 / name).read_text("utf-8"))
    res = trace.post("/epcis/capture", doc)
    sent = doc["epcisBody"]["eventList"]
    assert res["received"] == len(sent) and res["stored"] == len(sent)
    again = trace.post("/epcis/capture", doc)
    assert again["stored"] == 0 and again["duplicates"] == len(sent)
    out = trace.get("/epcis/events")
    assert validate_document(out) == []
    got = out["epcisBody"]["eventList"]
    assert len(got) == len(sent)
    by_id = {e["eventID"]: e for e in got}
    for ev in sent:
        want = dict(ev)
        want.setdefault("eventID", event_hash(ev, doc["@context"]))
        assert by_id[want["eventID"]] == want
    # The partner's extension prefixes travel with the export.
    for item in doc["@context"] if isinstance(doc["@context"], list) else []:
        if isinstance(item, dict):
            assert item.items() <= out["@context"][1].items()
    # The reference agrees with every event ID of the export (those we computed and the
    # partner's own, when the partner used the hash algorithm).
    partner_ids = {ev["eventID"] for ev in sent if "eventID" in ev}
    for ev, want in zip(got, reference_hashes(out), strict=True):
        if ev["eventID"] not in partner_ids:
            assert ev["eventID"] == want, name
    # capturing the export back changes nothing
    assert trace.post("/epcis/capture", out)["stored"] == 0
    assert trace.get("/epcis/events", who="carrot_admin")["epcisBody"]["eventList"] == []


def test_capture_rejects_invalid_and_writes_nothing(trace: Trace, world: World) -> None:
    doc = json.loads((GS1 / "Example_9.6.1-ObjectEvent.jsonld").read_text("utf-8"))
    bad_time = copy.deepcopy(doc)
    bad_time["epcisBody"]["eventList"][-1]["eventTime"] = "yesterday"
    no_context = copy.deepcopy(doc)
    no_context.pop("@context")
    for bad in (bad_time, no_context, {"type": "EPCISDocument"}, [1, 2]):
        r = world.client.post("/api/v1/epcis/capture", json=bad,
                              headers=trace.headers("lychee_admin"))
        assert r.status_code == 422, r.text
    missing_action = copy.deepcopy(doc)
    missing_action["epcisBody"]["eventList"][0].pop("action")
    trace.post("/epcis/capture", missing_action, status=422)
    assert world.count(TraceEvent) == 0
    trace.post("/epcis/capture", doc, who="lychee_farmer", status=403)
    trace.post(f"/epcis/capture?org_id={world.orgs['carrot']}", doc, status=403)


def test_partner_event_naming_our_lot_joins_its_history(trace: Trace, world: World) -> None:
    p, lot = _history(trace)
    gtin = p["gtin"]
    partner = {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                     {"ex": "https://importer.example.jp/epcis/"}],
        "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2025-06-09T10:00:00Z",
        "epcisBody": {"eventList": [{
            "type": "ObjectEvent", "eventTime": "2025-06-09T09:00:00.000+09:00",
            "eventTimeZoneOffset": "+09:00", "epcList": [], "action": "OBSERVE",
            "quantityList": [{"epcClass": f"https://id.importer.example/01/{gtin}/10/VTH-2025-01",
                              "quantity": 400, "uom": "KGM"}],
            "bizStep": "receiving", "disposition": "sellable_not_accessible",
            "readPoint": {"id": "https://id.gs1.org/414/4912345000019"},
            "ex:inspectionNo": "JP-PQ-7781"}]}}
    res = trace.post("/epcis/capture", partner)
    assert res["linked_lots"] == [lot]
    doc = trace.get(f"/lots/{lot}/epcis")
    assert validate_document(doc) == []
    last = doc["epcisBody"]["eventList"][-1]
    assert last["ex:inspectionNo"] == "JP-PQ-7781"
    assert {"ex": "https://importer.example.jp/epcis/"}.items() <= doc["@context"][1].items()
    assert [e["eventID"] for e in doc["epcisBody"]["eventList"]] == reference_hashes(doc)
    assert world.count(EventLot) >= 9


def test_harvest_event_carries_origin_master_data(trace: Trace, world: World) -> None:
    """ILMD per CBV 2.0: country of origin, harvest date, farm GLN, planting-area code."""
    from datetime import date

    from server.models import Zone
    from server.models.trace import CodeKind, Location, LocationKind, RegistrationCode

    with Session(world.engine) as s:
        zone = s.get(Zone, world.zones["lychee"])
        s.add(Location(organisation_id=world.orgs["lychee"], name="Vườn Thanh Hà",
                       kind=LocationKind.farm, gln="8930000000019", farm_id=zone.farm_id))
        s.add(RegistrationCode(organisation_id=world.orgs["lychee"], kind=CodeKind.planting_area,
                               code="VN-31-10813-001-25", authority="Cục Bảo vệ thực vật",
                               issued_on=date(2025, 1, 10), zone_id=zone.id))
        s.commit()
    _, lot = _history(trace)
    doc = trace.get(f"/lots/{lot}/epcis")
    assert validate_document(doc) == []
    ilmd = doc["epcisBody"]["eventList"][0]["ilmd"]
    assert ilmd == {"cbvmda:countryOfOrigin": "VN", "cbvmda:harvestStartDate": "2025-06-05",
                    "cbvmda:harvestEndDate": "2025-06-05",
                    "cbvmda:farmList": [{"cbvmda:farm": "https://id.gs1.org/414/8930000000019"}],
                    "nongso:plantingAreaCode": "VN-31-10813-001-25"}
    assert {"nongso": "https://nongso.vn/voc/"}.items() <= doc["@context"][1].items()
    assert [e["eventID"] for e in doc["epcisBody"]["eventList"]] == reference_hashes(doc)


def test_demo_lots_exports_hash_as_the_reference(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Every lot of the demo seed: its EPCIS export's event IDs are the reference's."""
    from sqlmodel import select

    from server.db import make_engine
    from server.migrate import upgrade
    from server.models.trace import Lot
    from server.seed import seed_demo
    from server.trace import epcis, lineage, lots

    monkeypatch.setenv("NONGSO_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("NONGSO_DATABASE_URL", raising=False)
    url = f"sqlite:///{tmp_path / 'nongso.db'}"
    upgrade(url)
    engine = make_engine(url)
    seed_demo(engine, devices=0)
    with Session(engine) as s:
        all_lots = s.exec(select(Lot)).all()
        assert all_lots
        for lot in all_lots:
            assert lot.id is not None
            events = lots.lot_events(s, lineage.lineage(s, lot.id))
            doc = epcis.document([e.document for e in events])
            assert validate_document(doc) == []
            assert [e["eventID"] for e in doc["epcisBody"]["eventList"]] == reference_hashes(doc)
