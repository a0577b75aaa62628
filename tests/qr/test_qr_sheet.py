"""Print-ready PDF sheets, CSV and ZIP (qr.sheet): every printed QR must decode
with zxing-cpp to exactly the URIs of the CSV."""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp

from qr import gs1, serial
from qr.errors import LayoutError
from qr.export import write_csv, write_zip
from qr.serial import Keyring
from qr.sheet import get_layout, write_pdf
from qr.stamps import Stamp, mint_stamps

_QR = zxingcpp.barcode_formats_from_str("QRCode")
RING = Keyring({2: bytes(range(32))}, current=2)
GTIN = "8934602001078"
LOT = "TH2025-06-01"
PRODUCT = "Vải thiều Thanh Hà loại 1"


def _pages(pdf_path: Path, dpi: int = 300) -> list[tuple[list[str], str]]:
    """(decoded QR texts, extracted text) per page."""
    out = []
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        for page in pdf:
            image = page.render(scale=dpi / 72).to_pil()
            found = zxingcpp.read_barcodes(image, formats=_QR)
            text = " ".join(page.get_textpage().get_text_range().split())
            out.append(([r.text for r in found], text))
    finally:
        pdf.close()
    return out


def _csv_uris(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["uri"]
    return [r[0] for r in rows[1:]]


@pytest.mark.parametrize(("layout", "count", "per_page"), [
    ("a4", 45, 40),
    ("roll-30x20", 3, 1),
    ("roll-40x30", 3, 1),
])
def test_every_printed_qr_decodes_to_the_csv(
    tmp_path: Path, layout: str, count: int, per_page: int
) -> None:
    stamps = mint_stamps(RING, "https://nongso.vn", GTIN, LOT, count)
    calls: list[tuple[int, int]] = []
    n = write_pdf(tmp_path / "stamps.pdf", stamps, product=PRODUCT, lot=LOT, layout=layout,
                  progress=lambda done, total: calls.append((done, total)))
    assert n == count
    assert write_csv(tmp_path / "stamps.csv", (s.uri for s in stamps)) == count
    uris = _csv_uris(tmp_path / "stamps.csv")
    assert uris == [s.uri for s in stamps]

    pages = _pages(tmp_path / "stamps.pdf")
    assert len(pages) == -(-count // per_page)
    decoded = [t for found, _ in pages for t in found]
    assert sorted(decoded) == sorted(uris)  # every one, exactly once
    start = 0
    for found, text in pages:  # and each page holds its own stamps
        assert sorted(found) == sorted(uris[start:start + per_page])
        for s in stamps[start:start + per_page]:
            assert s.code in text
        assert "Vải thiều" in text and LOT in text  # Vietnamese survives, searchable
        start += per_page
    for uri in decoded:  # and they are genuine stamps
        parts = gs1.parse_digital_link(uri)
        assert serial.verify(RING, parts.gtin, parts.lot, parts.serial or "")
    assert calls[-1] == (count, count)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_custom_a4_grid_and_file_object(tmp_path: Path) -> None:
    stamps = mint_stamps(RING, "https://nongso.vn/r", GTIN, "A/B%1", 7)
    lay = get_layout("a4", cols=2, rows=3, margin=5, gap=0)
    assert (lay.cols, lay.rows, lay.label_width) == (2, 3, 100.0)
    buf = io.BytesIO()
    write_pdf(buf, stamps, product="Cà rốt Cẩm Giàng — một tên rất dài cho một nhãn nhỏ",
              lot="A/B%1", layout=lay)
    path = tmp_path / "grid.pdf"
    path.write_bytes(buf.getvalue())
    pages = _pages(path, dpi=200)
    assert [len(f) for f, _ in pages] == [6, 1]
    assert sorted(t for f, _ in pages for t in f) == sorted(s.uri for s in stamps)
    assert "%2F" in stamps[0].uri


def test_without_a_vietnamese_font_falls_back_cleanly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    stamps = mint_stamps(RING, "https://nongso.vn", GTIN, LOT, 2)
    with caplog.at_level(logging.WARNING, logger="qr.sheet"):
        write_pdf(tmp_path / "f.pdf", stamps, product="Đặc sản vải thiều", lot=LOT,
                  layout="roll-40x30", font_path=str(tmp_path / "missing.ttf"))
    assert "fonts-dejavu-core" in caplog.text
    pages = _pages(tmp_path / "f.pdf")
    assert "Dac san vai thieu" in pages[0][1]
    assert sorted(t for f, _ in pages for t in f) == sorted(s.uri for s in stamps)


def test_layouts() -> None:
    assert get_layout("roll-30x20").label_width == 30.0
    assert get_layout("roll-40x30").label_height == 30.0
    a4 = get_layout("a4")
    assert a4.per_page == 40
    x, y = a4.origin(39)
    assert x + a4.label_width == pytest.approx(200.0) and y == pytest.approx(10.0)
    assert a4.origin(40) == a4.origin(0)
    for bad in ("a5", "roll-10x10", ""):
        with pytest.raises(LayoutError):
            get_layout(bad)
    with pytest.raises(LayoutError):
        get_layout("a4", cols=20, rows=40)
    with pytest.raises(LayoutError):
        write_pdf(io.BytesIO(), [], product="x", lot="y", layout="letter")


def test_csv_format(tmp_path: Path) -> None:
    uris = ["https://nongso.vn/01/08934602001078/10/A%2C1/21/X", "https://x.vn/01/08934602001078"]
    out = io.StringIO()
    assert write_csv(out, uris) == 2
    assert out.getvalue() == "uri\n" + "\n".join(uris) + "\n"
    write_csv(tmp_path / "u.csv", iter(uris))
    assert (tmp_path / "u.csv").read_text(encoding="utf-8") == out.getvalue()


def test_zip_for_print_shops(tmp_path: Path) -> None:
    stamps = mint_stamps(RING, "https://nongso.vn", GTIN, LOT, 4)
    pdf = io.BytesIO()
    write_pdf(pdf, stamps, product=PRODUCT, lot=LOT)
    assert write_zip(tmp_path / "s.zip", stamps, pdf=pdf.getvalue()) == 4
    with zipfile.ZipFile(tmp_path / "s.zip") as zf:
        names = zf.namelist()
        assert names[:2] == ["stamps.csv", "stamps.pdf"]
        svgs = [n for n in names if n.startswith("svg/")]
        assert svgs == [f"svg/{i:05d}-{s.code}.svg" for i, s in enumerate(stamps, 1)]
        assert zf.read("stamps.csv").decode() == "uri\n" + "".join(s.uri + "\n" for s in stamps)
        assert zf.read("stamps.pdf").startswith(b"%PDF")
        assert b"<path d=\"M" in zf.read(svgs[0])


def test_empty_run_still_writes_a_pdf(tmp_path: Path) -> None:
    empty: list[Stamp] = []
    assert write_pdf(tmp_path / "e.pdf", empty, product="x", lot="y") == 0
    assert (tmp_path / "e.pdf").read_bytes().startswith(b"%PDF")
