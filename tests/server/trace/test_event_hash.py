"""The EPCIS event hash against the worked examples published with the algorithm."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from server.trace.event_hash import canonical_uri, event_hash, prehash

pytestmark = pytest.mark.filterwarnings("ignore:open_text is deprecated:DeprecationWarning")
FIXTURES = Path(__file__).parents[2] / "fixtures" / "epcis" / "event_hash"
EXPECTED = {k: v for k, v in json.loads((FIXTURES / "expected.json").read_text("utf-8")).items()
            if not k.startswith("_")}


def _load(name: str) -> tuple[dict, object]:
    doc = json.loads((FIXTURES / name).read_text("utf-8"))
    return doc["epcisBody"]["eventList"][0], doc["@context"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_worked_examples_prehash_and_hash(name: str) -> None:
    event, context = _load(name)
    assert prehash(event, context) == EXPECTED[name]["prehash"]
    assert event_hash(event, context) == EXPECTED[name]["hash"]


def test_field_order_and_list_order_do_not_matter() -> None:
    event, context = _load("ReferenceEventHashAlgorithm.jsonld")
    shuffled = dict(reversed(list(event.items())))
    shuffled["epcList"] = list(reversed(shuffled["epcList"]))
    assert event_hash(shuffled, context) == EXPECTED["ReferenceEventHashAlgorithm.jsonld"]["hash"]


def test_any_change_changes_the_hash() -> None:
    event, context = _load("ReferenceEventHashAlgorithm3.jsonld")
    base = event_hash(event, context)
    for mutate in (lambda e: e.update(eventTime="2020-03-04T11:00:31+01:00"),
                   lambda e: e.update(disposition="in_progress"),
                   lambda e: e["readPoint"].update({"example:myField1": "AB-13"}),
                   lambda e: e.pop("sourceList")):
        changed = copy.deepcopy(event)
        mutate(changed)
        assert event_hash(changed, context) != base


def test_ignored_fields_and_equivalent_notations() -> None:
    event, context = _load("ReferenceEventHashAlgorithm3.jsonld")
    base = event_hash(event, context)
    same = copy.deepcopy(event)
    same["eventID"] = "urn:uuid:8b2f1a8e-0000-4000-8000-000000000000"
    same["recordTime"] = "2024-01-01T00:00:00Z"
    same["bizStep"] = "urn:epcglobal:cbv:bizstep:departing"  # URN form of the bare value
    same["eventTime"] = "2020-03-04T10:00:30.0004Z"  # same instant in UTC, sub-ms rounds down
    assert event_hash(same, context) == base


def test_timestamp_rounding_and_canonical_links() -> None:
    ev = {"type": "ObjectEvent", "eventTime": "2023-01-18T11:04:03.1415Z",
          "eventTimeZoneOffset": "+00:00", "epcList": [], "action": "OBSERVE"}
    assert "eventTime=2023-01-18T11:04:03.142Z" in prehash(ev)
    assert (canonical_uri("https://nongso.example/app/01/8934602001078/10/L-1/21/X?x=1")
            == "https://id.gs1.org/01/08934602001078/21/X")
    # As in GS1's reference: a percent-escape is outside the canonical form's character set,
    # and a URI without a "." is no identifier; both are hashed as written.
    odd = "https://nongso.example/01/08934602001078/10/L%2F1"
    assert canonical_uri(odd) == odd
    assert (canonical_uri("http://nongso.vn/01/08934602001078/10/VTH-1")
            == "https://id.gs1.org/01/08934602001078/10/VTH-1")
    assert canonical_uri("http://localhost:8000/01/08934602001078/10/VTH1") == (
        "http://localhost:8000/01/08934602001078/10/VTH1")
    assert canonical_uri("urn:epc:class:lgtin:893460.2001071.L1").startswith(
        "https://id.gs1.org/01/")


# ------------------------------------------------------------------------------------------
# GS1's reference implementation as the oracle


def reference_hashes(document: dict) -> list[str]:
    """What ``epcis-event-hash-generator`` (GS1's reference) computes for a document."""
    import logging

    from epcis_event_hash_generator import hash_generator, json_to_py

    json_to_py._namespaces.clear()  # the reference keeps prefixes across documents
    logging.disable(logging.WARNING)
    try:
        events = json_to_py.event_list_from_epcis_document_json(copy.deepcopy(document))
        return list(hash_generator.epcis_hashes_from_events(events))
    finally:
        logging.disable(logging.NOTSET)


SHARED = Path(__file__).resolve().parents[4] / "shared" / "gs1" / "epcis-examples"
#: GS1 examples the reference itself cannot hash: a bizTransaction without a type (it stops
#: with a TypeError) and a document redefining the protected prefix ``cbvmda`` (its JSON-LD
#: processor refuses it); the query document has no eventList.
REFERENCE_FAILS = {"Example-TransactionEvents-2020_07_03y.jsonld",
                   "WithFullCombinationOfFields__transformation_event_all_possible_fields.jsonld",
                   "EPCISQueryDocument.jsonld"}


def _shared_examples() -> list[str]:
    return sorted(p.name for p in SHARED.glob("*.jsonld") if p.name not in REFERENCE_FAILS)


def test_shared_examples_are_present() -> None:
    assert len(_shared_examples()) >= 44


@pytest.mark.parametrize("name", _shared_examples())
def test_every_gs1_example_hashes_as_the_reference(name: str) -> None:
    from server.trace.event_hash import prehashes

    doc = json.loads((SHARED / name).read_text("utf-8"))
    expected = reference_hashes(doc)
    events = doc["epcisBody"]["eventList"]
    assert len(expected) == len(events) == len(prehashes(doc))
    for event, want in zip(events, expected, strict=True):
        assert event_hash(event, doc["@context"]) == want, name


def _doc(event: dict, extra_context: list | None = None) -> dict:
    return {"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                         *(extra_context or [])],
            "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": "2025-06-05T00:00:00Z", "epcisBody": {"eventList": [event]}}


_BASE_EVENT = {"type": "ObjectEvent", "eventTime": "2025-06-05T06:30:00.000+07:00",
               "eventTimeZoneOffset": "+07:00", "epcList": [], "action": "OBSERVE",
               "bizStep": "inspecting", "readPoint": {"id": "https://id.gs1.org/414/8930000000019"}}


@pytest.mark.parametrize("extra", [
    {"quantityList": [{"epcClass": "https://nongso.vn/01/08934602001078/10/L1",
                       "quantity": 4.0, "uom": "KGM"}]},
    {"quantityList": [{"epcClass": "urn:epc:class:lgtin:893460.2001071.L1",
                       "quantity": "4.50", "uom": "KGM"}]},
    {"quantityList": [{"epcClass": "https://nongso.vn/01/08934602001078/10/L1", "quantity": 12}]},
    {"sensorElementList": [{"sensorMetadata": {"time": "2025-06-05T06:00:00.0005+07:00"},
                            "sensorReport": [{"type": "Temperature", "value": 4.50, "uom": "CEL"},
                                             {"type": "gs1:RelativeHumidity", "value": 1e-7},
                                             {"type": "Temperature", "booleanValue": True,
                                              "exception": "ALARM_CONDITION"}]}]},
    {"disposition": "urn:epcglobal:cbv:disp:in_transit",
     "destinationList": [{"type": "location", "destination": "https://id.gs1.org/414/0614141000005"}],
     "bizTransactionList": [{"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:8930000000019:1"}]},
    {"action": "ADD", "bizStep": "commissioning",
     "ilmd": {"cbvmda:countryOfOrigin": "VN", "cbvmda:harvestStartDate": "2025-06-05",
              "cbvmda:farmList": [{"cbvmda:farm": "https://id.gs1.org/414/8930000000019"}],
              "nongso:plantingAreaCode": "VN-31-10813-001-25"}},
    {"errorDeclaration": {"declarationTime": "2025-06-06T00:00:00Z", "reason": "incorrect_data"},
     "persistentDisposition": {"set": ["completeness_verified"], "unset": ["completeness_inferred"]}},
    {"certificationInfo": "https://nongso.vn/certification/1", "nongso:grade": "A"},
])
def test_field_types_hash_as_the_reference(extra: dict) -> None:
    """Canonical numbers, quantities, sensors, CBV URNs, lists, ILMD, error declarations."""
    event = {**_BASE_EVENT, **extra}
    doc = _doc(event, [{"nongso": "https://nongso.vn/voc/"}])
    assert event_hash(event, doc["@context"]) == reference_hashes(doc)[0]
