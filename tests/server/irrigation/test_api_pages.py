"""API and form routes: settings validation, water now / stop, alerts, access control."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlmodel import Session

import server.models as m
from server.models.irrigation import Alert, ValveCommand, ZoneIrrigation
from tests.server.conftest import World
from tests.support.login import page_login


def _valve(world: World, zone: str = "carrot") -> int:
    with Session(world.engine) as s:
        d = m.Device(uid=f"{zone}-v1", zone_id=world.zones[zone], role=m.DeviceRole.valve)
        s.add(d)
        s.commit()
        assert d.id is not None
        return d.id


def test_settings_read_edit_and_validation(world: World) -> None:
    h = world.auth("carrot_farmer")
    z = world.zones["carrot"]
    r = world.client.get(f"/api/v1/zones/{z}/irrigation/status", headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["settings"]["profile"] == "carrot"
    r = world.client.put(f"/api/v1/zones/{z}/irrigation/settings", headers=h,
                         json={"on_pct": 44, "off_pct": 58, "windows": "05:00-08:00"})
    assert r.status_code == 200 and r.json()["on_pct"] == 44
    # bad combinations: 422 and nothing written
    for body in ({"on_pct": 60}, {"windows": "25:00-26:00"}, {"mode": "always"},
                 {"flow_lpm": 0}, {"nonsense": 1}):
        r = world.client.put(f"/api/v1/zones/{z}/irrigation/settings", headers=h, json=body)
        assert r.status_code == 422, (body, r.text)
    with Session(world.engine) as s:
        row = s.get(ZoneIrrigation, z)
        assert row is not None and (row.on_pct, row.off_pct, row.windows) == (44, 58, "05:00-08:00")
    # another co-op's zone
    r = world.client.put(f"/api/v1/zones/{world.zones['lychee']}/irrigation/settings", headers=h,
                         json={"on_pct": 40})
    assert r.status_code in (403, 404)  # another co-op's zone: refused, nothing shown


def test_water_now_and_stop_queue_commands_with_increasing_ids(world: World) -> None:
    h = world.auth("carrot_farmer")
    z = world.zones["carrot"]
    r = world.client.post(f"/api/v1/zones/{z}/irrigation/water", headers=h, json={"minutes": 12})
    assert r.status_code == 409  # no valve yet, nothing written
    assert world.count(ValveCommand) == 0
    _valve(world)
    r = world.client.post(f"/api/v1/zones/{z}/irrigation/water", headers=h, json={"minutes": 12})
    assert r.status_code == 202, r.text
    assert r.json()[0] | {"expires_at": None} == {
        "id": 1, "cmd_id": 1, "op": "open", "dur_s": 720, "status": "pending", "reason": None,
        "trigger": "manual", "expires_at": None, "litres": None}
    r = world.client.post(f"/api/v1/zones/{z}/irrigation/stop", headers=h)
    assert r.status_code == 202 and r.json()[0]["cmd_id"] == 2
    assert world.client.post(f"/api/v1/zones/{z}/irrigation/water", headers=h,
                             json={"minutes": 0}).status_code == 422
    assert world.client.post(f"/api/v1/zones/{z}/irrigation/water",
                             headers=world.auth("lychee_farmer"),
                             json={"minutes": 5}).status_code in (403, 404)
    cmds = world.client.get(f"/api/v1/zones/{z}/irrigation/commands", headers=h).json()
    assert [(c["cmd_id"], c["op"], c["status"]) for c in cmds] == [
        (2, "close", "pending"), (1, "open", "superseded")]


def test_alerts_list_and_acknowledge(world: World) -> None:
    from datetime import datetime

    now = datetime.now(UTC)
    with Session(world.engine) as s:
        for org in ("carrot", "lychee"):
            s.add(Alert(organisation_id=world.orgs[org], zone_id=world.zones[org], kind="too_dry",
                        key=f"too_dry:{world.zones[org]}", message="Đất khu quá khô — tưới ngay",
                        opened_at=now, last_seen_at=now))
        s.commit()
    h = world.auth("carrot_farmer")
    got = world.client.get("/api/v1/alerts", headers=h).json()
    assert len(got) == 1 and got[0]["organisation_id"] == world.orgs["carrot"]
    aid = got[0]["id"]
    r = world.client.post(f"/api/v1/alerts/{aid}/acknowledge", headers=h)
    assert r.status_code == 200 and r.json()["state"] == "acknowledged"
    assert r.json()["acknowledged_by"] == world.users["carrot_farmer"]
    other = [a for a in world.client.get("/api/v1/alerts", headers=world.auth("admin")).json()
             if a["organisation_id"] == world.orgs["lychee"]][0]
    assert world.client.post(f"/api/v1/alerts/{other['id']}/acknowledge",
                             headers=h).status_code in (403, 404)


def test_forms_need_csrf_and_redirect_back(world: World) -> None:
    _valve(world)
    c = world.client
    r = page_login(c, "carrot_farmer", "correct horse battery", next="/farm",
                   follow_redirects=False)
    assert r.status_code == 303
    csrf = c.cookies.get("nongso_csrf")
    z = world.zones["carrot"]
    r = c.post(f"/zones/{z}/water", data={"minutes": "10"}, follow_redirects=False)
    assert r.status_code == 403 and world.count(ValveCommand) == 0
    r = c.post(f"/zones/{z}/water", data={"minutes": "10", "csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/farm?ok=water")
    page = c.get("/farm").text
    assert "Tưới ngay" in page and "Dừng" in page and "Đang gửi lệnh mở" in page
    r = c.post(f"/zones/{z}/stop", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert world.count(ValveCommand) == 2
    page = c.get(f"/zones/{z}/irrigation").text
    assert "Cài đặt tưới" in page and "Lệnh gần đây" in page
    r = c.post(f"/zones/{z}/irrigation", data={"csrf": csrf, "on_pct": "70", "off_pct": "60"})
    assert r.status_code == 422 and "Giá trị không hợp lệ" in r.text
    r = c.post(f"/zones/{z}/irrigation", data={"csrf": csrf, "on_pct": "41", "off_pct": "53",
                                               "windows": "05:00-09:00"}, follow_redirects=False)
    assert r.status_code == 303
    with Session(world.engine) as s:
        row = s.get(ZoneIrrigation, z)
        assert row is not None and (row.on_pct, row.off_pct) == (41, 53)


def test_status_get_never_writes(world: World) -> None:
    """Issue 14.5: the status GET shows the crop defaults of a zone without settings, and
    leaves ``irrigation_zones`` empty (it used to commit a row)."""
    import sqlalchemy as sa

    z = world.zones["carrot"]
    h = world.auth("carrot_farmer")
    writes: list[str] = []

    def seen(_c: Any, _cur: Any, stmt: str, *_a: Any) -> None:
        if stmt.lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            writes.append(stmt)

    def committed(_c: Any) -> None:
        writes.append("COMMIT")

    sa.event.listen(world.engine, "before_cursor_execute", seen)
    sa.event.listen(world.engine, "commit", committed)
    try:
        r = world.client.get(f"/api/v1/zones/{z}/irrigation/status", headers=h)
        page = world.client.get(f"/zones/{z}/irrigation", headers=h)  # the zone page too
    finally:
        sa.event.remove(world.engine, "before_cursor_execute", seen)
        sa.event.remove(world.engine, "commit", committed)
    assert r.status_code == 200, r.text
    assert page.status_code == 200 and "Cài đặt tưới" in page.text
    assert writes == []  # no statement that writes, no commit
    body = r.json()
    assert body["settings"]["profile"] == "carrot" and body["settings"]["zone_id"] == z
    assert body["valve"] == "none" and body["alerts"] == [] and body["last_watering"] is None
    assert world.count(ZoneIrrigation) == 0


def test_irrigation_routes_declare_typed_responses(world: World) -> None:
    """Issue 14.5: every irrigation route documents its answer in the OpenAPI schema."""
    spec = world.client.get("/openapi.json").json()
    routes = [(p, meth, op) for p, ops in spec["paths"].items() for meth, op in ops.items()
              if "irrigation" in op.get("tags", [])]
    assert len(routes) >= 11
    for path, meth, op in routes:
        ok = [v for k, v in op["responses"].items() if k.startswith("2")]
        schema = ok[0]["content"]["application/json"]["schema"]
        assert schema.get("$ref") or schema.get("items", {}).get("$ref") or \
            schema.get("additionalProperties"), (meth, path, schema)
    names = set(spec["components"]["schemas"])
    assert {"IrrigationStatusPublic", "ZoneIrrigationPublic", "ValveCommandPublic",
            "AlertPublic", "AlertWebhookPublic", "IrrigationLogPublic"} <= names
