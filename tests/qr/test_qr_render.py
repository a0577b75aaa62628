"""QR matrices, SVG and PNG per stamp (qr.render), decoded by zxing-cpp."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from PIL import Image

from qr import render

_QR = zxingcpp.barcode_formats_from_str("QRCode")
URI = "https://nongso.vn/01/08934602001078/10/TH2025-06-01/21/7ZV2Q0K8M4N6P1R3T5W9"


def _decode_png(data: bytes) -> list[str]:
    img = Image.open(io.BytesIO(data))
    return [r.text for r in zxingcpp.read_barcodes(img, formats=_QR)]


@pytest.mark.parametrize("mask", [None, *range(8)])
def test_png_decodes_with_every_mask(mask: int | None) -> None:
    png = render.render_png(URI, scale=4, mask=mask)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert _decode_png(png) == [URI]


def test_png_geometry() -> None:
    n = len(render.qr_matrix(URI))
    img = Image.open(io.BytesIO(render.render_png(URI, scale=3, quiet=2)))
    assert img.size == ((n + 4) * 3, (n + 4) * 3)
    assert img.mode == "1"
    assert img.getpixel((0, 0)) == 255  # quiet zone is white
    assert img.getpixel((6, 6)) == 0  # finder pattern corner is dark


def test_fixed_mask_is_the_default_and_deterministic() -> None:
    assert render.qr_matrix(URI) == render.qr_matrix(URI, mask=render.FIXED_MASK)
    assert render.qr_matrix(URI) == render.qr_matrix(URI)


def test_runs_rebuild_the_matrix() -> None:
    matrix = render.qr_matrix(URI)
    n = len(matrix)
    rebuilt = [[False] * n for _ in range(n)]
    for r, c, k in render.matrix_runs(matrix):
        assert k > 0
        for j in range(c, c + k):
            assert not rebuilt[r][j]
            rebuilt[r][j] = True
    assert rebuilt == [[bool(v) for v in row] for row in matrix]


def test_svg_is_vector_and_matches_the_matrix() -> None:
    svg = render.render_svg(URI, module_mm=0.5, quiet=4, title="A&B <code>")
    root = ET.fromstring(svg.split("\n", 1)[1])
    matrix = render.qr_matrix(URI)
    n = len(matrix)
    assert root.get("width") == f"{(n + 8) * 0.5:g}mm"
    assert root.get("viewBox") == f"0 0 {n + 8} {n + 8}"
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert root.find("s:title", ns).text == "A&B <code>"  # type: ignore[union-attr]
    d = root.find("s:path", ns).get("d")  # type: ignore[union-attr]
    rebuilt = [[False] * n for _ in range(n)]
    for c, r, k in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\3z", d or ""):
        for j in range(int(c) - 4, int(c) - 4 + int(k)):
            rebuilt[int(r) - 4][j] = True
    assert rebuilt == matrix


def test_version_cache_falls_back_when_a_longer_encoding_needs_more() -> None:
    digits = "1" * 140  # numeric mode: a small version
    text = "h" * 140  # same length, byte mode: a bigger version
    small = render.qr_matrix(digits)
    big = render.qr_matrix(text)
    assert len(big) > len(small)
    assert _decode_png(render.render_png(text, scale=3)) == [text]
    assert _decode_png(render.render_png(digits, scale=3)) == [digits]


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        render.qr_matrix(URI, ecc="X")
    with pytest.raises(ValueError):
        render.qr_matrix(URI, mask=8)
    with pytest.raises(ValueError):
        render.qr_matrix("x" * 5000)
    with pytest.raises(ValueError):
        render.render_png(URI, scale=0)
    with pytest.raises(ValueError):
        render.render_svg(URI, module_mm=0)


@pytest.mark.parametrize("ecc", ["L", "M", "Q", "H"])
def test_every_ecc_level_decodes(ecc: str) -> None:
    assert _decode_png(render.render_png(URI, scale=3, ecc=ecc)) == [URI]
