"""Files for print shops: the CSV of stamp URIs, and a ZIP with CSV, PDF and
one SVG per stamp.

The CSV is what ``nongso stamps issue`` writes beside ``stamps.pdf``: a header
line ``uri``, then one Digital Link URI a line (URIs are percent-encoded, so
no field ever needs quoting).
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from collections.abc import Callable, Iterable, Sequence
from typing import BinaryIO, TextIO

from qr.render import render_svg
from qr.stamps import Stamp

__all__ = ["write_csv", "write_zip"]

Progress = Callable[[int, int], None]


def write_csv(out: str | os.PathLike[str] | TextIO, uris: Iterable[str]) -> int:
    """Write the print-shop CSV: header ``uri``, then one URI a line. Returns the count."""
    if isinstance(out, (str, os.PathLike)):
        with open(out, "w", encoding="utf-8", newline="") as fh:
            return write_csv(fh, uris)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["uri"])
    n = 0
    for uri in uris:
        writer.writerow([uri])
        n += 1
    return n


def write_zip(
    out: str | os.PathLike[str] | BinaryIO,
    stamps: Sequence[Stamp],
    *,
    pdf: bytes | None = None,
    svg: bool = True,
    progress: Progress | None = None,
) -> int:
    """Write a ZIP for a print shop: ``stamps.csv``, ``stamps.pdf`` (if given)
    and, with ``svg``, one vector file per stamp ``svg/<nnnnn>-<code>.svg``.
    Returns the number of stamps."""
    target = os.fspath(out) if isinstance(out, (str, os.PathLike)) else out
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        text = io.StringIO()
        write_csv(text, (s.uri for s in stamps))
        zf.writestr("stamps.csv", text.getvalue())
        if pdf is not None:
            zf.writestr("stamps.pdf", pdf)
        if svg:
            width = max(5, len(str(len(stamps))))
            for i, s in enumerate(stamps, 1):
                zf.writestr(f"svg/{i:0{width}d}-{s.code}.svg", render_svg(s.uri, title=s.code))
                if progress is not None and i % 100 == 0:
                    progress(i, len(stamps))
    if progress is not None:
        progress(len(stamps), len(stamps))
    return len(stamps)
