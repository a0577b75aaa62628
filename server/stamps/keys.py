"""The stamp-serial keyring and the keyed hash of scratch-off PINs (an app's keyring is
parsed once, in :class:`server.stamps.services.StampServices`)."""

from __future__ import annotations

import hashlib
import hmac

from qr.serial import Keyring
from server.settings import Settings

__all__ = ["keyring_of", "pin_hash", "pin_matches"]


def keyring_of(settings: Settings) -> Keyring:
    return Keyring.from_spec(settings.stamp_keys)


def pin_hash(secret: str, serial: str, pin: str) -> str:
    """Keyed hash of a PIN: a leaked table cannot be brute-forced without the server key
    (a 6-digit PIN has too little entropy for an unkeyed hash, and argon2 for 100,000
    stamps a batch would take minutes)."""
    return hmac.new(secret.encode(), f"pin|{serial}|{pin}".encode(), hashlib.sha256).hexdigest()


def pin_matches(secret: str, serial: str, pin: str, stored: str | None) -> bool:
    if not stored:
        return False
    return hmac.compare_digest(pin_hash(secret, serial, pin), stored)
