"""GI rights through the API (issue 17): a co-op admin records and edits its right; an
inspector verifies it; an edit clears the verification; other co-ops cannot touch it.
And the searchable list of communes that forms use."""

from __future__ import annotations

from typing import Any

from tests.server.conftest import World
from tests.server.trace.conftest import Trace, add_inspector

RIGHT: dict[str, Any] = {
    "gi_name": "Thanh Hà", "registration_number": "00010", "holder": "UBND xã Thanh Hà",
    "product": "Quả vải thiều", "crop": "lychee", "variety": "vải thiều",
    "area_communes": ["10867", "10813"], "valid_from": "2007-06-01"}


def test_gi_right_lifecycle(trace: Trace, world: World) -> None:
    right = trace.post("/gi-rights", RIGHT)
    assert right["organisation_id"] == world.orgs["lychee"] and right["verified_at"] is None
    assert right["area_communes"] == ["10813", "10867"]
    trace.post("/gi-rights", RIGHT | {"area_communes": ["123"]}, status=422)
    trace.post("/gi-rights", RIGHT | {"valid_until": "2000-01-01"}, status=422)
    trace.post("/gi-rights", RIGHT, who="lychee_farmer", status=403)
    inspector = add_inspector(world)
    trace.post(f"/gi-rights/{right['id']}/verify", {}, who="lychee_admin", status=403)
    verified = trace.post(f"/gi-rights/{right['id']}/verify", {}, who=inspector, status=200)
    assert verified["verified_at"] and verified["verified_by"]
    assert [r["id"] for r in trace.get("/gi-rights", who=inspector)] == [right["id"]]
    assert trace.get("/gi-rights", who="carrot_admin") == []
    r = world.client.put(f"/api/v1/gi-rights/{right['id']}", json=RIGHT,
                         headers=trace.headers("carrot_admin"))
    assert r.status_code == 404  # another co-op's right reads as missing
    r = world.client.put(f"/api/v1/gi-rights/{right['id']}",
                         json=RIGHT | {"registration_number": "00011"},
                         headers=trace.headers("lychee_admin"))
    assert r.status_code == 200 and r.json()["verified_at"] is None  # check again


def test_commune_search_for_forms(trace: Trace) -> None:
    found = trace.get("/admin-units/communes?q=thanh%20ha&province=31")
    assert {"code": "10813", "name": "Xã Thanh Hà", "province_code": "31",
            "label": "Xã Thanh Hà, Thành phố Hải Phòng"} in found
    assert len(trace.get("/admin-units/provinces")) == 34
    trace.get("/admin-units/communes?province=30", status=422)  # Hải Dương: abolished
