from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pypdfium2 as pdfium
import zxingcpp
from sqlmodel import Session, func, select

from qr import serial as qserial
from server.models.stamps import Stamp, StampBatch
from server.models.trace import LotFlag
from tests.server.stamps.conftest import StampWorld, issue, make_lot

ROOT = Path(__file__).resolve().parents[3]


def _decode_pdf(data: bytes) -> list[str]:
    pdf = pdfium.PdfDocument(data)
    found: list[str] = []
    for i in range(len(pdf)):
        img = pdf[i].render(scale=4).to_pil()
        found += [r.text for r in zxingcpp.read_barcodes(img)]
    return found


def _stamp_count(sw: StampWorld) -> int:
    with Session(sw.w.engine) as s:
        return int(s.exec(select(func.count()).select_from(Stamp)).one())


def test_issue_is_idempotent_per_request_id(sw: StampWorld) -> None:
    first = issue(sw, count=12)
    assert first["created"] and first["batch"]["count"] == 12
    again = issue(sw, count=12)
    assert not again["created"] and again["batch"]["id"] == first["batch"]["id"]
    assert _stamp_count(sw) == 12
    r = sw.w.client.post(f"/api/v1/lots/{sw.lot_id}/stamps",
                         json={"request_id": "req-00000001", "count": 13},
                         headers=sw.w.auth("lychee_admin"))
    assert r.status_code == 409 and "request id" in r.json()["detail"]
    assert _stamp_count(sw) == 12


def test_pdf_qr_codes_decode_to_the_csv_uris(sw: StampWorld) -> None:
    batch = issue(sw, count=14)["batch"]
    h = sw.w.auth("lychee_admin")
    csv_text = sw.w.client.get(f"/api/v1/stamp-batches/{batch['id']}/stamps.csv", headers=h).text
    rows = list(csv.reader(io.StringIO(csv_text)))
    assert rows[0] == ["uri"]
    uris = [r[0] for r in rows[1:]]
    assert len(uris) == 14 and len(set(uris)) == 14
    assert all(u.startswith(f"http://localhost:8000/01/{sw.gtin14}/10/{sw.lot_code}/21/") for u in uris)
    pdf = sw.w.client.get(f"/api/v1/stamp-batches/{batch['id']}/stamps.pdf", headers=h)
    assert pdf.headers["content-type"] == "application/pdf"
    assert sorted(_decode_pdf(pdf.content)) == sorted(uris)


def test_other_coop_and_farmer_cannot_issue(sw: StampWorld) -> None:
    for login in ("carrot_admin", "lychee_farmer"):
        r = sw.w.client.post(f"/api/v1/lots/{sw.lot_id}/stamps",
                             json={"request_id": "req-x0000001", "count": 3},
                             headers=sw.w.auth(login))
        assert r.status_code == 403
    assert _stamp_count(sw) == 0


def test_bad_issue_input_writes_nothing(sw: StampWorld) -> None:
    h = sw.w.auth("lychee_admin")
    for body in ({"request_id": "short", "count": 3}, {"request_id": "req-00000009", "count": 0},
                 {"request_id": "req-00000009", "count": 10**6},
                 {"request_id": "req-00000009", "count": 3, "layout": "a3"},
                 {"request_id": "req 0000 0009", "count": 3}):
        r = sw.w.client.post(f"/api/v1/lots/{sw.lot_id}/stamps", json=body, headers=h)
        assert r.status_code == 422, body
        assert r.json()["detail"].startswith("Invalid input")
    assert sw.w.client.post("/api/v1/lots/99999/stamps", json={"request_id": "req-00000009",
                                                              "count": 3}, headers=h).status_code == 404
    assert _stamp_count(sw) == 0


def test_flagged_lot_cannot_be_stamped(sw: StampWorld) -> None:
    with Session(sw.w.engine) as s:
        s.add(LotFlag(lot_id=sw.lot_id, reason="Thu hoạch trong thời gian cách ly sau phun thuốc",
                      kind="phi"))
        s.commit()
    r = sw.w.client.post(f"/api/v1/lots/{sw.lot_id}/stamps",
                         json={"request_id": "req-00000002", "count": 3},
                         headers=sw.w.auth("lychee_admin"))
    assert r.status_code == 409
    assert _stamp_count(sw) == 0


def test_serials_are_signed_and_stored_once(sw: StampWorld) -> None:
    issue(sw, count=20, request_id="req-00000003", with_pin=True)
    key = sw.w.client.app.state.settings.stamp_keys  # type: ignore[attr-defined]
    ring = qserial.Keyring.from_spec(key)
    with Session(sw.w.engine) as s:
        stamps = s.exec(select(Stamp)).all()
        assert all(qserial.verify(ring, sw.gtin14, sw.lot_code, st.serial) for st in stamps)
        assert all(st.pin_hash and len(st.pin_hash) == 64 for st in stamps)
        assert s.exec(select(func.count()).select_from(StampBatch)).one() == 1


def test_cli_issue_writes_pdf_and_csv(world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sw = make_lot(world, code="TH-CLI-01")
    settings = world.client.app.state.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("NONGSO_")}
    env.update({"NONGSO_DATABASE_URL": str(world.engine.url.render_as_string(hide_password=False)),
                "NONGSO_VAR_DIR": str(settings.var_dir),
                "NONGSO_PUBLIC_BASE_URL": "https://tem.nongso.vn"})
    out = tmp_path / "out"
    args = [sys.executable, "-m", "server", "stamps", "issue", "--lot", "TH-CLI-01",
            "--count", "24", "--out", str(out), "--layout", "roll-40x30",
            "--request-id", "cli-request-0001"]
    r = subprocess.run(args, env=env, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr + r.stdout
    assert "24 stamps issued" in r.stdout
    lines = (out / "stamps.csv").read_text().splitlines()
    assert lines[0] == "uri" and len(lines) == 25
    assert all(u.startswith(f"https://tem.nongso.vn/01/{sw.gtin14}/10/TH-CLI-01/21/") for u in lines[1:])
    assert sorted(_decode_pdf((out / "stamps.pdf").read_bytes())) == sorted(lines[1:])
    # Retrying the same request mints nothing new.
    r2 = subprocess.run([*args, "--zip"], env=env, capture_output=True, text=True, cwd=ROOT,
                        timeout=120)
    assert r2.returncode == 0 and "already issued" in r2.stdout
    assert (out / "stamps.csv").read_text().splitlines() == lines
    with zipfile.ZipFile(out / "stamps.zip") as zf:  # for the print shop, on request
        assert zf.read("stamps.csv").decode().splitlines() == lines
        assert len([n for n in zf.namelist() if n.endswith(".svg")]) == 24
    bad = subprocess.run([*args[:6], "NO-SUCH-LOT", *args[7:]], env=env, capture_output=True,
                         text=True, cwd=ROOT, timeout=120)
    assert bad.returncode == 2 and "No lot" in bad.stderr


def test_print_shop_zip_and_one_stamp_as_svg_or_png(sw: StampWorld) -> None:
    batch = issue(sw, count=14)["batch"]
    h = sw.w.auth("lychee_admin")
    uris = sw.w.client.get(f"/api/v1/stamp-batches/{batch['id']}/stamps.csv",
                           headers=h).text.splitlines()[1:]
    z = sw.w.client.get(f"/api/v1/stamp-batches/{batch['id']}/stamps.zip", headers=h)
    assert z.status_code == 200 and z.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(z.content)) as zf:
        assert zf.read("stamps.csv").decode().splitlines()[1:] == uris
        assert sorted(_decode_pdf(zf.read("stamps.pdf"))) == sorted(uris)
        svgs = [n for n in zf.namelist() if n.startswith("svg/")]
        assert len(svgs) == 14 and all(zf.read(n).startswith(b"<svg") or b"<svg" in zf.read(n)
                                       for n in svgs)
    serial = uris[3].rsplit("/", 1)[1]
    png = sw.w.client.get(f"/api/v1/stamps/{serial}/qr.png", headers=h)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    from PIL import Image

    assert [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))] == \
        [uris[3]]
    svg = sw.w.client.get(f"/api/v1/stamps/{serial}/qr.svg", headers=h)
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert sw.w.client.get(f"/api/v1/stamps/{serial}/qr.gif", headers=h).status_code == 404
    assert sw.w.client.get(f"/api/v1/stamps/{serial}/qr.png",
                           headers=sw.w.auth("lychee_farmer")).status_code == 403


def test_same_request_id_at_once_gives_one_batch_on_postgresql(pg_world) -> None:  # type: ignore[no-untyped-def]
    """Issue 23: the same request id sent to two nodes at the same moment — one batch,
    both answers name it (the retry gets no PINs: they are shown once), never a 500."""
    import threading

    from qr.serial import Keyring
    from server.models.stamps import StampIssueRequest
    from server.models.trace import Lot, Product
    from server.stamps.issue import IssuedBatch, issue_batch

    sw = make_lot(pg_world)
    keyring: Keyring = sw.w.client.app.state.stamps.keyring  # type: ignore[attr-defined]
    for round_ in range(4):
        req = StampIssueRequest(request_id=f"req-race-{round_:04d}", count=50, with_pin=True)
        barrier = threading.Barrier(2)
        got: list[IssuedBatch | BaseException] = []

        def run(req: StampIssueRequest = req, barrier: threading.Barrier = barrier,
                got: list[IssuedBatch | BaseException] = got) -> None:
            with Session(sw.w.engine) as s:
                lot, product = s.get(Lot, sw.lot_id), None
                assert lot is not None
                product = s.get(Product, lot.product_id)
                assert product is not None
                barrier.wait()
                try:
                    got.append(issue_batch(s, keyring, "k" * 32, lot, product, req, None))
                except BaseException as exc:  # noqa: BLE001 - the test reports it
                    got.append(exc)

        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert all(isinstance(g, IssuedBatch) for g in got), got
        batches = [g for g in got if isinstance(g, IssuedBatch)]
        assert batches[0].batch.id == batches[1].batch.id
        assert sorted(b.created for b in batches) == [False, True]
        assert sorted(len(b.pins) for b in batches) == [0, 50]
    with Session(sw.w.engine) as s:
        assert s.exec(select(func.count()).select_from(StampBatch)).one() == 4
        assert s.exec(select(func.count()).select_from(Stamp)).one() == 200
