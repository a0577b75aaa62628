"""Certificates with document uploads: type and size checked, safe storage, access."""

from __future__ import annotations

from pathlib import Path

from server.models.trace import Certificate
from server.trace import certificates
from tests.server.conftest import World
from tests.server.trace.conftest import Trace

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _form(world: World, **kw: object) -> dict[str, str]:
    base = {"organisation_id": str(world.orgs["lychee"]), "subject": "organisation",
            "kind": "vietgap", "number": "VietGAP-TT-12-34-0001", "issuer": "Trung tâm Chứng nhận",
            "valid_from": "2024-03-01", "valid_until": "2027-03-01"}
    base.update({k: str(v) for k, v in kw.items()})
    return base


def _upload(trace: Trace, world: World, who: str = "lychee_admin",
            files: dict | None = None, **kw: object) -> object:
    return world.client.post("/api/v1/certificates", data=_form(world, **kw), files=files,
                             headers=trace.headers(who))


def test_upload_and_download(trace: Trace, world: World, tmp_path: Path) -> None:
    r = _upload(trace, world, files={"document": ("../../etc/passwd.pdf", PDF, "text/plain")})
    assert r.status_code == 201, r.text
    cert = r.json()
    assert cert["has_document"] is True and cert["kind"] == "vietgap"
    stored = list((tmp_path / "var" / "trace" / "certificates").iterdir())
    assert len(stored) == 1 and stored[0].suffix == ".pdf" and "passwd" not in stored[0].name
    got = world.client.get(f"/api/v1/certificates/{cert['id']}/document",
                           headers=trace.headers("lychee_farmer"))
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["content-type"] == "application/pdf"
    assert world.client.get(f"/api/v1/certificates/{cert['id']}/document",
                            headers=trace.headers("carrot_admin")).status_code == 403


def test_bad_uploads_write_nothing(trace: Trace, world: World, tmp_path: Path) -> None:
    big = PDF + b"0" * certificates.MAX_BYTES
    for files, kw in (({"document": ("x.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")}, {}),
                      ({"document": ("x.pdf", big, "application/pdf")}, {}),
                      (None, {"valid_until": "2020-01-01"}),
                      (None, {"kind": "magic"})):
        r = _upload(trace, world, files=files, **kw)
        assert r.status_code == 422, r.text
    assert _upload(trace, world, subject="lot", lot_id=999).status_code == 404
    assert _upload(trace, world, who="lychee_farmer").status_code == 403
    assert _upload(trace, world, who="carrot_admin").status_code == 403
    assert world.count(Certificate) == 0
    folder = tmp_path / "var" / "trace" / "certificates"
    assert not folder.exists() or not any(folder.iterdir())


def test_certificates_for_lot(trace: Trace, world: World) -> None:
    p = trace.product()
    lot = trace.lot(p, "EXP-1")["id"]
    assert _upload(trace, world).status_code == 201  # organisation-wide VietGAP
    assert _upload(trace, world, subject="lot", lot_id=lot, kind="phytosanitary",
                   number="KDTV-2025-0099", issuer="Chi cục Kiểm dịch thực vật vùng I",
                   files={"document": ("c.png", b"\x89PNG\r\n\x1a\n....", "image/png")}
                   ).status_code == 201
    assert _upload(trace, world, subject="farm", farm_id=world.farms["lychee"], kind="irradiation",
                   number="IR-55").status_code == 201
    kinds = {c["kind"] for c in trace.get(f"/certificates?lot_id={lot}")}
    assert kinds == {"vietgap", "phytosanitary", "irradiation"}
    trace.get(f"/certificates?lot_id={lot}", who="carrot_admin", status=404)
    assert trace.get("/certificates", who="carrot_admin") == []
