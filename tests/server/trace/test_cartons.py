"""Logistic units (issue 16): SSCCs allocated without collisions, packing with SSCC parentIDs,
``nongso cartons issue`` (labels decoded by a real QR decoder), the resolver's carton page
and the packing house's ship page."""

from __future__ import annotations

import csv
import threading
from datetime import date
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from sqlmodel import Session, select
from typer.testing import CliRunner

from qr.gs1 import check_digit, sscc_is_valid
from server.cli import app
from server.db import make_engine
from server.migrate import upgrade
from server.models import Organisation, OrgKind
from server.models.gs1 import Carton, Gs1CompanyPrefix
from server.models.trace import CodeKind, Lot, RegistrationCode
from server.seed import seed_demo
from server.trace.sscc import allocate
from tests.server.conftest import World
from tests.server.trace.conftest import Trace

PREFIX = "8930000"  # a 7-digit GS1 Vietnam company prefix (test number)
BASE = "http://localhost:8000"


def _give_prefix(engine: object, org_id: int, prefix: str = PREFIX) -> None:
    with Session(engine) as s:  # type: ignore[arg-type]
        s.add(Gs1CompanyPrefix(organisation_id=org_id, prefix=prefix))
        s.commit()


def _ssccs_ok(codes: list[str], prefix: str = PREFIX) -> None:
    for code in codes:
        assert sscc_is_valid(code) and len(code) == 18
        assert code[0] == "0" and code[1:1 + len(prefix)] == prefix  # extension, company prefix
        assert int(code[-1]) == check_digit(code[:-1])


def test_every_sscc_passes_its_check_digit(trace: Trace, world: World) -> None:
    _give_prefix(world.engine, world.orgs["lychee"])
    p = trace.product()
    lot = trace.lot(p, "VTH-2025-07")["id"]
    trace.event(lot, "harvest", time="2025-06-05T06:30:00+07:00")
    trace.event(lot, "pack", carton_count=4, time="2025-06-05T10:00:00+07:00")
    with Session(world.engine) as s:
        cartons = s.exec(select(Carton)).all()
    codes = [c.sscc for c in cartons]
    assert len(set(codes)) == 4
    _ssccs_ok(codes)
    doc = trace.get(f"/lots/{lot}/epcis")
    parents = sorted(e["parentID"] for e in doc["epcisBody"]["eventList"]
                     if e["type"] == "AggregationEvent")
    assert parents == sorted(f"{BASE}/00/{c}" for c in codes)  # packing uses them as parentID


def test_1000_concurrent_sscc_allocations_are_distinct_on_postgresql(pg_url: str) -> None:
    upgrade(pg_url)
    engine = make_engine(pg_url, pool_size=16, max_overflow=4)
    with Session(engine) as s:
        org = Organisation(name="HTX Vải thiều Thanh Hà", province_code="31", kind=OrgKind.htx)
        s.add(org)
        s.commit()
        assert org.id is not None
        _give_prefix(engine, org.id)
    got: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(16)

    def worker(n: int) -> None:
        try:
            start.wait()
            for _ in range(n):
                with Session(engine) as s:
                    codes = allocate(s, PREFIX, 1)
                    s.commit()
                with lock:
                    got.extend(codes)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(63 if i < 8 else 62,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engine.dispose()
    assert errors == []
    assert len(got) == 1000 and len(set(got)) == 1000
    _ssccs_ok(got)


def test_allocation_without_company_prefix_is_refused(trace: Trace, world: World) -> None:
    p = trace.product()
    lot = trace.lot(p, "VTH-2025-08")
    from server.errors import Conflict
    from server.trace.cartons import issue

    with Session(world.engine) as s:
        row = s.get(Lot, lot["id"])
        assert row is not None
        with pytest.raises(Conflict, match="tiền tố doanh nghiệp GS1"):
            issue(s, BASE, row, 2)
    assert world.count(Carton) == 0


@pytest.fixture
def demo_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("NONGSO_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("NONGSO_DATABASE_URL", raising=False)
    url = f"sqlite:///{tmp_path / 'nongso.db'}"
    upgrade(url)
    engine = make_engine(url)
    seed_demo(engine, devices=0)  # the demo co-ops hold GS1 company prefixes
    engine.dispose()
    return url


def _decode_pdf(path: Path) -> list[str]:
    pdf = pypdfium2.PdfDocument(str(path))
    out = []
    for page in pdf:
        image = page.render(scale=3).to_pil()
        found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        assert len(found) == 1, "one QR code per label"
        out.append(found[0].text)
    pdf.close()
    return out


def test_cartons_issue_writes_labels_whose_qr_codes_match_the_csv(demo_db: str,
                                                                  tmp_path: Path) -> None:
    from server.trace.sscc import company_prefix

    engine = make_engine(demo_db)
    with Session(engine) as s:
        lot = s.exec(select(Lot).order_by(Lot.id)).first()
        assert lot is not None
        code, prefix = lot.code, company_prefix(s, lot.organisation_id)
        assert prefix is not None
        before = {c.sscc for c in s.exec(select(Carton)).all()}
    out = tmp_path / "labels"
    result = CliRunner().invoke(app, ["cartons", "issue", "--lot", code, "--count", "6",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader((out / "cartons.csv").open(encoding="utf-8")))
    assert (out / "cartons.csv").read_text("utf-8").splitlines()[0] == "sscc,uri"
    assert len(rows) == 7
    _ssccs_ok([r[0] for r in rows[1:]], prefix)
    assert all(uri.endswith(f"/00/{sscc}") and uri.startswith("http")
               for sscc, uri in rows[1:])
    assert _decode_pdf(out / "cartons.pdf") == [uri for _, uri in rows[1:]]
    with Session(engine) as s:
        now = {c.sscc for c in s.exec(select(Carton)).all()}
        assert now - before == {r[0] for r in rows[1:]}
    again = CliRunner().invoke(app, ["cartons", "issue", "--lot", code, "--count", "2",
                                     "--out", str(tmp_path / "more")])
    assert again.exit_code == 0
    more = [r[0] for r in csv.reader((tmp_path / "more" / "cartons.csv").open())][1:]
    assert len(set(more)) == 2 and not set(more) & (before | now)  # never the same SSCC twice
    engine.dispose()


def test_scanned_carton_gets_its_page_never_not_genuine(trace: Trace, world: World) -> None:
    _give_prefix(world.engine, world.orgs["lychee"])
    with Session(world.engine) as s:
        s.add(RegistrationCode(organisation_id=world.orgs["lychee"], kind=CodeKind.packing_house,
                               code="VN-PH-31-001", authority="Cục Bảo vệ thực vật",
                               issued_on=date(2025, 1, 1)))
        s.commit()
    p = trace.product()
    lot = trace.lot(p, "VTH-2025-09", qty=100)["id"]
    trace.event(lot, "harvest", time="2025-06-05T06:30:00+07:00")
    trace.event(lot, "pack", carton_count=2, time="2025-06-05T10:00:00+07:00")
    with Session(world.engine) as s:
        sscc = s.exec(select(Carton)).first().sscc  # type: ignore[union-attr]
    client = world.client
    client.cookies.clear()
    page = client.get(f"/00/{sscc}", headers={"Accept": "text/html"})
    assert page.status_code == 200
    for text in ("Vải thiều Thanh Hà", "VTH-2025-09", "VN-PH-31-001", "05/06/2025", sscc, "50 kg"):
        assert text in page.text, text
    assert "không chính hãng" not in page.text
    ls = client.get(f"/00/{sscc}", headers={"Accept": "application/linkset+json"})
    ctx = ls.json()["linkset"][0]
    assert ctx["anchor"] == f"{BASE}/00/{sscc}" and sscc in ctx["itemDescription"]
    assert ctx["https://gs1.org/voc/defaultLink"][0]["href"] == f"{BASE}/info/00/{sscc}"
    scanner = client.get(f"/00/{sscc}", follow_redirects=False)
    assert scanner.status_code == 307 and scanner.headers["location"] == f"{BASE}/info/00/{sscc}"
    assert client.get(f"/info/00/{sscc}").status_code == 200
    unknown = "0" + PREFIX + "999999999"
    unknown += str(check_digit(unknown))
    for accept in ("text/html", "application/json"):
        r = client.get(f"/00/{unknown}", headers={"Accept": accept})
        assert r.status_code == 404 and "không chính hãng" not in r.text


def test_ship_page_accepts_scanned_cartons(trace: Trace, world: World) -> None:
    from server.models.trace import TraceEvent

    _give_prefix(world.engine, world.orgs["lychee"])
    p = trace.product()
    lot = trace.lot(p, "VTH-2025-10", qty=100)["id"]
    trace.event(lot, "harvest", time="2025-06-05T06:30:00+07:00")
    trace.event(lot, "pack", carton_count=3, time="2025-06-05T10:00:00+07:00")
    with Session(world.engine) as s:
        codes = [c.sscc for c in s.exec(select(Carton).order_by(Carton.id)).all()]
    scanned = "\n".join([f"{BASE}/00/{codes[0]}", f"(00){codes[1]}", f"00{codes[2]}"])
    world.client.get("/trace/ship", headers=trace.headers("lychee_admin"))
    csrf = world.client.cookies.get("nongso_csrf", "")
    r = world.client.post("/trace/ship", data={"codes": scanned, "csrf": csrf},
                          headers={**trace.headers("lychee_admin"), "X-CSRF-Token": csrf},
                          follow_redirects=False)
    assert r.status_code == 303, r.text
    with Session(world.engine) as s:
        ship = s.exec(select(TraceEvent).where(TraceEvent.biz_step == "shipping")).one()
    assert sorted(ship.document["epcList"]) == sorted(f"{BASE}/00/{c}" for c in codes)
