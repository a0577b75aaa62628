"""QR matrices and single-stamp images (SVG, PNG).

The module matrix comes from the ``qrcode`` library. Two things make it
cheap enough to print thousands of stamps a second:

* **a fixed mask.** ``qrcode`` picks a mask by building the symbol eight
  times and scoring each (``best_mask_pattern``); a fixed mask builds it once.
  Any of the eight masks gives a valid symbol that every reader decodes
  (the tests decode every printed stamp with zxing-cpp). Measured on this
  machine (2 vCPU, CPython 3.11, qrcode 8.2, shared with other jobs) for
  75-character stamp URIs (version 4-M, 33 × 33 modules), 500 URIs, best of
  3 rounds — ``bench/stamps.py`` measures it again on every run::

      mask chosen by qrcode            5.4 ms/symbol
      fixed mask                       0.97 ms/symbol   (5.6x faster)
      fixed mask + cached version      0.76 ms/symbol   (7x faster)

  :data:`FIXED_MASK` is mask 2 because, over 200 sample stamp URIs, it had the
  lowest mean ISO/IEC 18004 penalty score of the eight (727, against 752–937):
  the mask ``qrcode`` would most often have picked anyway.

* **the version cached per URI length**: stamps of one lot share all but the
  serial, so ``best_fit`` runs once per length, not once per stamp (a longer
  encoding than cached falls back to fitting).

SVG and PNG are written from the matrix directly (one path of row runs; a
1-bit PNG written with ``zlib``), with no imaging library.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Sequence

import qrcode
import qrcode.constants
import qrcode.exceptions

__all__ = [
    "FIXED_MASK",
    "Matrix",
    "qr_matrix",
    "matrix_runs",
    "render_svg",
    "render_png",
]

FIXED_MASK = 2
"""The mask every stamp uses (``column mod 3 == 0``); why: see the module docstring."""

Matrix = list[list[bool]]
"""Rows of modules, top row first; ``True`` is dark. No quiet zone."""

_ECC = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}
_versions: dict[tuple[int, str], int] = {}
_DARK_RUN = re.compile(b"\x01+")


def qr_matrix(data: str, *, ecc: str = "M", mask: int | None = FIXED_MASK) -> Matrix:
    """Return the QR module matrix for ``data`` (byte/alphanumeric/numeric
    segments chosen by ``qrcode``), without quiet zone.

    ``ecc`` is ``"L"``, ``"M"``, ``"Q"`` or ``"H"``; ``mask`` 0–7 fixes the mask,
    ``None`` lets ``qrcode`` choose (about ten times slower).

    :raises ValueError: for a bad ``ecc`` or ``mask``, or data too long for a QR code.
    """
    try:
        level = _ECC[ecc]
    except KeyError:
        raise ValueError(f"ecc must be one of L, M, Q, H, got {ecc!r}") from None
    key = (len(data), ecc)
    version = _versions.get(key)
    try:
        if version is not None:
            try:
                return _make(data, level, mask, version)
            except qrcode.exceptions.DataOverflowError:
                pass
        qr = qrcode.QRCode(error_correction=level, border=0, mask_pattern=mask)
        qr.add_data(data)
        qr.make(fit=True)
    except qrcode.exceptions.DataOverflowError:
        raise ValueError("data too long for a QR code") from None
    _versions[key] = max(qr.version, version or 0)
    return qr.modules  # type: ignore[no-any-return]


def matrix_runs(matrix: Matrix) -> list[tuple[int, int, int]]:
    """The dark modules as horizontal runs ``(row, column, length)``, row by row."""
    width = len(matrix) + 1
    # One byte string, rows separated by a light byte so no run spans two rows.
    flat = b"\x00".join([bytes(row) for row in matrix])
    runs: list[tuple[int, int, int]] = []
    append = runs.append
    for start, end in map(re.Match.span, _DARK_RUN.finditer(flat)):
        row, col = divmod(start, width)
        append((row, col, end - start))
    return runs


def render_svg(
    data: str,
    *,
    module_mm: float = 0.5,
    quiet: int = 4,
    ecc: str = "M",
    mask: int | None = FIXED_MASK,
    title: str | None = None,
) -> str:
    """An SVG document of the QR code for ``data``, ``module_mm`` millimetres
    per module, with a ``quiet``-module white border. Vector: one path."""
    if quiet < 0 or module_mm <= 0:
        raise ValueError("quiet must be >= 0 and module_mm > 0")
    matrix = qr_matrix(data, ecc=ecc, mask=mask)
    side = len(matrix) + 2 * quiet
    size = _num(side * module_mm)
    d = "".join(f"M{c + quiet} {r + quiet}h{n}v1h-{n}z" for r, c, n in matrix_runs(matrix))
    head = f"<title>{_xml_escape(title)}</title>" if title else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}mm" height="{size}mm" '
        f'viewBox="0 0 {side} {side}" shape-rendering="crispEdges">{head}'
        f'<rect width="{side}" height="{side}" fill="#fff"/>'
        f'<path d="{d}" fill="#000"/></svg>\n'
    )


def render_png(
    data: str,
    *,
    scale: int = 8,
    quiet: int = 4,
    ecc: str = "M",
    mask: int | None = FIXED_MASK,
) -> bytes:
    """A 1-bit greyscale PNG of the QR code for ``data``, ``scale`` pixels per module."""
    if scale < 1 or quiet < 0:
        raise ValueError("scale must be >= 1 and quiet >= 0")
    return _png_1bit(qr_matrix(data, ecc=ecc, mask=mask), scale, quiet)


# --------------------------------------------------------------------------
# private helpers


def _make(data: str, level: int, mask: int | None, version: int) -> Matrix:
    qr = qrcode.QRCode(version=version, error_correction=level, border=0, mask_pattern=mask)
    qr.add_data(data)
    qr.make(fit=False)
    return qr.modules  # type: ignore[no-any-return]


def _png_1bit(matrix: Sequence[Sequence[bool]], scale: int, quiet: int) -> bytes:
    n = len(matrix)
    side = (n + 2 * quiet) * scale
    row_bytes = (side + 7) // 8
    white_row = b"\x00" + b"\xff" * row_bytes
    raw = bytearray()
    for _ in range(quiet * scale):
        raw += white_row
    for row in matrix:
        # 1 bit per pixel, 1 = white: start all white, clear dark modules.
        bits = (1 << side) - 1
        for c, dark in enumerate(row):
            if dark:
                x0 = (quiet + c) * scale
                bits &= ~(((1 << scale) - 1) << (side - x0 - scale))
        line = b"\x00" + (bits << (row_bytes * 8 - side)).to_bytes(row_bytes, "big")
        for _ in range(scale):
            raw += line
    for _ in range(quiet * scale):
        raw += white_row
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        + _png_chunk(b"IEND", b"")
    )


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _num(x: float) -> str:
    return f"{x:.3f}".rstrip("0").rstrip(".")


def _xml_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
