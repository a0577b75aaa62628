"""Print-ready stamp output: PDF label sheets (CSV and ZIP: :mod:`qr.export`).

Layouts (millimetres):

* ``a4`` — an A4 page with a configurable grid (default 4 × 10 labels,
  10 mm page margins, 2 mm gaps: labels of 46 × 25.9 mm);
* ``roll-30x20`` and ``roll-40x30`` — one label per page of that size, as
  thermal roll-label printers take them.

Each label has the QR code on the left and, on the right, the product name
(Vietnamese, wrapped and shrunk to fit), ``Lô: <lot>`` and the stamp's short
code. The QR modules are drawn as PDF vector rectangles straight from the
``qrcode`` matrix — one filled path of row runs per stamp, written as raw
content-stream operators in module units under one ``cm`` transform — and the
text that every label of a sheet shares is one Form XObject drawn per label.

The quiet zone is 4 modules counting the label's own margin (die-cut label
edges are blank), so small labels keep large modules.

Fonts: a TrueType font with Vietnamese glyphs is embedded (subset): DejaVu
Sans from Debian's ``fonts-dejavu-core`` when present, else DejaVu Sans
Condensed (``fonts-dejavu-extra``) or Noto Sans (``fonts-noto-core``), or the
``font_path``/``bold_font_path`` given. Without any, labels fall back to
Helvetica with the diacritics removed ("Vai thieu Thanh Ha") and a warning is
logged.
"""

from __future__ import annotations

import functools
import logging
import os
import unicodedata
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from reportlab import rl_config
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from qr.errors import LayoutError
from qr.render import FIXED_MASK, matrix_runs, qr_matrix
from qr.serial import ALPHABET
from qr.stamps import Stamp

__all__ = ["LAYOUTS", "Layout", "Progress", "get_layout", "write_pdf"]

log = logging.getLogger(__name__)

LAYOUTS = ("a4", "roll-30x20", "roll-40x30")

Progress = Callable[[int, int], None]
"""``progress(done, total)``: called after each page (every 100 labels on rolls) and at the end."""

_FONT_CANDIDATES = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
     "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf",
     "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf"),
    ("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
     "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf"),
)
_VIETNAMESE_PROBE = "ĂÂĐÊÔƠƯăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"
_QUIET = 4


@dataclass(frozen=True, slots=True)
class Layout:
    """A label stock: page size, label size and grid, all in millimetres."""

    name: str
    page_width: float
    page_height: float
    label_width: float
    label_height: float
    cols: int = 1
    rows: int = 1
    margin_left: float = 0.0
    margin_top: float = 0.0
    gap_x: float = 0.0
    gap_y: float = 0.0
    padding: float = 1.0

    @property
    def per_page(self) -> int:
        return self.cols * self.rows

    def origin(self, index: int) -> tuple[float, float]:
        """Bottom-left corner (mm, PDF coordinates) of label ``index`` on its page."""
        row, col = divmod(index % self.per_page, self.cols)
        x = self.margin_left + col * (self.label_width + self.gap_x)
        y = self.page_height - self.margin_top - (row + 1) * self.label_height - row * self.gap_y
        return x, y


def get_layout(
    name: str, *, cols: int = 4, rows: int = 10, margin: float = 10.0, gap: float = 2.0
) -> Layout:
    """The layout called ``name`` (one of :data:`LAYOUTS`).

    ``cols``, ``rows``, ``margin`` (page margin, mm) and ``gap`` (between
    labels, mm) shape the ``a4`` grid; the roll layouts ignore them.

    :raises LayoutError: for an unknown name or a grid that does not fit.
    """
    if name == "roll-30x20":
        return Layout(name, 30.0, 20.0, 30.0, 20.0)
    if name == "roll-40x30":
        return Layout(name, 40.0, 30.0, 40.0, 30.0, padding=1.5)
    if name != "a4":
        raise LayoutError(f"unknown layout {name!r}; choose one of {', '.join(LAYOUTS)}")
    if cols < 1 or rows < 1 or margin < 0 or gap < 0:
        raise LayoutError("a4 grid needs cols, rows >= 1 and margin, gap >= 0")
    width = (210.0 - 2 * margin - (cols - 1) * gap) / cols
    height = (297.0 - 2 * margin - (rows - 1) * gap) / rows
    if width < 20.0 or height < 12.0:
        raise LayoutError(f"a4 grid {cols}x{rows} gives {width:.1f} x {height:.1f} mm labels; "
                          "at least 20 x 12 mm needed")
    return Layout("a4", 210.0, 297.0, width, height, cols, rows, margin, margin, gap, gap)


def write_pdf(
    out: str | os.PathLike[str] | BinaryIO,
    stamps: Sequence[Stamp],
    *,
    product: str,
    lot: str,
    layout: Layout | str = "a4",
    progress: Progress | None = None,
    ecc: str = "M",
    font_path: str | None = None,
    bold_font_path: str | None = None,
) -> int:
    """Write the stamps as a print-ready PDF; return the number of labels.

    ``product`` (Vietnamese, any length: it is wrapped and shrunk to fit) and
    ``lot`` are printed on every label; ``progress(done, total)`` is called
    after each page (every 100 labels on rolls) and at the end.

    :raises LayoutError: for an unknown layout name.
    """
    lay = get_layout(layout) if isinstance(layout, str) else layout
    fonts = _fonts(font_path, bold_font_path)
    target = os.fspath(out) if isinstance(out, (str, os.PathLike)) else out
    # reportlab wraps compressed streams in ASCII85 by default, in pure Python
    # (~10 % of the run); binary streams are just as valid. The switch is
    # global in reportlab, so set it only while this PDF is built.
    saved_a85 = rl_config.useA85
    rl_config.useA85 = 0
    try:
        return _write_pdf(target, stamps, lay, fonts, product, lot, progress, ecc)
    finally:
        rl_config.useA85 = saved_a85


# --------------------------------------------------------------------------
# private helpers: the PDF


def _write_pdf(
    target: str | BinaryIO,
    stamps: Sequence[Stamp],
    lay: Layout,
    fonts: _Fonts,
    product: str,
    lot: str,
    progress: Progress | None,
    ecc: str,
) -> int:
    total = len(stamps)
    canvas = Canvas(target, pagesize=(lay.page_width * mm, lay.page_height * mm),
                    pageCompression=1)
    canvas.setTitle(f"{fonts.text(product)} · {lot}")
    canvas.setCreator("nongso qr.sheet")
    box = _LabelBox.of(lay)
    form = _static_form(canvas, lay, box, fonts, product, lot)
    code_font, code_size, code_x, code_y = _code_style(box, fonts)
    per_page = lay.per_page
    for i, stamp in enumerate(stamps):
        if i and i % per_page == 0:
            canvas.showPage()
        x, y = lay.origin(i)
        canvas.saveState()
        canvas.translate(x * mm, y * mm)
        canvas.doForm(form)
        canvas.addLiteral(_qr_ops(stamp.uri, box, ecc))
        canvas.setFont(code_font, code_size)
        canvas.drawString(code_x, code_y, stamp.code)
        canvas.restoreState()
        done = i + 1
        if progress is not None and done < total and done % per_page == 0 and (
            per_page > 1 or done % 100 == 0
        ):
            progress(done, total)
    canvas.showPage()
    canvas.save()
    if progress is not None:
        progress(total, total)
    return total


# --------------------------------------------------------------------------
# private helpers: fonts


@dataclass(frozen=True, slots=True)
class _Fonts:
    regular: str
    bold: str
    vietnamese: bool

    def text(self, s: str) -> str:
        s = unicodedata.normalize("NFC", s)
        return s if self.vietnamese else _ascii_fold(s)


@functools.lru_cache(maxsize=8)
def _fonts(font_path: str | None, bold_font_path: str | None) -> _Fonts:
    candidates = [(font_path, bold_font_path or font_path)] if font_path else list(_FONT_CANDIDATES)
    for regular, bold in candidates:
        assert regular is not None and bold is not None
        try:  # names unique per file: reportlab's font registry is global
            faces = [TTFont(f"NongsoLabel-{zlib.crc32(path.encode()):08x}", path)
                     for path in (regular, bold)]
        except Exception as exc:  # missing or unreadable font file
            log.debug("label font %s unusable: %s", regular, exc)
            continue
        if all(ord(c) in f.face.charToGlyph for f in faces for c in _VIETNAMESE_PROBE):
            for f in faces:
                pdfmetrics.registerFont(f)
            return _Fonts(faces[0].fontName, faces[1].fontName, True)
        log.debug("label font %s lacks Vietnamese glyphs", regular)
    log.warning("no TrueType font with Vietnamese glyphs found (install fonts-dejavu-core); "
                "labels fall back to Helvetica without diacritics")
    return _Fonts("Helvetica", "Helvetica-Bold", False)


def _ascii_fold(s: str) -> str:
    s = s.replace("Đ", "D").replace("đ", "d")
    s = "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))
    return s.encode("latin-1", "replace").decode("latin-1")


# --------------------------------------------------------------------------
# private helpers: label geometry and drawing (points, label-relative)


@dataclass(frozen=True, slots=True)
class _LabelBox:
    pad: float  # label margin
    qr_x: float  # QR box (quiet zone included), bottom-left and side
    qr_y: float
    qr_side: float
    text_x: float  # text column
    text_width: float
    top: float
    bottom: float

    @classmethod
    def of(cls, lay: Layout) -> _LabelBox:
        w, h, pad = lay.label_width * mm, lay.label_height * mm, lay.padding * mm
        side = min(h - 2 * pad, (w - 2 * pad) * 0.6)
        qr_y = (h - side) / 2
        text_x = pad + side + pad
        return cls(pad, pad, qr_y, side, text_x, w - text_x - pad, h - pad, pad)


def _qr_ops(uri: str, box: _LabelBox, ecc: str) -> str:
    matrix = qr_matrix(uri, ecc=ecc, mask=FIXED_MASK)
    n = len(matrix)
    # Smallest inner quiet zone q such that q modules plus the label margin
    # make at least 4 modules; the larger the module the better.
    for q in range(1, _QUIET + 1):
        m = box.qr_side / (n + 2 * q)
        if q * m + box.pad >= _QUIET * m:
            break
    x0 = box.qr_x + (box.qr_side - n * m) / 2
    y0 = box.qr_y + (box.qr_side + n * m) / 2  # top edge of the symbol
    rects = "".join([f"{c} {r} {k} 1 re\n" for r, c, k in matrix_runs(matrix)])
    return f"q 0 g {m:.4f} 0 0 {-m:.4f} {x0:.3f} {y0:.3f} cm\n{rects}f Q"


def _static_form(
    canvas: Canvas, lay: Layout, box: _LabelBox, fonts: _Fonts, product: str, lot: str
) -> str:
    """Draw the text every label shares into a Form XObject; return its name."""
    name = "nongsoLabel"
    canvas.beginForm(name, 0, 0, lay.label_width * mm, lay.label_height * mm)
    width = box.text_width
    y = box.top
    size, lines = _fit(fonts.text(product), fonts.bold, width, 9.0, 4.0, 3)
    canvas.setFont(fonts.bold, size)
    for line in lines:
        y -= size
        canvas.drawString(box.text_x, y, line)
        y -= size * 0.15
    y -= size * 0.35
    size, lines = _fit(fonts.text(f"Lô: {lot}"), fonts.regular, width, 7.0, 3.5, 2)
    canvas.setFont(fonts.regular, size)
    for line in lines:
        y -= size
        canvas.drawString(box.text_x, y, line)
        y -= size * 0.15
    canvas.endForm()
    return name


def _code_style(box: _LabelBox, fonts: _Fonts) -> tuple[str, float, float, float]:
    """Font, size and position of the short code (``XXXX-XXXX``), sized for the widest."""
    widest = max(pdfmetrics.stringWidth(c, fonts.bold, 1.0) for c in ALPHABET)
    unit = 8 * widest + pdfmetrics.stringWidth("-", fonts.bold, 1.0)
    size = max(3.5, min(9.0, box.text_width / unit))
    return fonts.bold, size, box.text_x, box.bottom + size * 0.25


def _fit(
    text: str, font: str, width: float, max_size: float, min_size: float, max_lines: int
) -> tuple[float, list[str]]:
    """Largest size (0.5 pt steps) at which ``text`` wraps into ``max_lines``
    lines of ``width``; at ``min_size``, words are broken and the last line is
    cut with an ellipsis."""
    words = text.split() or [""]
    size = max_size
    while size >= min_size:
        lines = _wrap(words, font, size, width, break_words=False)
        if lines is not None and len(lines) <= max_lines:
            return size, lines
        size -= 0.5
    lines = _wrap(words, font, min_size, width, break_words=True)
    assert lines is not None
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and pdfmetrics.stringWidth(last + "…", font, min_size) > width:
            last = last[:-1]
        lines = lines[: max_lines - 1] + [last + "…"]
    return min_size, lines


def _wrap(
    words: list[str], font: str, size: float, width: float, *, break_words: bool
) -> list[str] | None:
    """Greedy word wrap; ``None`` if a word is wider than a line and may not be broken."""

    def fits(s: str) -> bool:
        return float(pdfmetrics.stringWidth(s, font, size)) <= width

    lines: list[str] = []
    line = ""
    for word in words:
        candidate = f"{line} {word}" if line else word
        if fits(candidate):
            line = candidate
            continue
        if line:
            lines.append(line)
        if fits(word):
            line = word
            continue
        if not break_words:
            return None
        line = ""
        for ch in word:
            if line and not fits(line + ch):
                lines.append(line)
                line = ""
            line += ch
    lines.append(line)
    return lines
