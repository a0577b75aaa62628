"""One typed services object per app (issue 14.3), one genuineness gate (14.4), and lots
named ``.``/``..`` that browsers would otherwise rewrite (15.12)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from qr.gs1 import DigitalLink
from server.errors import MalformedStampUri, NotAStampUri, StampNotGenuine
from server.models.stamps import Stamp
from server.stamps import gate
from server.stamps.services import StampServices
from tests.server.conftest import World
from tests.server.stamps.conftest import StampWorld, issue, make_lot, services
from tests.server.stamps.test_resolver import HTML, _uris, count_queries


def test_app_stamp_services_are_one_typed_object_built_and_closed_with_the_app(
        sqlite_url: str, tmp_path: Path) -> None:
    from server.app import create_app
    from server.db import make_engine
    from server.migrate import upgrade
    from server.settings import load_settings

    settings = load_settings(database_url=sqlite_url, var_dir=tmp_path / "var")
    upgrade(settings.sqlalchemy_url)
    engine = make_engine(settings.sqlalchemy_url)
    app = create_app(settings, engine)
    svc = app.state.stamps
    assert isinstance(svc, StampServices) and svc.read_pool is None  # SQLite
    assert svc.scan_log._thread is None  # nothing started before the first scan
    for name in ("scan_log", "read_pool", "stamp_keyring", "resolver_throttle"):
        assert not hasattr(app.state, name)  # no lazily set attributes any more
    with TestClient(app):
        pass
    assert svc.scan_log._stop.is_set()  # the lifespan closed it
    engine.dispose()


def test_two_apps_never_share_a_cached_page(world: World, tmp_path: Path) -> None:
    """The page cache belongs to the app: a lot id of another database is another lot."""
    from server.app import create_app

    sw = make_lot(world)
    uri = _uris(sw, 1)[0]
    assert "Vải thiều Thanh Hà" in sw.w.client.get(uri, headers=HTML).text
    other = create_app(world.client.app.state.settings, world.engine)  # type: ignore[attr-defined]
    assert other.state.stamps.pages is not services(sw).pages


def test_one_gate_decides_genuine_before_any_query(sw: StampWorld) -> None:
    uri = _uris(sw, 1)[0]
    ring = services(sw).keyring
    got = gate.genuine(ring, uri)
    assert isinstance(got, DigitalLink) and got.lot == sw.lot_code
    with pytest.raises(MalformedStampUri):
        gate.genuine(ring, "/01/123")
    with pytest.raises(NotAStampUri):
        gate.genuine(ring, f"/01/{sw.gtin14}/10/{sw.lot_code}")
    forged = uri[:-1] + ("0" if uri[-1] != "0" else "1")
    with pytest.raises(StampNotGenuine):
        gate.genuine(ring, forged)
    serial = forged.rsplit("/", 1)[1]
    # Every way in gives the same answer for a forged stamp, without a query of the stamps:
    # only the failed-lookup counter (shared by every node, issue 23) is touched.
    with count_queries(sw.w.engine) as queries:
        for method, path in (("GET", forged), ("POST", forged),
                             ("GET", f"/traceability/{sw.gtin14}/{sw.lot_code}/{serial}"),
                             ("GET", f"/certification/{sw.gtin14}/{sw.lot_code}/{serial}")):
            r = sw.w.client.request(method, path, headers={"Accept": "application/json"},
                                    data={"pin": "12345678"} if method == "POST" else None)
            assert r.status_code == 404 and r.json()["code"] == "not_genuine", (path, r.text)
            assert r.headers["access-control-allow-origin"] == "*"
            page = sw.w.client.request(method, path, headers=HTML,
                                       data={"pin": "12345678"} if method == "POST" else None)
            assert "Tem không chính hãng" in page.text
            assert "Sản phẩm có thể là hàng giả" in page.text
    assert queries and all("throttle_counters" in q for q in queries), queries


def test_lot_code_dot_dot_gets_percent_encoded_stamps_that_resolve(world: World) -> None:
    sw = make_lot(world, code="..")
    batch = issue(sw, count=1, request_id="req-dots-0001")["batch"]
    uri = sw.w.client.get(f"/api/v1/stamp-batches/{batch['id']}/stamps.csv",
                          headers=sw.w.auth("lychee_admin")).text.splitlines()[1]
    sw.w.client.cookies.clear()
    assert "/10/%2E%2E/21/" in uri
    path = uri.replace("http://localhost:8000", "")
    page = sw.w.client.get(path, headers=HTML)
    assert page.status_code == 200 and "Tem chính hãng" in page.text
    assert "/10/%2E%2E/21/" in page.headers["link"]
    ls = sw.w.client.get(path, headers={"Accept": "application/linkset+json"}).json()
    trace = ls["linkset"][0]["https://gs1.org/voc/traceability"][0]["href"]
    assert "/%2E%2E/" in trace
    doc = sw.w.client.get(trace.replace("http://localhost:8000", ""))
    assert doc.status_code == 200 and doc.json()["type"] == "EPCISDocument"
    with Session(world.engine) as s:
        services(sw).scan_log.flush()
        assert s.exec(select(Stamp)).one().scan_count == 1


def test_failed_lookup_limit_is_one_for_two_nodes_and_restarts_on_postgresql(
        pg_world: World) -> None:
    """Issue 23: the failed-lookup throttle is counted in PostgreSQL — two API nodes (two
    apps, two engines) and a restarted node share one limit per address; a genuine
    stamp's page from that same address is still served (carrier NAT)."""
    from server.app import create_app
    from server.db import make_engine
    from server.stamps.services import ENUMERATION_LIMIT

    sw = make_lot(pg_world)
    genuine = _uris(sw, 1)[0]
    forged = genuine[:-1] + ("0" if genuine[-1] != "0" else "1")
    settings = pg_world.client.app.state.settings  # type: ignore[attr-defined]
    engine_b = make_engine(settings.sqlalchemy_url)
    node_a = TestClient(pg_world.client.app, client=("198.51.100.7", 40000))
    codes = []
    with TestClient(create_app(settings, engine_b), client=("198.51.100.7", 40001)) as node_b:
        for i in range(ENUMERATION_LIMIT + 4):
            codes.append((node_a if i % 2 else node_b).get(forged, headers=HTML).status_code)
        assert node_b.get(genuine, headers=HTML).status_code == 200
    assert codes == [404] * ENUMERATION_LIMIT + [429] * 4
    engine_b.dispose()
    engine_c = make_engine(settings.sqlalchemy_url)  # a node restarted: still refused
    with TestClient(create_app(settings, engine_c), client=("198.51.100.7", 40002)) as node_c:
        r = node_c.get(forged, headers=HTML)
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
        assert node_c.get(genuine, headers=HTML).status_code == 200
        other = TestClient(node_c.app, client=("198.51.100.8", 40003))
        assert other.get(forged, headers=HTML).status_code == 404
    engine_c.dispose()
