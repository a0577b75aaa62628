"""Dossier documents: type by magic bytes and extension, size limit, generated names."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from server.models.ocop import OcopDocument
from server.ocop_workflow import uploads
from tests.server.ocop.conftest import OcopWorld

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def _dir(ow: OcopWorld) -> Path:
    return uploads.upload_dir(ow.client.app.state.settings)


def _files(ow: OcopWorld) -> list[Path]:
    root = ow.client.app.state.settings.var_dir
    return sorted(p for p in Path(root).rglob("*") if p.is_file() and "ocop" in p.parts)


def _up(ow: OcopWorld, did: int, name: str, data: bytes, login: str = "lychee_admin",
        kind: str = "test_report") -> Any:
    return ow.client.post(f"/api/v1/ocop/dossiers/{did}/documents", headers=ow.h(login),
                          data={"kind": kind}, files={"file": (name, io.BytesIO(data))})


def test_upload_pdf_png_jpeg_stored_with_generated_names(ow: OcopWorld) -> None:
    did = ow.dossier(ow.product())
    for name, data, ctype in (("Phiếu kiểm nghiệm.pdf", PDF, "application/pdf"),
                              ("anh.PNG", PNG, "image/png"), ("nhan.jpeg", JPEG, "image/jpeg")):
        r = _up(ow, did, name, data)
        assert r.status_code == 201, r.text
        assert r.json()["content_type"] == ctype and r.json()["title"] == name
    stored = [p.name for p in _files(ow)]
    assert len(stored) == 3
    assert all(re.fullmatch(r"[0-9a-f]{32}\.(pdf|png|jpg)", n) for n in stored), stored
    assert all(p.parent == _dir(ow) for p in _files(ow))
    d = ow.client.get(f"/api/v1/ocop/dossiers/{did}", headers=ow.h("ev1")).json()
    doc = d["documents"][0]
    r = ow.client.get(f"/api/v1/ocop/dossiers/{did}/documents/{doc['id']}", headers=ow.h("ev1"))
    assert r.status_code == 200 and r.content == PDF
    assert r.headers["content-type"] == "application/pdf"
    assert ow.client.get(f"/api/v1/ocop/dossiers/{did}/documents/{doc['id']}",
                         headers=ow.h("ev_hn")).status_code == 404  # other province


WRONG = [
    ("report.pdf", b"MZ\x90\x00 a windows program"),  # wrong bytes for the extension
    ("report.pdf", PNG),  # a PNG named .pdf
    ("photo.png", PDF),
    ("photo.jpg", PNG),
    ("notes.txt", b"hello"),  # extension not allowed
    ("script.pdf.exe", PDF),
    ("noextension", PDF),
    ("empty.pdf", b""),
]


def test_wrong_type_refused_and_nothing_written(ow: OcopWorld) -> None:
    did = ow.dossier(ow.product())
    for name, data in WRONG:
        r = _up(ow, did, name, data)
        assert r.status_code == 422, (name, r.text)
    assert _up(ow, did, "", PDF).status_code in (400, 422)
    assert ow.count(OcopDocument) == 0 and _files(ow) == []


def test_oversize_refused(ow: OcopWorld) -> None:
    did = ow.dossier(ow.product())
    big = PDF + b"0" * (uploads.MAX_BYTES - len(PDF) + 1)
    r = _up(ow, did, "big.pdf", big)
    assert r.status_code == 413 and "5 MB" in r.json()["detail"]
    assert ow.count(OcopDocument) == 0 and _files(ow) == []
    exact = PDF + b"0" * (uploads.MAX_BYTES - len(PDF))
    assert _up(ow, did, "exact.pdf", exact).status_code == 201


TRICKS = ["../../../../etc/cron.d/evil.pdf", "..\\..\\evil.pdf", "/tmp/evil.pdf",
          "a/../../evil.pdf", "evil\x00.pdf.pdf", "C:\\Windows\\evil.pdf"]


def test_path_tricks_never_reach_the_file_system(ow: OcopWorld) -> None:
    did = ow.dossier(ow.product())
    for name in TRICKS:
        r = _up(ow, did, name, PDF)
        assert r.status_code == 201, r.text
        title = r.json()["title"]
        assert title.endswith(".pdf") and not {"/", "\\", "\x00"} & set(title), title
    files = _files(ow)
    assert len(files) == len(TRICKS) and all(f.parent == _dir(ow) for f in files)
    assert not Path("/tmp/evil.pdf").exists()


def test_uploads_only_by_own_coop_admin_on_open_dossiers(ow: OcopWorld) -> None:
    did = ow.dossier(ow.product())
    assert _up(ow, did, "a.pdf", PDF, login="lychee_farmer").status_code == 403
    assert _up(ow, did, "a.pdf", PDF, login="carrot_admin").status_code == 404
    assert _up(ow, did, "a.pdf", PDF, kind="../../x").status_code == 422
    ow.post(f"/api/v1/ocop/dossiers/{did}/submit", "lychee_admin")
    assert _up(ow, did, "a.pdf", PDF).status_code == 409
    assert ow.count(OcopDocument) == 0 and _files(ow) == []
