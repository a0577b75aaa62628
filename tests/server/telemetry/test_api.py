"""Devices, claims and readings through the API (and the claim page), on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from server.telemetry.credentials import mosquitto_hash
from server.telemetry.dispatch import DeviceDirectory, add_message
from server.telemetry.store import Batch, Store
from tests.server.conftest import World
from tests.support.login import page_login

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _ingest(world: World, uid: str, readings: list[tuple[int, datetime, float]]) -> None:
    """Feed readings through the real dispatch and store (no broker needed here)."""
    batch = Batch()
    d = DeviceDirectory(world.engine)
    for seq, t, m in readings:
        body = b'{"v":1,"seq":%d,"t":%d,"m":%s,"bat":3900,"drop":2}' % (
            seq, int(t.timestamp()), str(m).encode())
        assert add_message(batch, d, f"nongso/v1/{uid}/telemetry", body, t.timestamp() + 5) is None
    Store(world.engine).write(batch)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_world(request: pytest.FixtureRequest) -> World:
    return request.getfixturevalue("world" if request.param == "sqlite" else "pg_world")  # type: ignore[no-any-return]


def test_device_lifecycle_and_permissions(world: World) -> None:
    c, zone = world.client, world.zones["lychee"]
    admin = world.auth("lychee_admin")
    r = c.post(f"/api/v1/zones/{zone}/devices", json={"role": "sensor", "uid": "ly-s1"}, headers=admin)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["mqtt_username"] == "ly-s1" and len(body["mqtt_password"]) >= 20
    assert body["topic_prefix"] == "nongso/v1/ly-s1/"
    dev = body["device"]["id"]
    assert body["device"]["health"]["status"] == "never_seen"
    farmer = world.auth("lychee_farmer")
    assert c.post(f"/api/v1/zones/{zone}/devices", json={"role": "sensor"},
                  headers=farmer).status_code == 403
    assert c.post(f"/api/v1/zones/{zone}/devices", json={"role": "sensor"},
                  headers=world.auth("carrot_admin")).status_code == 404  # not even seen
    assert c.get(f"/api/v1/devices/{dev}", headers=world.auth("carrot_farmer")).status_code == 404
    listed = c.get(f"/api/v1/zones/{zone}/devices", headers=farmer).json()
    assert [d["uid"] for d in listed] == ["ly-s1"] and "mqtt_password" not in str(listed)
    for bad in ({"role": "sensor", "uid": "ly-s1"}, {"role": "sensor", "uid": "a/b#"},
                {"role": "pump"}, {"role": "valve", "uid": "nongso-ingest"}):
        n = world.count(__import__("server.models", fromlist=["Device"]).Device)
        assert c.post(f"/api/v1/zones/{zone}/devices", json=bad, headers=admin).status_code in (409, 422)
        assert world.count(__import__("server.models", fromlist=["Device"]).Device) == n
    rot = c.post(f"/api/v1/devices/{dev}/rotate", headers=admin).json()
    assert rot["mqtt_password"] != body["mqtt_password"]
    assert c.post(f"/api/v1/devices/{dev}/revoke", headers=admin).json()["status"] == "revoked"
    assert c.post(f"/api/v1/devices/{dev}/rotate", headers=admin).status_code == 409
    # a revoked device's messages are dead letters from then on
    batch = Batch()
    reason = add_message(batch, DeviceDirectory(world.engine), "nongso/v1/ly-s1/telemetry",
                         b'{"v":1,"seq":1,"t":1760000000,"drop":0}', T0.timestamp())
    assert reason == "revoked_device"


def test_claim_qr_from_a_phone(world: World) -> None:
    import zxingcpp
    from PIL import Image

    c = world.client
    org = world.orgs["lychee"]
    made = c.post(f"/api/v1/organisations/{org}/device-claims", json={"role": "sensor", "count": 2},
                  headers=world.auth("lychee_admin"))
    assert made.status_code == 201, made.text
    board = made.json()[0]
    img = Image.open(io.BytesIO(base64.b64decode(board["qr_png_base64"])))
    decoded = zxingcpp.read_barcodes(img)
    assert [d.text for d in decoded] == [board["claim_url"]]
    path = board["claim_url"].split("://", 1)[1].split("/", 1)[1]
    # a farmer of the same co-op opens the scanned URL on the phone, logs in, picks a zone
    r = page_login(c, "lychee_farmer", "correct horse battery", follow_redirects=False)
    assert r.status_code == 303
    page = c.get("/" + path, headers={"Accept": "text/html"})
    assert page.status_code == 200 and "Gắn thiết bị mới" in page.text and board["uid"] in page.text
    csrf = c.cookies.get("nongso_csrf")
    done = c.post("/" + path, data={"zone_id": world.zones["lychee"], "csrf": csrf},
                  headers={"Accept": "text/html"})
    assert done.status_code == 200 and "Đã gắn thiết bị" in done.text, done.text
    again = c.post("/" + path, data={"zone_id": world.zones["lychee"], "csrf": csrf},
                   headers={"Accept": "text/html"})
    assert again.status_code == 409
    c.cookies.clear()
    # another co-op's farmer cannot take the second board, nor attach to a foreign zone
    other = made.json()[1]
    r = c.post("/api/v1/device-claims/claim", json={"code": other["claim_code"],
               "zone_id": world.zones["carrot"]}, headers=world.auth("carrot_farmer"))
    assert r.status_code == 403
    r = c.post("/api/v1/device-claims/claim", json={"code": other["claim_code"].lower(),
               "zone_id": world.zones["lychee"]}, headers=world.auth("lychee_farmer"))
    assert r.status_code == 201 and r.json()["uid"] == other["uid"]
    assert c.post("/api/v1/device-claims/claim", json={"code": "AAAA-BBBB-CCCC-DDDD",
                  "zone_id": world.zones["lychee"]}, headers=world.auth("lychee_farmer")).status_code == 404


def test_series_csv_latest_and_gaps(any_world: World) -> None:
    world = any_world
    c, zone = world.client, world.zones["carrot"]
    admin = world.auth("carrot_admin")
    dev = c.post(f"/api/v1/zones/{zone}/devices", json={"role": "sensor", "uid": "ca-1"},
                 headers=admin).json()["device"]["id"]
    # 3 hours of 10-minute readings, seq 4..6 never arrived
    readings = [(s, T0 + timedelta(minutes=10 * s), 20.0 + s) for s in range(1, 19) if s not in (4, 5, 6)]
    _ingest(world, "ca-1", readings)
    q = {"from": T0.isoformat(), "to": (T0 + timedelta(hours=4)).isoformat(), "bucket": "1h"}
    r = c.get(f"/api/v1/zones/{zone}/readings", params=q, headers=world.auth("carrot_farmer"))
    assert r.status_code == 200, r.text
    b = r.json()["buckets"]
    assert [x["t"] for x in b] == ["2026-03-01T00:00:00Z", "2026-03-01T01:00:00Z",
                                   "2026-03-01T02:00:00Z", "2026-03-01T03:00:00Z"]
    assert b[0] == {"t": "2026-03-01T00:00:00Z", "n": 3, "min": 21.0, "mean": 22.0, "max": 23.0}
    assert b[1]["n"] == 5 and b[1]["min"] == 27.0 and b[3]["n"] == 1
    per_dev = c.get(f"/api/v1/devices/{dev}/readings", params=q, headers=admin).json()
    assert per_dev["buckets"] == b
    assert c.get(f"/api/v1/zones/{zone}/readings", params={**q, "bucket": "1s"},
                 headers=admin).status_code == 422
    assert c.get(f"/api/v1/zones/{zone}/readings", params={**q, "metric": "x; drop"},
                 headers=admin).status_code == 422
    assert c.get(f"/api/v1/zones/{zone}/readings", params=q,
                 headers=world.auth("lychee_farmer")).status_code == 404  # another co-op's
    text = c.get(f"/api/v1/zones/{zone}/readings.csv", params=q, headers=admin).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 15 and rows[0]["device"] == "ca-1" and rows[0]["seq"] == "1"
    assert float(rows[0]["m"]) == 21.0 and rows[0]["time_utc"] == "2026-03-01T00:10:00Z"
    latest = c.get(f"/api/v1/zones/{zone}/latest", headers=admin).json()
    assert latest["moisture_pct"] == 38.0
    h = latest["devices"][0]["health"]
    assert h["missing_readings"] == 3 and h["buffer_dropped"] == 2 and h["last_seq"] == 18
    assert h["battery_mv"] == 3900 and h["status"] == "offline" and h["why"] == "silent"
    gaps = c.get(f"/api/v1/devices/{dev}/gaps", headers=admin).json()["gaps"]
    assert gaps == [{"from": 4, "to": 6, "count": 3}]
    assert c.get("/api/v1/dead-letters", headers=admin).status_code == 403
    assert c.get("/api/v1/dead-letters", headers=world.auth("admin")).status_code == 200


def test_device_uid_with_trailing_newline_is_refused(world: World, tmp_path: Path) -> None:
    """15.8: ``^…$`` let ``"abc\\n"`` through; the broker files must stay valid for all."""
    from server.models import Device
    from server.telemetry.mosquitto import INGEST_USER, BrokerAccount, write_config

    c, zone = world.client, world.zones["lychee"]
    admin = world.auth("lychee_admin")
    assert c.post(f"/api/v1/zones/{zone}/devices", json={"role": "sensor", "uid": "ly-ok"},
                  headers=admin).status_code == 201
    n = world.count(Device)
    for bad in ("abc\n", "ly-s2\n", "\nabc", "ab c"):
        r = c.post(f"/api/v1/zones/{zone}/devices", json={"role": "sensor", "uid": bad},
                   headers=admin)
        assert r.status_code == 422, (bad, r.status_code, r.text)
    assert world.count(Device) == n
    counts = write_config(tmp_path / "mq", world.engine,
                          [BrokerAccount(INGEST_USER, mosquitto_hash("pw"))])
    assert counts["devices"] == 1
    assert (tmp_path / "mq" / "passwd").read_text().startswith("ly-ok:$7$")
