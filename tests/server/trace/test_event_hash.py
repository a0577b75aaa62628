"""The EPCIS event hash against the worked examples published with the algorithm."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from server.trace.event_hash import canonical_uri, event_hash, prehash

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
    assert (canonical_uri("https://nongso.example/app/01/8934602001078/10/L%2F1/21/X?x=1")
            == "https://id.gs1.org/01/08934602001078/21/X")
    assert (canonical_uri("http://localhost:8000/01/08934602001078/10/VTH-1")
            == "https://id.gs1.org/01/08934602001078/10/VTH-1")
    assert canonical_uri("urn:epc:class:lgtin:893460.2001071.L1").startswith(
        "https://id.gs1.org/01/")
