"""nongso's QR stamp library (a leaf: pure Python, no database, no web framework).

Modules, imported one by one so a caller pays only for what it uses:

* :mod:`qr.gs1` — GTIN/GLN check digits, GS1 Digital Link URIs (parsed into a frozen
  :class:`~qr.gs1.DigitalLink`), AI-82 values;
* :mod:`qr.serial` — signed stamp serials (HMAC, key rotation) and short codes;
* :mod:`qr.stamps` — a stamp: URI, serial and printed code;
* :mod:`qr.render` — QR matrices with a fixed mask, SVG and PNG per stamp;
* :mod:`qr.sheet` — print-ready PDF label sheets (reportlab);
* :mod:`qr.export` — CSV of URIs and ZIP for print shops;
* :mod:`qr.errors` — every error, each a ``ValueError``.
"""

__all__: list[str] = []
