"""Lineage through split and merge, both directions, several levels deep (SQLite and PG)."""

from __future__ import annotations

import pytest

from tests.server.trace.conftest import Trace


def _chain(trace: Trace) -> dict[str, int]:
    """A1, A2 (harvests) ─merge→ M ─split→ S1, S2;  S1 ─grade→ G1;  G1 + B ─merge→ X."""
    p = trace.product()
    ids = {c: trace.lot(p, c)["id"] for c in ("A1", "A2", "B")}

    def tf(inputs: list[str], outputs: list[str]) -> None:
        res = trace.post("/lots/transform", {
            "inputs": [{"lot_id": ids[i], "quantity": 100} for i in inputs],
            "outputs": [{"code": o, "product_id": p["id"], "quantity": 50} for o in outputs]},
            who="lychee_farmer")
        ids.update(zip(outputs, res["outputs"]))

    tf(["A1", "A2"], ["M"])
    tf(["M"], ["S1", "S2"])
    tf(["S1"], ["G1"])
    tf(["G1", "B"], ["X"])
    return ids


def _check(trace: Trace) -> None:
    ids = _chain(trace)
    name = {v: k for k, v in ids.items()}
    up = trace.get(f"/lots/{ids['X']}/lineage")
    assert sorted(name[i] for i in up["parents"]) == ["B", "G1"]
    anc = {name[int(k)]: d for k, d in up["ancestors"].items()}
    assert anc == {"G1": 1, "B": 1, "S1": 2, "M": 3, "A1": 4, "A2": 4}
    assert up["descendants"] == {}
    down = trace.get(f"/lots/{ids['A1']}/lineage")
    assert sorted(name[i] for i in down["children"]) == ["M"]
    desc = {name[int(k)]: d for k, d in down["descendants"].items()}
    assert desc == {"M": 1, "S1": 2, "S2": 2, "G1": 3, "X": 4}
    mid = trace.get(f"/lots/{ids['S2']}/lineage")
    assert {name[int(k)] for k in mid["ancestors"]} == {"M", "A1", "A2"}
    assert mid["descendants"] == {}
    # the export of X carries the whole history: 4 transformations
    doc = trace.get(f"/lots/{ids['X']}/epcis")
    assert [e["type"] for e in doc["epcisBody"]["eventList"]].count("TransformationEvent") == 4
    # another co-op sees nothing of it
    trace.get(f"/lots/{ids['X']}/lineage", who="carrot_admin", status=404)


def test_lineage_sqlite(trace: Trace) -> None:
    _check(trace)


def test_lineage_postgres(pg_trace: Trace) -> None:
    _check(pg_trace)


def test_transform_rejects_bad_input(trace: Trace) -> None:
    p = trace.product()
    a = trace.lot(p, "A")["id"]
    carrot = trace.product("carrot", "893460200108", "Cà rốt")
    c = trace.lot(carrot, "C", zone="carrot", org="carrot")["id"]
    # another co-op's lot as output: 404 (as if missing); same lot in and out: 422; bad lot
    # code: 422
    trace.post("/lots/transform", {"inputs": [{"lot_id": a, "quantity": 1}],
                                   "outputs": [{"lot_id": c, "quantity": 1}]}, status=404)
    trace.post("/lots/transform", {"inputs": [{"lot_id": a, "quantity": 1}],
                                   "outputs": [{"lot_id": a, "quantity": 1}]}, status=422)
    trace.post("/lots/transform", {"inputs": [{"lot_id": a, "quantity": 1}],
                                   "outputs": [{"code": "có dấu", "product_id": p["id"],
                                                "quantity": 1}]}, status=422)
    assert trace.get(f"/lots/{a}/lineage")["descendants"] == {}
    assert len(trace.get("/lots")) == 1


@pytest.mark.parametrize("depth", [30])
def test_deep_chain(trace: Trace, depth: int) -> None:
    p = trace.product()
    first = prev = trace.lot(p, "L0")["id"]
    for i in range(1, depth + 1):
        res = trace.post("/lots/transform", {
            "inputs": [{"lot_id": prev, "quantity": 1}],
            "outputs": [{"code": f"L{i}", "product_id": p["id"], "quantity": 1}]})
        prev = res["outputs"][0]
    assert len(trace.get(f"/lots/{first}/lineage")["descendants"]) == depth
    assert max(trace.get(f"/lots/{prev}/lineage")["ancestors"].values()) == depth
