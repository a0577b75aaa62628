"""The one "is this stamp genuine" gate: parse the GS1 Digital Link of a stamp and check
its serial's MAC, before any database query.

Every way in — the consumer scan (:mod:`server.stamps.fastpath` and the resolver route),
the scratch-off PIN, the traceability and certification links — goes through
:func:`genuine` (a request path or URI) or :func:`genuine_ids` (identifiers already split).
Either returns the stamp's :class:`~qr.gs1.DigitalLink` or raises a domain error from
:mod:`server.errors` (mapped to HTTP there): :class:`~server.errors.MalformedStampUri`,
:class:`~server.errors.NotAStampUri`, :class:`~server.errors.StampNotGenuine`.
"""

from __future__ import annotations

from qr import serial as qserial
from qr.errors import GS1Error
from qr.gs1 import DigitalLink, parse_digital_link
from qr.serial import Keyring
from server.errors import MalformedStampUri, NotAStampUri, StampNotGenuine

__all__ = ["genuine", "genuine_ids", "is_genuine"]

_NOT_GENUINE = "This stamp is not genuine: its serial does not match its product and lot."


def genuine_ids(keyring: Keyring, gtin: str, lot: str | None,
                serial: str | None) -> DigitalLink:
    """The stamp named by these identifiers, if its serial carries our MAC over them."""
    if not lot or not serial:
        raise NotAStampUri(
            "This resolver answers for stamps: /01/<GTIN>/10/<lot>/21/<serial>.")
    if not qserial.verify(keyring, gtin, lot, serial):
        # No database query: the MAC alone says this stamp was never issued by us.
        raise StampNotGenuine(_NOT_GENUINE)
    return DigitalLink(gtin, lot, serial)


def genuine(keyring: Keyring, raw_path: str) -> DigitalLink:
    """The stamp of a request path (``raw_path``, still percent-encoded) or URI."""
    try:
        link = parse_digital_link(raw_path)
    except GS1Error as exc:
        raise MalformedStampUri(f"Malformed GS1 Digital Link URI: {exc}") from None
    return genuine_ids(keyring, link.gtin, link.lot, link.serial)


def is_genuine(keyring: Keyring, raw_path: str) -> DigitalLink | None:
    """:func:`genuine`, None instead of an error (the fast path: the route answers those)."""
    try:
        return genuine(keyring, raw_path)
    except (MalformedStampUri, NotAStampUri, StampNotGenuine):
        return None
