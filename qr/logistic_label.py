"""GS1 logistic labels for cartons and pallets: one A6 page per logistic unit (PDF).

Laid out after the GS1 Logistic Label Guideline: the sender at the top; the content section
with the product, its GTIN as AI (02) (the trade item inside the unit), the lot (10), the
net weight (310n, kilograms with n decimals) and the packing date (13, YYMMDD); the SSCC
(00) at the bottom, human-readable and as a QR code of its GS1 Digital Link
``https://<base>/00/<SSCC>`` (the resolver answers it with the carton's page).

Pure: no database, no web; fonts with Vietnamese glyphs as :mod:`qr.sheet` finds them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from qr.errors import CheckDigitError
from qr.gs1 import sscc_is_valid
from qr.render import FIXED_MASK, matrix_runs, qr_matrix
from qr.sheet import _fonts

__all__ = ["CartonLabel", "write_labels", "net_weight_element", "sscc_text"]

PAGE = (105 * mm, 148 * mm)  # A6, portrait
_PAD = 6 * mm


@dataclass(frozen=True, slots=True)
class CartonLabel:
    """What one carton's label shows."""

    sscc: str
    uri: str
    sender: str
    product: str
    gtin: str | None = None
    lot: str | None = None
    net_kg: float | None = None
    packed: date | None = None


def sscc_text(sscc: str) -> str:
    """The SSCC as printed under the barcode: ``(00) 0 8930000 000000042 2``."""
    return f"(00) {sscc[0]} {sscc[1:8]} {sscc[8:17]} {sscc[17]}"


def net_weight_element(kg: float) -> str:
    """Net weight as GS1 element (310n): the fewest decimals (0–5) that keep the value,
    6 digits: ``net_weight_element(12.5) == "(3101) 000125"``."""
    for n in range(6):
        scaled = round(kg * 10 ** n, 6)
        if scaled == int(scaled) and scaled < 1_000_000:
            return f"(310{n}) {int(scaled):06d}"
    raise ValueError(f"net weight {kg} does not fit AI 310n")


def _qr(canvas: Canvas, uri: str, x: float, y: float, side: float) -> None:
    matrix = qr_matrix(uri, ecc="M", mask=FIXED_MASK)
    n = len(matrix)
    m = side / (n + 8)  # four modules of quiet zone each side
    x0, top = x + 4 * m, y + side - 4 * m
    path = canvas.beginPath()
    for r, c, k in matrix_runs(matrix):
        path.rect(x0 + c * m, top - (r + 1) * m, k * m, m)
    canvas.setFillGray(0)
    canvas.drawPath(path, stroke=0, fill=1)


def _page(canvas: Canvas, label: CartonLabel, regular: str, bold: str,
          fold: Callable[[str], str]) -> None:
    """One label; ``fold`` is the fonts' text(): NFC, or ASCII without a Vietnamese font."""
    w, h = PAGE
    y = h - _PAD
    canvas.setFont(regular, 7)
    y -= 7
    canvas.drawString(_PAD, y, fold("Từ / From:"))
    canvas.setFont(bold, 10)
    y -= 12
    canvas.drawString(_PAD, y, fold(label.sender)[:48])
    y -= 6
    canvas.line(_PAD, y, w - _PAD, y)
    canvas.setFont(bold, 11)
    y -= 16
    canvas.drawString(_PAD, y, fold(label.product)[:44])
    canvas.setFont(regular, 10)
    rows = []
    if label.gtin:
        rows.append(f"(02) {label.gtin}")
    if label.lot:
        rows.append(f"(10) {label.lot}")
    if label.net_kg:
        rows.append(f"{net_weight_element(label.net_kg)}   {label.net_kg:g} kg")
    if label.packed:
        rows.append(f"(13) {label.packed:%y%m%d}   {label.packed:%d/%m/%Y}")
    for row in rows:
        y -= 14
        canvas.drawString(_PAD, y, row)
    y -= 8
    canvas.line(_PAD, y, w - _PAD, y)
    side = min(y - _PAD - 20, w - 2 * _PAD)
    _qr(canvas, label.uri, (w - side) / 2, _PAD + 20, side)
    canvas.setFont(bold, 11)
    canvas.drawCentredString(w / 2, _PAD + 8, "SSCC " + sscc_text(label.sscc))


def write_labels(out: str | BinaryIO, labels: Iterable[CartonLabel],
                 font_path: str | None = None) -> int:
    """Write one A6 page per label to ``out`` (a path or a binary file); the page count.

    :raises CheckDigitError: for a label whose SSCC is not valid.
    """
    fonts = _fonts(font_path, None)
    canvas = Canvas(out, pagesize=PAGE, pageCompression=1)
    canvas.setTitle("GS1 logistic labels (SSCC)")
    count = 0
    for label in labels:
        if not sscc_is_valid(label.sscc):
            raise CheckDigitError(f"not a valid SSCC: {label.sscc!r}")
        _page(canvas, label, fonts.regular, fonts.bold, fonts.text)
        canvas.showPage()
        count += 1
    canvas.save()
    return count
