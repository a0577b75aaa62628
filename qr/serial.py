"""Signed stamp serials: genuine or not, decided without a database.

A serial is 20 characters of Crockford base32, uppercase
(``0123456789ABCDEFGHJKMNPQRSTVWXYZ``: no I, L, O or U, so nothing to confuse
on print, and every character is URI-unreserved and in GS1 AI set 82). The 20
characters carry 100 bits, most significant first::

    bits 99..95   key id            5 bits   (0-31; it is the first character)
    bits 94..31   random nonce     64 bits   (os.urandom)
    bits 30..0    MAC              31 bits

MAC = the first 31 bits of HMAC-SHA256(secret[key id],
``"nongso-serial-v1|" GTIN-14 "|" lot "|" key id "|" nonce (16 hex digits)``).
AI-82 has no ``|``, so the message is unambiguous. The lot is part of the
message: a serial copied onto another lot's (or product's) URI fails.

Bit budget and what it buys:

* forging: a guessed serial for a given GTIN and lot passes with probability
  2**-31 ≈ 4.7e-10 per try (about one in 2.1 billion); a million guesses
  succeed with probability ≈ 4.7e-4, and each guess is a request to the
  resolver, which logs and rate-limits it. Knowing any number of genuine
  serials does not help (HMAC-SHA256 is a PRF).
* mistyping: any change to the nonce or MAC characters is caught except with
  probability 2**-31; a change to the key id character lands on an unknown
  key (rejected outright) or on another key (again 2**-31).
* uniqueness: 64 random bits per stamp; among a million stamps of one GTIN
  the chance of any repeated nonce is ≈ n²/2**65 ≈ 2.7e-8 (the issuing
  database's unique constraint catches the rest).
* rotation: up to 32 key ids live at once; retire a key by dropping it from
  the keyring, and every serial signed with it stops verifying.

The short human-readable code printed under a QR (:func:`short_code`) is the
serial's last 8 characters as ``XXXX-XXXX`` (40 bits: 9 nonce bits and the
31 MAC bits), for matching a label against the scan page by eye.
"""

from __future__ import annotations

import hmac
import os
import secrets
from collections.abc import Mapping
from hashlib import sha256

from qr.errors import KeyringError, SerialFormatError, SerialMismatchError, UnknownKeyError
from qr.gs1 import MAX_LOT_LENGTH, normalize_gtin, validate_ai82

__all__ = [
    "ALPHABET",
    "SERIAL_LENGTH",
    "Keyring",
    "mint",
    "mint_many",
    "verify",
    "check",
    "is_well_formed",
    "short_code",
]

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Crockford base32, uppercase."""
SERIAL_LENGTH = 20

_KEY_BITS = 5
_NONCE_BITS = 64
_MAC_BITS = 31
_MAX_KEY_ID = (1 << _KEY_BITS) - 1
_MIN_SECRET = 16
_DOMAIN = b"nongso-serial-v1|"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_MAC_SHIFT = 256 - _MAC_BITS
_MAC_MASK = (1 << _MAC_BITS) - 1
assert _KEY_BITS + _NONCE_BITS + _MAC_BITS == 5 * SERIAL_LENGTH


class Keyring:
    """Serial-signing secrets by key id (0–31), and the id new serials use.

    >>> ring = Keyring({1: bytes(32)}, current=1)

    Rotate by building a keyring with a new current key and the old ones
    kept as long as their stamps must verify. ``repr`` never shows secrets.
    """

    __slots__ = ("_current", "_keys", "_macs")

    def __init__(self, keys: Mapping[int, bytes], current: int) -> None:
        if not keys:
            raise KeyringError("a keyring needs at least one key")
        for kid, secret in keys.items():
            if not isinstance(kid, int) or isinstance(kid, bool) or not 0 <= kid <= _MAX_KEY_ID:
                raise KeyringError(f"key id must be an int in 0..{_MAX_KEY_ID}, got {kid!r}")
            if not isinstance(secret, bytes) or len(secret) < _MIN_SECRET:
                raise KeyringError(f"key {kid}: secret must be at least {_MIN_SECRET} bytes")
        if current not in keys:
            raise KeyringError(f"current key id {current!r} is not in the keyring")
        self._keys: dict[int, bytes] = dict(keys)
        self._current = current
        self._macs = {kid: hmac.new(s, _DOMAIN, sha256) for kid, s in self._keys.items()}

    @property
    def current(self) -> int:
        """The key id that :func:`mint` signs with."""
        return self._current

    @property
    def key_ids(self) -> tuple[int, ...]:
        """Every key id held, sorted."""
        return tuple(sorted(self._keys))

    @classmethod
    def generate(cls, key_id: int = 0) -> Keyring:
        """A keyring with one fresh 32-byte random secret (demos and tests)."""
        return cls({key_id: secrets.token_bytes(32)}, current=key_id)

    @classmethod
    def from_spec(cls, spec: str) -> Keyring:
        """Parse ``"ID:HEX[,ID:HEX…]"`` (e.g. from a settings variable).

        The first entry is the current key.

        :raises KeyringError: for a malformed spec.
        """
        keys: dict[int, bytes] = {}
        first: int | None = None
        for item in spec.split(","):
            kid_text, sep, hex_secret = item.strip().partition(":")
            try:
                if not sep:
                    raise ValueError("missing ':'")
                kid = int(kid_text, 10)
                secret = bytes.fromhex(hex_secret)
            except ValueError:
                raise KeyringError("keyring spec must be ID:HEX[,ID:HEX…]") from None
            if kid in keys:
                raise KeyringError(f"key id {kid} appears twice")
            keys[kid] = secret
            first = kid if first is None else first
        assert first is not None
        return cls(keys, current=first)

    def to_spec(self) -> str:
        """The inverse of :meth:`from_spec` (current key first). Contains secrets."""
        order = [self._current] + [k for k in sorted(self._keys) if k != self._current]
        return ",".join(f"{k}:{self._keys[k].hex()}" for k in order)

    def __repr__(self) -> str:
        return f"Keyring(current={self._current}, key_ids={list(self.key_ids)})"

    def _mac(self, kid: int, head: bytes, nonce: int) -> int:
        mac = self._macs[kid].copy()
        mac.update(head)
        mac.update(b"%016x" % nonce)
        return int.from_bytes(mac.digest(), "big") >> _MAC_SHIFT


def mint(keyring: Keyring, gtin: str, lot: str | None = None, *, nonce: int | None = None) -> str:
    """Return a new signed serial for one stamp of ``gtin`` (and ``lot``).

    ``nonce`` (64-bit int) is for reproducible tests and idempotent
    re-issuing; by default 64 bits come from ``os.urandom``.

    :raises CheckDigitError: for a bad GTIN.
    :raises CharsetError: for a bad lot.
    :raises ValueError: for a nonce outside 0..2**64-1.
    """
    head = _head(gtin, lot, keyring.current)
    if nonce is None:
        nonce = int.from_bytes(os.urandom(8), "big")
    elif not 0 <= nonce < 1 << _NONCE_BITS:
        raise ValueError("nonce must be in 0..2**64-1")
    return _encode(keyring, keyring.current, head, nonce)


def mint_many(keyring: Keyring, gtin: str, lot: str | None, count: int) -> list[str]:
    """Return ``count`` new serials for ``gtin`` and ``lot`` (distinct nonces)."""
    if count < 0:
        raise ValueError("count must not be negative")
    kid = keyring.current
    head = _head(gtin, lot, kid)
    raw = os.urandom(8 * count)
    nonces = {int.from_bytes(raw[i : i + 8], "big") for i in range(0, 8 * count, 8)}
    while len(nonces) < count:  # a 64-bit repeat: astronomically rare
        nonces.add(int.from_bytes(os.urandom(8), "big"))
    return [_encode(keyring, kid, head, n) for n in nonces]


def check(keyring: Keyring, gtin: str, lot: str | None, serial: str) -> None:
    """Return if ``serial`` is genuine for ``gtin`` and ``lot``, else raise.

    :raises SerialFormatError: not 20 characters of the uppercase alphabet
        (also for a bad GTIN or lot).
    :raises UnknownKeyError: names a key id the keyring does not hold.
    :raises SerialMismatchError: the MAC does not match.
    """
    if not is_well_formed(serial):
        raise SerialFormatError("serial is not 20 characters of Crockford base32")
    value = 0
    for c in serial:
        value = (value << 5) | _VALUE[c]
    kid = value >> (_NONCE_BITS + _MAC_BITS)
    if kid not in keyring._keys:
        raise UnknownKeyError(f"serial names key id {kid}, which is not in the keyring")
    nonce = (value >> _MAC_BITS) & ((1 << _NONCE_BITS) - 1)
    try:
        head = _head(gtin, lot, kid)
    except ValueError as exc:
        raise SerialFormatError(str(exc)) from None
    expected = keyring._mac(kid, head, nonce)
    if not hmac.compare_digest(
        (value & _MAC_MASK).to_bytes(4, "big"), expected.to_bytes(4, "big")
    ):
        raise SerialMismatchError("serial does not match its MAC")


def verify(keyring: Keyring, gtin: str, lot: str | None, serial: str) -> bool:
    """True if ``serial`` is genuine for ``gtin`` and ``lot``. Never raises on bad input."""
    try:
        check(keyring, gtin, lot, serial)
    except ValueError:
        return False
    return True


def is_well_formed(serial: str) -> bool:
    """True if ``serial`` has this module's shape (says nothing about its MAC)."""
    return (
        isinstance(serial, str)
        and len(serial) == SERIAL_LENGTH
        and all(c in _VALUE for c in serial)
    )


def short_code(serial: str) -> str:
    """The printed human-readable code: the serial's last 8 characters, ``XXXX-XXXX``.

    :raises SerialFormatError: if ``serial`` is not well formed.
    """
    if not is_well_formed(serial):
        raise SerialFormatError("serial is not 20 characters of Crockford base32")
    return f"{serial[-8:-4]}-{serial[-4:]}"


def _head(gtin: str, lot: str | None, kid: int) -> bytes:
    gtin14 = normalize_gtin(gtin)
    if lot is not None:
        validate_ai82(lot, MAX_LOT_LENGTH, what="lot")
    return f"{gtin14}|{lot or ''}|{kid}|".encode("ascii")


def _encode(keyring: Keyring, kid: int, head: bytes, nonce: int) -> str:
    value = (((kid << _NONCE_BITS) | nonce) << _MAC_BITS) | keyring._mac(kid, head, nonce)
    chars = [""] * SERIAL_LENGTH
    for i in range(SERIAL_LENGTH - 1, -1, -1):
        chars[i] = ALPHABET[value & 31]
        value >>= 5
    return "".join(chars)
