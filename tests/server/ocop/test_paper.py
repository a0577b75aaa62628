"""The dossier on paper: PDFs that render (pdftoppm) and carry Vietnamese text (pdftotext)."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path

from tests.server.ocop.conftest import OcopWorld


def _render(pdf: bytes, tmp_path: Path, name: str) -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    assert pdf.startswith(b"%PDF-")
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / name)],
                   check=True, capture_output=True, timeout=60)
    pages = sorted(tmp_path.glob(f"{name}-*.png"))
    assert pages and all(p.stat().st_size > 1000 for p in pages)
    out = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                         timeout=60)
    return " ".join(out.stdout.decode("utf-8").split())  # table cells wrap over lines


def test_dossier_and_minutes_render_with_vietnamese_text(ow: OcopWorld, tmp_path: Path) -> None:
    _, did, _ = ow.certified(stars=4)
    r = ow.client.get(f"/api/v1/ocop/dossiers/{did}/dossier.pdf", headers=ow.h("lychee_admin"))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = _render(r.content, tmp_path, "dossier")
    for words in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                  "PHIẾU ĐĂNG KÝ SẢN PHẨM THAM GIA CHƯƠNG TRÌNH OCOP",
                  "Hợp tác xã", "Vải thiều Thanh Hà", "Rau, củ, quả, hạt tươi",
                  "BẢNG TỰ ĐÁNH GIÁ", "Nguồn gốc sản phẩm", "SẢN PHẨM VÀ SỨC MẠNH CỘNG ĐỒNG",
                  "TỔNG ĐIỂM", "Hạng: 4 sao", "ĐẠI DIỆN CHỦ THỂ"):
        assert words in text, words
    r = ow.client.get(f"/api/v1/ocop/dossiers/{did}/minutes.pdf", headers=ow.h("ev1"))
    assert r.status_code == 200
    text = _render(r.content, tmp_path, "minutes")
    for words in ("BIÊN BẢN HỌP HỘI ĐỒNG ĐÁNH GIÁ, PHÂN HẠNG SẢN PHẨM OCOP",
                  "Chủ tịch Hội đồng", "Ủy viên kiêm Thư ký Hội đồng", "Chuyên gia ev1",
                  "Chuyên gia ev2", "2 thành viên dự họp", "xếp hạng 4 sao", "CHỦ TỊCH HỘI ĐỒNG"):
        assert words in text, words


def test_minutes_before_the_council_closes_are_refused(ow: OcopWorld) -> None:
    did = ow.dossier(ow.product())
    r = ow.client.get(f"/api/v1/ocop/dossiers/{did}/minutes.pdf", headers=ow.h("lychee_admin"))
    assert r.status_code == 409 and "chưa có biên bản" in r.json()["detail"]
    other = ow.client.get(f"/api/v1/ocop/dossiers/{did}/dossier.pdf",
                          headers=ow.h("carrot_admin"))
    assert other.status_code == 404


def test_dossier_page_links_the_pdfs_and_prints_dates_day_first(ow: OcopWorld) -> None:
    _, did, _ = ow.certified(stars=4)
    page = ow.client.get(f"/ocop/dossiers/{did}", headers=ow.h("lychee_admin")).text
    assert f'href="/api/v1/ocop/dossiers/{did}/dossier.pdf"' in page
    assert f'href="/api/v1/ocop/dossiers/{did}/minutes.pdf"' in page
    assert f"{date.today():%d/%m/%Y}" in page
    assert not re.search(r"\d{4}-\d{2}-\d{2}", page)  # no ISO dates shown
    assert 'role="img" aria-label="4 trên 5 sao"' in page
    manage = ow.client.get("/ocop/manage", headers=ow.h("lychee_admin")).text
    assert "· Rau, củ, quả, hạt tươi" in manage and "· fresh-produce" not in manage
    assert 'aria-label="4 trên 5 sao"' in manage
