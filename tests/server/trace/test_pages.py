"""Packing-house screens: lot list, one-tap event buttons, carton scanning to ship."""

from __future__ import annotations

from tests.server.conftest import PASSWORD, World
from tests.server.trace.conftest import Trace
from tests.support.login import page_login


def _login(world: World, login: str) -> str:
    world.client.cookies.clear()
    r = page_login(world.client, login, PASSWORD, follow_redirects=False)
    assert r.status_code == 303
    csrf = world.client.cookies.get("nongso_csrf")
    assert csrf
    return csrf


def test_packing_house_flow(trace: Trace, world: World) -> None:
    p = trace.product()
    lot = trace.lot(p, "VTH-9")["id"]
    other = trace.lot(trace.product("carrot", "893460200108", "Cà rốt"), "C-1", zone="carrot",
                      org="carrot")["id"]
    csrf = _login(world, "lychee_farmer")
    page = world.client.get("/trace", headers={"accept": "text/html"})
    assert page.status_code == 200 and "VTH-9" in page.text and "C-1" not in page.text
    lot_page = world.client.get(f"/trace/lots/{lot}")
    assert 'data-kind="harvest"' in lot_page.text and "Đóng thùng" in lot_page.text
    # one tap: harvest, then pack; without the CSRF token nothing happens
    assert world.client.post(f"/trace/lots/{lot}/events", data={"kind": "harvest"},
                             follow_redirects=False).status_code == 403
    for kind in ("harvest", "pack"):
        r = world.client.post(f"/trace/lots/{lot}/events",
                              data={"kind": kind, "csrf": csrf, "carton_count": "2"},
                              follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].endswith(f"done={kind}")
    shown = world.client.get(f"/trace/lots/{lot}").text
    assert "Thu hoạch" in shown and "giờ Việt Nam" in shown
    assert world.client.get(f"/trace/lots/{other}",
                            headers={"accept": "text/html"}).status_code == 404

    doc = trace.get(f"/lots/{lot}/epcis")
    cartons = [e["parentID"] for e in doc["epcisBody"]["eventList"] if "parentID" in e]
    assert len(cartons) == 2
    _login(world, "lychee_farmer")
    ship = world.client.get("/trace/ship")
    assert 'src="/static/trace_ship.js"' in ship.text and 'id="manual"' in ship.text
    # the camera scan (BarcodeDetector) lives in a static script (CSP: no inline scripts)
    assert "BarcodeDetector" in world.client.get("/static/trace_ship.js").text
    csrf = world.client.cookies.get("nongso_csrf")
    bad = world.client.post("/trace/ship", data={"csrf": csrf, "codes": "not-a-code\n"})
    assert bad.status_code == 422 and "not-a-code" in bad.text
    r = world.client.post("/trace/ship", data={"csrf": csrf, "codes": "\n".join(cartons)},
                          follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("shipped=2")
    world.client.cookies.clear()
    events = trace.get(f"/lots/{lot}/epcis")["epcisBody"]["eventList"]
    shipping = [e for e in events if e.get("bizStep") == "shipping"]
    assert len(shipping) == 1 and sorted(shipping[0]["epcList"]) == sorted(cartons)
    assert shipping[0]["disposition"] == "in_transit"
