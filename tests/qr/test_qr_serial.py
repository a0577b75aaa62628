"""Signed stamp serials (qr.serial) and stamps (qr.stamps)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qr import gs1, serial
from qr.errors import (
    KeyringError,
    SerialFormatError,
    SerialMismatchError,
    UnknownKeyError,
)
from qr.serial import ALPHABET, Keyring
from qr.stamps import mint_stamps

GTIN = "8934602001078"
LOT = "TH2025-06-01"
RING = Keyring({3: bytes(range(32)), 7: bytes(range(1, 33))}, current=7)
_NONCE = st.integers(min_value=0, max_value=2**64 - 1)


def test_shape() -> None:
    s = serial.mint(RING, GTIN, LOT)
    assert len(s) == serial.SERIAL_LENGTH == 20
    assert set(s) <= set(ALPHABET)
    assert s[0] == ALPHABET[7]  # key id is the first character
    assert gs1.ai82_is_valid(s)
    assert gs1.percent_encode(s) == s  # nothing to escape in a URI
    assert serial.verify(RING, GTIN, LOT, s)
    assert serial.short_code(s) == f"{s[12:16]}-{s[16:]}"


def test_deterministic_with_nonce_and_gtin_forms() -> None:
    a = serial.mint(RING, GTIN, LOT, nonce=12345)
    assert a == serial.mint(RING, "0" + GTIN, LOT, nonce=12345)  # GTIN-13 == GTIN-14
    assert a != serial.mint(RING, GTIN, LOT, nonce=12346)
    with pytest.raises(ValueError):
        serial.mint(RING, GTIN, LOT, nonce=2**64)


def test_rejected_for_other_lot_gtin_or_key() -> None:
    s = serial.mint(RING, GTIN, LOT)
    assert not serial.verify(RING, GTIN, "TH2025-06-02", s)
    assert not serial.verify(RING, GTIN, None, s)
    assert not serial.verify(RING, "7300011000017", LOT, s)
    other = Keyring({7: bytes(32)}, current=7)
    assert not serial.verify(other, GTIN, LOT, s)
    with pytest.raises(SerialMismatchError):
        serial.check(other, GTIN, LOT, s)
    with pytest.raises(UnknownKeyError):
        serial.check(Keyring({3: bytes(range(32))}, current=3), GTIN, LOT, s)


def test_rotation_keeps_old_serials_valid_until_key_dropped() -> None:
    old = Keyring({3: bytes(range(32))}, current=3)
    s_old = serial.mint(old, GTIN, LOT)
    s_new = serial.mint(RING, GTIN, LOT)
    assert s_old[0] == "3" and s_new[0] == "7"
    assert serial.verify(RING, GTIN, LOT, s_old) and serial.verify(RING, GTIN, LOT, s_new)
    retired = Keyring({7: bytes(range(1, 33))}, current=7)
    assert not serial.verify(retired, GTIN, LOT, s_old)
    assert serial.verify(retired, GTIN, LOT, s_new)


@pytest.mark.parametrize("bad", ["", "0" * 19, "0" * 21, "7" + "I" * 19, "7" + "o" * 19,
                                 "7" * 19 + "U", "7" * 19 + "-", "７" * 20, None, 7])
def test_malformed_serials(bad: object) -> None:
    assert not serial.is_well_formed(bad)  # type: ignore[arg-type]
    assert not serial.verify(RING, GTIN, LOT, bad)  # type: ignore[arg-type]
    with pytest.raises(SerialFormatError):
        serial.check(RING, GTIN, LOT, bad)  # type: ignore[arg-type]


def test_bad_gtin_or_lot_is_not_genuine() -> None:
    s = serial.mint(RING, GTIN, LOT)
    assert not serial.verify(RING, "8934602001077", LOT, s)
    assert not serial.verify(RING, GTIN, "Lô 1", s)


def test_lowercase_is_not_accepted() -> None:
    s = serial.mint(RING, GTIN, LOT)
    if s.lower() != s:
        assert not serial.verify(RING, GTIN, LOT, s.lower())


def test_random_valid_looking_serials_rejected() -> None:
    import random
    rnd = random.Random(8)
    forged = ["7" + "".join(rnd.choice(ALPHABET) for _ in range(19)) for _ in range(2000)]
    assert not any(serial.verify(RING, GTIN, LOT, f) for f in forged)


def test_mint_many_unique_and_valid() -> None:
    many = serial.mint_many(RING, GTIN, LOT, 500)
    assert len(set(many)) == 500
    assert all(serial.verify(RING, GTIN, LOT, s) for s in many)
    assert serial.mint_many(RING, GTIN, LOT, 0) == []


@given(nonce=_NONCE, lot=st.none() | st.text(alphabet="ABCXYZ0123456789-./_%", min_size=1,
                                             max_size=20))
def test_round_trip(nonce: int, lot: str | None) -> None:
    s = serial.mint(RING, GTIN, lot, nonce=nonce)
    assert serial.verify(RING, GTIN, lot, s)
    uri = gs1.digital_link("https://nongso.vn", GTIN, lot, s)
    parts = gs1.parse_digital_link(uri)
    assert serial.verify(RING, parts.gtin, parts.lot, parts.serial or "")


@given(nonce=_NONCE, pos=st.integers(min_value=0, max_value=19),
       repl=st.characters(codec="utf-8"))
def test_any_single_character_change_rejected(nonce: int, pos: int, repl: str) -> None:
    s = serial.mint(RING, GTIN, LOT, nonce=nonce)
    if repl == s[pos]:
        return
    changed = s[:pos] + repl + s[pos + 1:]
    assert not serial.verify(RING, GTIN, LOT, changed)


@given(nonce=_NONCE, pos=st.integers(min_value=0, max_value=19),
       repl=st.sampled_from(ALPHABET))
def test_any_single_alphabet_change_rejected(nonce: int, pos: int, repl: str) -> None:
    s = serial.mint(RING, GTIN, LOT, nonce=nonce)
    if repl != s[pos]:
        assert not serial.verify(RING, GTIN, LOT, s[:pos] + repl + s[pos + 1:])


@given(st.text(max_size=40))
def test_verify_never_raises(junk: str) -> None:
    assert serial.verify(RING, GTIN, LOT, junk) is False


def test_keyring_validation_and_spec() -> None:
    with pytest.raises(KeyringError):
        Keyring({}, current=0)
    with pytest.raises(KeyringError):
        Keyring({32: bytes(32)}, current=32)
    with pytest.raises(KeyringError):
        Keyring({1: b"short"}, current=1)
    with pytest.raises(KeyringError):
        Keyring({1: bytes(32)}, current=2)
    for bad in ["", "1", "1:zz", "x:00", "1:" + "00" * 32 + ",1:" + "11" * 32]:
        with pytest.raises(KeyringError):
            Keyring.from_spec(bad)
    ring = Keyring.from_spec(RING.to_spec())
    assert ring.current == 7 and ring.key_ids == (3, 7)
    s = serial.mint(ring, GTIN, LOT)
    assert serial.verify(RING, GTIN, LOT, s)
    assert "00010203" not in repr(RING)  # secrets never shown
    fresh = Keyring.generate(5)
    assert fresh.current == 5 and serial.verify(fresh, GTIN, LOT, serial.mint(fresh, GTIN, LOT))


def test_mint_stamps() -> None:
    stamps = mint_stamps(RING, "https://nongso.vn", GTIN, LOT, 50)
    assert len({s.uri for s in stamps}) == 50
    for s in stamps:
        parts = gs1.parse_digital_link(s.uri)
        assert parts == gs1.DigitalLink("0" + GTIN, LOT, s.serial)
        assert s.uri == gs1.digital_link("https://nongso.vn", GTIN, LOT, s.serial)
        assert serial.verify(RING, GTIN, LOT, s.serial)
        assert s.code == serial.short_code(s.serial)
