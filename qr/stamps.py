"""Stamps: one signed serial, its Digital Link URI and its printed code.

>>> ring = Keyring.generate(1)
>>> [s] = mint_stamps(ring, "https://nongso.vn", "8934602001078", "TH2025-06", 1)
>>> s.uri.startswith("https://nongso.vn/01/08934602001078/10/TH2025-06/21/")
True
"""

from __future__ import annotations

from dataclasses import dataclass

from qr.gs1 import digital_link
from qr.serial import Keyring, mint_many, short_code

__all__ = ["Stamp", "mint_stamps"]


@dataclass(frozen=True, slots=True)
class Stamp:
    """One stamp: what the QR encodes (``uri``), the serial in it, and the
    short human-readable ``code`` printed under it."""

    uri: str
    serial: str
    code: str


def mint_stamps(keyring: Keyring, base: str, gtin: str, lot: str, count: int) -> list[Stamp]:
    """Mint ``count`` new stamps for ``gtin`` and ``lot`` under the resolver ``base``.

    :raises ValueError: (a ``qr.errors`` subclass) for a bad base, GTIN or lot.
    """
    prefix = digital_link(base, gtin, lot) + "/21/"
    # Serials are Crockford base32: URI-unreserved, nothing to percent-encode.
    return [Stamp(prefix + s, s, short_code(s)) for s in mint_many(keyring, gtin, lot, count)]
