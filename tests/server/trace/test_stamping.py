"""Harvest inside a pre-harvest interval blocks stamping; the inspector override is recorded."""

from __future__ import annotations

from datetime import UTC

import pytest
from sqlmodel import Session

from server.models.trace import LotFlag
from server.trace.diary import diary_summary, irrigation_summary
from server.trace.errors import LotNotStampable
from server.trace.stamping import assert_stampable
from tests.server.conftest import World
from tests.server.trace.conftest import Trace, add_inspector

SPRAY = {"kind": "spraying", "product_name": "Reasgant 3.6EC",
         "active_ingredient": "Abamectin", "dose": 0.5, "dose_unit": "l/ha", "phi_days": 7}


def _lot(trace: Trace, code: str = "VTH-1") -> int:
    return int(trace.lot(trace.product(), code)["id"])


def test_harvest_inside_phi_blocks_until_inspector_overrides(trace: Trace, world: World) -> None:
    zone = world.zones["lychee"]
    trace.post(f"/zones/{zone}/diary", {**SPRAY, "performed_at": "2025-06-01T07:00:00+07:00"},
               who="lychee_farmer")
    lot = _lot(trace)
    res = trace.event(lot, "harvest", time="2025-06-05T06:00:00+07:00")  # 4 days < 7
    assert res["blocked"] is True
    with Session(world.engine) as s, pytest.raises(LotNotStampable) as exc:
        assert_stampable(s, lot)
    assert exc.value.status_code == 409 and "pre-harvest interval is 7 days" in exc.value.detail
    assert trace.get(f"/lots/{lot}")["blocked"] is True

    body = {"reason": "Mẫu kiểm nghiệm dư lượng Abamectin đạt (< MRL), phiếu số 123/KN"}
    # the co-op cannot lift its own block; another co-op neither
    trace.post(f"/lots/{lot}/override", body, who="lychee_admin", status=403)
    trace.post(f"/lots/{lot}/override", body, who="carrot_admin", status=403)
    inspector = add_inspector(world)
    trace._h[inspector] = world.auth(inspector)
    trace.post(f"/lots/{lot}/override", {"reason": "ok"}, who=inspector, status=422)
    assert len(trace.get("/lots/blocked", who=inspector)) == 1
    trace.get("/lots/blocked", who="lychee_admin", status=403)
    flags = trace.post(f"/lots/{lot}/override", body, who=inspector, status=200)
    assert flags[0]["override_reason"] == body["reason"]
    assert flags[0]["overridden_by"] is not None and flags[0]["overridden_at"]
    with Session(world.engine) as s:
        assert_stampable(s, lot)  # no longer raises
        flag = s.get(LotFlag, flags[0]["id"])
        assert flag is not None and flag.overridden_at is not None
    assert trace.get(f"/lots/{lot}")["blocked"] is False
    trace.post(f"/lots/{lot}/override", body, who=inspector, status=422)  # nothing left


def test_harvest_after_phi_is_not_blocked(trace: Trace, world: World) -> None:
    zone = world.zones["lychee"]
    trace.post(f"/zones/{zone}/diary", {**SPRAY, "performed_at": "2025-05-20T07:00:00+07:00"})
    trace.post(f"/zones/{zone}/diary", {"kind": "fertilising", "product_name": "NPK 16-16-8",
                                        "dose": 300, "dose_unit": "kg/ha",
                                        "performed_at": "2025-05-01T07:00:00+07:00"})
    lot = _lot(trace)
    assert trace.event(lot, "harvest", time="2025-06-05T06:00:00+07:00")["blocked"] is False
    with Session(world.engine) as s:
        assert_stampable(s, lot)
        summary = diary_summary(s, lot)
    assert summary["sprayings"][0]["phi_respected"] is True
    assert summary["sprayings"][0]["days_before_harvest"] == pytest.approx(16.0, abs=0.1)
    assert summary["fertilisings"][0]["product"] == "NPK 16-16-8"
    assert summary["irrigation"]["available"] is False  # no telemetry rows: clean "no data"


def test_spraying_entered_after_harvest_still_flags(trace: Trace, world: World) -> None:
    lot = _lot(trace)
    trace.event(lot, "harvest", time="2025-06-05T06:00:00+07:00")
    trace.post(f"/zones/{world.zones['lychee']}/diary",
               {**SPRAY, "performed_at": "2025-06-03T17:00:00+07:00"})
    assert trace.get(f"/lots/{lot}")["blocked"] is True
    flags = trace.get(f"/lots/{lot}/flags")
    assert len(flags) == 1 and flags[0]["kind"] == "phi"
    trace.get(f"/lots/{lot}/flags", who="carrot_admin", status=404)


def test_diary_access_and_validation(trace: Trace, world: World) -> None:
    zone = world.zones["lychee"]
    trace.post(f"/zones/{zone}/diary", {**SPRAY, "performed_at": "2025-06-01T07:00:00+07:00"},
               who="carrot_farmer", status=404)
    trace.post(f"/zones/{zone}/diary", {**SPRAY, "phi_days": -1,
                                        "performed_at": "2025-06-01T07:00:00+07:00"}, status=422)
    assert trace.get(f"/zones/{zone}/diary", who="lychee_farmer") == []
    trace.get(f"/zones/{zone}/diary", who="carrot_admin", status=404)
    with Session(world.engine) as s:
        from datetime import datetime
        now = datetime.now(UTC)
        assert irrigation_summary(s, zone, now, now)["available"] is False
    assert trace.get(f"/zones/{zone}/irrigation")["available"] is False


def test_assert_stampable_unknown_lot(world: World) -> None:
    from server.errors import NotFound
    with Session(world.engine) as s, pytest.raises(NotFound):
        assert_stampable(s, 999)


def test_irrigation_summary_without_telemetry_tables() -> None:
    from datetime import datetime

    import sqlalchemy as sa

    engine = sa.create_engine("sqlite://")
    now = datetime.now(UTC)
    with Session(engine) as s:
        got = irrigation_summary(s, 1, now, now)
    assert got["available"] is False and got["reason"] == "no telemetry store"


def test_a_diary_time_with_an_offset_is_stored_as_the_same_instant(trace: Trace,
                                                                     world: World) -> None:
    # SQLite drops the offset of an aware datetime it stores: 07:00+07:00 must come back as
    # 00:00 UTC, not 07:00 UTC.
    from datetime import datetime

    from sqlmodel import select

    from server.models.trace import DiaryEntry

    zone = world.zones["lychee"]
    trace.post(f"/zones/{zone}/diary", {**SPRAY, "performed_at": "2025-06-01T07:00:00+07:00"},
               who="lychee_farmer")
    with Session(world.engine) as s:
        stored = s.exec(select(DiaryEntry)).one().performed_at
    stored = stored if stored.tzinfo else stored.replace(tzinfo=UTC)
    assert stored == datetime(2025, 6, 1, 0, 0, tzinfo=UTC)
