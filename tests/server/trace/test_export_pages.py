"""The packing house's screens and export readiness (issue 17): the lot page lists each
market as ready or with what is missing; shipping cartons to a market that the lot is not
ready for is refused with that list, and nothing is recorded."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session

from server.models.trace import Certificate, CertificateKind, CertificateSubject, TraceEvent
from tests.server.conftest import PASSWORD, World
from tests.server.trace.conftest import Trace
from tests.support.login import page_login


def test_lot_page_readiness_and_ship_form_refusal(trace: Trace, world: World) -> None:
    p = trace.product()
    lot = trace.lot(p, "XK-9")["id"]
    trace.event(lot, "pack", carton_count=2)
    cartons = [e["parentID"] for e in trace.get(f"/lots/{lot}/epcis")["epcisBody"]["eventList"]
               if "parentID" in e]
    world.client.cookies.clear()
    assert page_login(world.client, "lychee_farmer", PASSWORD,
                      follow_redirects=False).status_code == 303
    csrf = world.client.cookies.get("nongso_csrf")
    page = world.client.get(f"/trace/lots/{lot}").text
    assert "Sẵn sàng xuất khẩu" in page and 'data-market="US"' in page
    assert "Xử lý chiếu xạ — Chiếu xạ liều hấp thụ tối thiểu 400 Gy" in page
    assert "Xử lý hơi nước nóng (VHT)" in page
    ship = world.client.get("/trace/ship").text
    assert '<option value="JP">Nhật Bản</option>' in ship
    before = world.count(TraceEvent)
    r = world.client.post("/trace/ship", data={"csrf": csrf, "codes": "\n".join(cartons),
                                               "market": "JP"})
    assert r.status_code == 409 and 'id="unready"' in r.text
    assert "Lô XK-9: thiếu Mã số vùng trồng đăng ký cho thị trường" in r.text
    assert world.count(TraceEvent) == before  # nothing recorded
    r = world.client.post("/trace/ship", data={"csrf": csrf, "codes": "\n".join(cartons),
                                               "market": "ZZ"})
    assert r.status_code == 422 and world.count(TraceEvent) == before
    with Session(world.engine) as s:  # the EU asks only for a phytosanitary certificate
        s.add(Certificate(organisation_id=world.orgs["lychee"], subject=CertificateSubject.lot,
                          lot_id=lot, kind=CertificateKind.phytosanitary, number="KD-1",
                          issuer="Chi cục KDTV vùng I", valid_from=date.today(),
                          valid_until=date.today() + timedelta(days=14)))
        s.commit()
    assert '<li data-market="EU"><strong>Liên minh châu Âu</strong>:\n  <span class="ok">' \
        in world.client.get(f"/trace/lots/{lot}").text
    r = world.client.post("/trace/ship", data={"csrf": csrf, "codes": "\n".join(cartons),
                                               "market": "EU"}, follow_redirects=False)
    assert r.status_code == 303 and world.count(TraceEvent) == before + 1
