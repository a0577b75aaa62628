"""Issue 23: the two-machine layout of docs/scaling.md, run for real — nginx in front of two
API nodes (one with two workers), two controllers, two ingest workers, Mosquitto and
PostgreSQL. Nothing is counted twice or lost:

* throttles hold at their single-node limits (login per address and account; failed stamp
  lookups per address), behind the proxy, on whichever node a request lands;
* a retried stamp order sent to both nodes at once gives one batch; a PIN is accepted once;
* valve commands are published once, the litres logged are the device's, through a kill
  of the leading controller in the middle of a lease (the standby takes over);
* every reading the broker acknowledged is stored, through a broker restart and an ingest
  worker killed for good and replaced (same client id, any host);
* ``/metrics`` of the two-worker node never counts backwards.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import Session

from server.db import make_engine
from server.migrate import upgrade
from server.models import Device, DeviceRole, DeviceStatus
from server.models.irrigation import ZoneIrrigation
from server.models.trace import Lot, Product
from server.stamps.services import ENUMERATION_LIMIT
from tests.cluster.cluster import Cluster, Sensors, Valve
from tests.server.stamps.conftest import GTIN13
from tests.support.services import Mosquitto, PostgresCluster
from tests.support.world import PASSWORD, build_world

SENSORS = [f"cl-s{i}" for i in range(1, 7)]


def wait(cond: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while not (got := cond()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
    return got


def _seed(url: str) -> dict[str, Any]:
    upgrade(url)
    engine = make_engine(url)
    ids: dict[str, Any] = build_world(engine)
    with Session(engine) as s:
        for key in ("lychee", "carrot"):  # manual commands only: counts are exact
            s.add(ZoneIrrigation(zone_id=ids["zones"][key], mode="off"))
        for uid, zone, role in [("cl-v1", "carrot", DeviceRole.valve),
                                *[(u, "lychee", DeviceRole.sensor) for u in SENSORS]]:
            s.add(Device(uid=uid, zone_id=ids["zones"][zone], role=role,
                         status=DeviceStatus.active))
        product = Product(name="Vải thiều Thanh Hà", gtin=GTIN13.rjust(14, "0"), crop="lychee",
                          organisation_id=ids["orgs"]["lychee"])
        s.add(product)
        s.flush()
        lot = Lot(organisation_id=ids["orgs"]["lychee"], product_id=product.id, code="CL-01",
                  quantity=100, unit="KGM", zone_id=ids["zones"]["lychee"],
                  harvested_at=datetime(2026, 6, 5, tzinfo=UTC))
        s.add(lot)
        s.commit()
        ids["lot"] = lot.id
    ids["engine"] = engine
    return ids


@pytest.fixture
def cluster(pg_cluster: PostgresCluster, mosquitto: Mosquitto,
            tmp_path: Path) -> Iterator[tuple[Cluster, dict[str, Any], Mosquitto]]:
    url = pg_cluster.create_database(timescaledb=False)
    ids = _seed(url)
    c = Cluster(tmp_path, url, f"mqtt://nongso-ingest:x@127.0.0.1:{mosquitto.port}")
    try:
        yield c.start(), ids, mosquitto
    finally:
        c.stop()
        ids["engine"].dispose()
        pg_cluster.drop_database(url.rsplit("/", 1)[1])


def _q(ids: dict[str, Any], sql: str, **params: Any) -> Any:
    with ids["engine"].connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()


def _token(http: httpx.Client, login: str) -> dict[str, str]:
    r = http.post("/api/v1/auth/login", json={"login": login, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _at_once(n: int, fn: Callable[[int], Any]) -> list[Any]:
    barrier, out = threading.Barrier(n), [None] * n

    def run(i: int) -> None:
        barrier.wait()
        out[i] = fn(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def _throttles(http: httpx.Client, genuine: str) -> None:
    """Single-node limits whichever node answers (nginx alternates), per real client."""
    phone = {"X-Forwarded-For": "203.0.113.9"}
    codes = [http.post("/api/v1/auth/login", headers=phone,
                       json={"login": "carrot_admin", "password": "wrong"}).status_code
             for _ in range(6)]
    assert codes == [401] * 5 + [429], codes
    right = http.post("/api/v1/auth/login", headers=phone,
                      json={"login": "carrot_admin", "password": PASSWORD})
    assert right.status_code == 429  # even the right password, from this address
    forged = genuine[:-1] + ("0" if genuine[-1] != "0" else "1")
    html = {**phone, "Accept": "text/html"}
    codes = [http.get(forged, headers=html).status_code for _ in range(ENUMERATION_LIMIT + 2)]
    assert codes == [404] * ENUMERATION_LIMIT + [429] * 2
    assert http.get(genuine, headers=html).status_code == 200  # carrier NAT: still served
    other = {"X-Forwarded-For": "198.51.100.20", "Accept": "text/html"}
    assert http.get(forged, headers=other).status_code == 404  # another client: its own count


def _issue_and_pin(http: httpx.Client, ids: dict[str, Any], auth: dict[str, str]) -> str:
    """The same order on both nodes at once → one batch; one PIN, six phones → one ok."""
    body = {"request_id": "cluster-order-0001", "count": 3, "with_pin": True}
    got = _at_once(2, lambda _i: http.post(f"/api/v1/lots/{ids['lot']}/stamps", json=body,
                                           headers=auth))
    assert sorted(r.status_code for r in got) in ([200, 201], [201, 201]), [r.text for r in got]
    assert len({r.json()["batch"]["id"] for r in got}) == 1
    assert _q(ids, "select count(*) from stamp_batches") == 1
    pins = next(r.json()["pins"] for r in got if r.json()["pins"])
    batch = got[0].json()["batch"]["id"]
    csv = http.get(f"/api/v1/stamp-batches/{batch}/stamps.csv", headers=auth).text
    uris = [u.split("://", 1)[1].split("/", 1)[1] for u in csv.splitlines()[1:]]
    serial, pin = next(iter(pins.items()))
    uri = "/" + next(u for u in uris if u.endswith(serial))
    answers = _at_once(6, lambda i: http.post(uri, data={"pin": pin},
                                              headers={"X-Forwarded-For": f"192.0.2.{i}"}))
    assert sum("Mã PIN đúng" in r.text for r in answers) == 1, [r.status_code for r in answers]
    return "/" + uris[0]


def _leader_pid(ids: dict[str, Any]) -> int:
    name = wait(lambda: _q(ids, "select a.application_name from pg_locks l join "
                                "pg_stat_activity a on a.pid = l.pid where "
                                "l.locktype = 'advisory' and l.granted"), 20, "a leader")
    return int(name.rsplit("-", 1)[1])


def _water(http: httpx.Client, ids: dict[str, Any], auth: dict[str, str], valve: Valve,
           litres: float, before_done: Callable[[], None] = lambda: None) -> int:
    r = http.post(f"/api/v1/zones/{ids['zones']['carrot']}/irrigation/water",
                  json={"minutes": 1}, headers=auth)
    assert r.status_code == 202, r.text
    cmd_id = r.json()[0]["cmd_id"]
    wait(lambda: _q(ids, "select status from irrigation_commands where cmd_id = :c",
                    c=cmd_id) == "accepted", 20, f"command {cmd_id} accepted")
    before_done()
    valve.done(cmd_id, litres)
    wait(lambda: _q(ids, "select status from irrigation_commands where cmd_id = :c",
                    c=cmd_id) == "done", 20, f"command {cmd_id} done")
    return int(cmd_id)


def _scrape(c: Cluster, method: str = "") -> float:
    text = httpx.get(c.url("a") + "/metrics", headers={
        "Authorization": f"Bearer {c.metrics_token}", "Connection": "close"}).text
    found = re.findall(r'^nongso_http_requests_total\{method="(\w+)"[^}]*\} (\S+)$', text,
                       re.M)
    return sum(float(v) for m, v in found if not method or m == method)


def _metrics_of_two_workers(c: Cluster) -> None:
    """Node A runs two workers; each request and scrape may land on either: the counter
    only grows and counts each request once."""
    seen = []
    for _ in range(20):
        httpx.head(c.url("a") + "/nothing-here", headers={"Connection": "close"})
        seen.append(_scrape(c, "HEAD"))
    time.sleep(1.5)  # every worker has written its file since
    assert seen == sorted(seen) and _scrape(c, "HEAD") == 20, seen


def test_two_of_everything_counts_once_and_loses_nothing(cluster) -> None:  # type: ignore[no-untyped-def]
    c, ids, broker = cluster
    valve = Valve(broker.port, "cl-v1")
    scrapes = [_scrape(c)]
    try:
        with httpx.Client(base_url=c.url(), timeout=30) as http:
            auth = _token(http, "lychee_admin")
            genuine = _issue_and_pin(http, ids, auth)
            _throttles(http, genuine)
            scrapes.append(_scrape(c))
            wait(lambda: _q(ids, "select state from device_states d join devices v on "
                                 "v.id = d.device_id where v.uid = 'cl-v1'") == "online",
                 30, "valve online (ingest running)")
            carrot = _token(http, "carrot_admin")
            first = _water(http, ids, carrot, valve, 7.5)
            leader = _leader_pid(ids)
            killed = next(n for n, p in c.procs.items() if p.pid == leader)
            t_kill: list[float] = []
            second = _water(http, ids, carrot, valve, 12.25,
                            lambda: (c.kill(killed), t_kill.append(time.monotonic())))
            takeover_s = time.monotonic() - t_kill[0]  # killed → its lease's done applied
            assert _leader_pid(ids) != leader and takeover_s < 5, takeover_s
            scrapes.append(_scrape(c))
            _ingest_through_faults(c, ids, broker, valve)
            third = _water(http, ids, carrot, valve, 5.0)
    finally:
        valve.stop()
    assert valve.received == [first, second, third]  # each command published once
    assert _q(ids, "select sum(litres) from irrigation_log") == 7.5 + 12.25 + 5.0
    assert _q(ids, "select count(*) from irrigation_log where ended_at is null") == 0
    scrapes.append(_scrape(c))
    assert scrapes == sorted(scrapes) and scrapes[-1] > scrapes[0], scrapes
    _metrics_of_two_workers(c)


def _ingest_through_faults(c: Cluster, ids: dict[str, Any], broker: Mosquitto,
                           valve: Valve) -> None:
    """Readings from six devices while the broker restarts and ingest worker 1 is killed
    for good, then replaced (same client id: the session and its queue are its)."""
    sensors = Sensors(broker.port, SENSORS, per_device=40, every_s=0.05)
    sensors.start()
    time.sleep(0.5)
    broker.restart()
    time.sleep(0.5)
    c.kill("ingest-1")
    time.sleep(1.0)  # the device keeps publishing into worker 1's stored session
    c.ingest(1)
    sensors.join(60)
    assert sensors.acked == 40 * len(SENSORS)
    wait(lambda: _q(ids, "select count(*) from readings") >= sensors.acked, 30,
         "every acknowledged reading stored")
    assert _q(ids, "select count(*) from readings") == sensors.acked
    wait(valve.c.is_connected, 10, "valve back")
    wait(lambda: _q(ids, "select state from device_states d join devices v on "
                         "v.id = d.device_id where v.uid = 'cl-v1'") == "online",
         20, "valve online again")
