"""Pre-harvest intervals from the product list (issue 17): a spraying whose diary entry
has no interval takes the registered label's, when the list has the product for the crop;
otherwise the interval is unknown — never "respected"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from server.models.trace import LotFlag
from server.trace.diary import label_phi
from tests.server.conftest import World
from tests.server.trace.conftest import Trace


def test_label_list() -> None:
    known = label_phi("reasgant 3.6ec", "lychee")  # trade names compared without case
    assert known is not None and known[0] == 7 and "Reasgant" in known[1]
    assert label_phi("Reasgant 3.6EC", "carrot") is None  # not registered for that crop
    assert label_phi("Kasumin 2SL", "lychee") is None  # not on the list: unknown


def test_label_phi_flags_and_unknown_never_respected(trace: Trace, world: World) -> None:
    harvest = datetime(2026, 6, 8, 6, 0, tzinfo=UTC)
    zone = world.zones["lychee"]
    for name, days in (("Reasgant 3.6EC", 3), ("Kasumin 2SL", 2)):
        trace.post(f"/zones/{zone}/diary", {
            "kind": "spraying", "product_name": name, "dose": 0.5, "dose_unit": "l/ha",
            "performed_at": (harvest - timedelta(days=days)).isoformat()})
    lot = trace.lot(trace.product(), "PHI-1")["id"]
    trace.event(lot, "harvest", time=harvest.isoformat())
    flags = trace.get(f"/lots/{lot}/flags")
    assert len(flags) == 1 and "Reasgant" in flags[0]["reason"]
    assert "7 days (registered label)" in flags[0]["reason"]
    assert world.count(LotFlag) == 1
    sprays = {s["product"]: s for s in trace.get(f"/lots/{lot}/diary")["sprayings"]}
    assert sprays["Reasgant 3.6EC"]["phi_days"] == 7
    assert sprays["Reasgant 3.6EC"]["phi_respected"] is False
    assert sprays["Kasumin 2SL"]["phi_days"] is None
    assert sprays["Kasumin 2SL"]["phi_respected"] is None
