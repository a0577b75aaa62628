"""Errors raised by the ``qr`` library.

Every error subclasses :class:`ValueError` (segno style), so callers that only
care about "bad input" can catch ``ValueError``; the server maps the specific
classes to HTTP answers in one place.
"""

from __future__ import annotations

__all__ = [
    "QrError",
    "GS1Error",
    "CheckDigitError",
    "CharsetError",
    "DigitalLinkError",
    "SerialError",
    "SerialFormatError",
    "UnknownKeyError",
    "SerialMismatchError",
    "KeyringError",
    "LayoutError",
]


class QrError(ValueError):
    """Base class of every error of the ``qr`` library."""


class GS1Error(QrError):
    """A GS1 identifier or Digital Link URI is not valid."""


class CheckDigitError(GS1Error):
    """A GTIN or GLN has the wrong length, non-digits or a wrong check digit."""


class CharsetError(GS1Error):
    """A lot or serial is empty, too long or outside GS1 AI encodable set 82."""


class DigitalLinkError(GS1Error):
    """A GS1 Digital Link URI (or the base it is built on) is malformed."""


class SerialError(QrError):
    """A stamp serial is not genuine (base class of the serial checks)."""


class SerialFormatError(SerialError):
    """The serial is not in the platform's format (length or alphabet)."""


class UnknownKeyError(SerialError):
    """The serial names a key id that the keyring does not hold."""


class SerialMismatchError(SerialError):
    """The serial's MAC does not match: forged, mistyped or copied to another lot."""


class KeyringError(QrError):
    """A keyring is built from bad key ids or secrets."""


class LayoutError(QrError):
    """An unknown label layout, or a grid that does not fit the page."""
