"""Compressed GS1 Digital Link URIs (qr.dl_compress) and SSCCs (qr.gs1): GS1's published
examples, round trips, refusals."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qr.dl_compress import compress, compress_ais, decompress, decompress_ais, looks_compressed
from qr.dl_formats import AI_LENGTH, FORMATS, OPTIMISATIONS, PRIMARY
from qr.errors import CheckDigitError, DigitalLinkError
from qr.gs1 import check_digit, make_sscc, parse_sscc_path, sscc_is_valid, sscc_link

FIXTURE = json.loads((Path(__file__).parents[1] / "fixtures" / "gs1" /
                      "dl_compression_examples.json").read_text("utf-8"))
EXAMPLES = FIXTURE["examples"]
PARTIAL = FIXTURE["partially_compressed"]
AI82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"


def test_published_examples_are_fixtures() -> None:
    assert len(EXAMPLES) >= 43 and len(PARTIAL) >= 25
    assert any("/7040/" in e["uncompressed"] for e in EXAMPLES)
    assert any("/8013/" in e["uncompressed"] for e in EXAMPLES)


@pytest.mark.parametrize("ex", EXAMPLES, ids=lambda e: e["uncompressed"][19:])
def test_gs1_published_examples_compress_and_decompress(ex: dict[str, str]) -> None:
    assert compress(ex["uncompressed"]) == ex["compressed"]
    assert decompress(ex["compressed"]) == ex["uncompressed"]


@pytest.mark.parametrize("ex", PARTIAL, ids=lambda e: e["compressed"][19:])
def test_gs1_published_partially_compressed_examples(ex: dict[str, str]) -> None:
    """The primary key stays as it is, the rest is one compressed segment (GS1's toolkit,
    ``uncompressedPrimary``); a URI with nothing but its key stays uncompressed."""
    assert compress(ex["uncompressed"], partial=True) == ex["compressed"]
    assert decompress(ex["compressed"]) == ex["uncompressed"]


def test_partially_compressed_short_gtin_is_padded() -> None:
    for ex in FIXTURE["normalised_on_decompression"]:
        assert decompress(ex["compressed"]) == ex["uncompressed"]
    assert compress("https://id.gs1.org/01/5412345000013/10/ABC123", partial=True) == (
        "https://id.gs1.org/01/05412345000013/EEarwSM")


def test_partially_compressed_refusals() -> None:
    for bad in ("https://id.gs1.org/01/05412345000013/AQnYUc1gmg",  # the key twice
                "https://id.gs1.org/01/05412345000014/EEarwSM",  # check digit
                "https://id.gs1.org/01/05412345000013/zz"):  # no AI "zz"
        with pytest.raises(DigitalLinkError):
            decompress(bad)


def _sample(ai: str) -> str:
    """A value of ``ai``'s format: leading zeros, every length limit reached."""
    out = []
    for kind, fixed, most in FORMATS[ai]:
        n = fixed or most
        out.append(("0" + "1234567890" * 9)[:n] if kind == "N" else ("a&B-" * 23)[:n])
    value = "".join(out)
    if ai in ("00", "01", "02", "402", "8017", "8018") or ai.startswith("41"):
        value = value[:-1] + str(check_digit(value[:-1]))
    return value


@pytest.mark.parametrize("ai", sorted(FORMATS))
def test_every_ai_of_the_toolkit_table_round_trips(ai: str) -> None:
    ais = {ai: _sample(ai)}
    assert decompress_ais(compress_ais(ais)) == (ais, {})
    digits = {ai: "".join("7".zfill(f or min(m, 3)) for _, f, m in FORMATS[ai])}
    assert decompress_ais(compress_ais(digits)) == (digits, {})


def test_ai_tables_are_consistent() -> None:
    by_prefix: dict[str, set[int]] = {}
    for ai in FORMATS:
        by_prefix.setdefault(ai[:2], set()).add(len(ai))
    assert all(len(lengths) == 1 for lengths in by_prefix.values())
    assert set(AI_LENGTH) == set(by_prefix) and PRIMARY <= set(FORMATS)
    assert all(set(seq) <= set(FORMATS) and list(seq) == sorted(seq)
               for seq in OPTIMISATIONS.values())
    assert FORMATS["7040"] == (("N", 1, 0), ("X", 3, 0)) and FORMATS["8013"] == (("X", 0, 30),)
    with pytest.raises(DigitalLinkError):  # newer than the toolkit's table
        compress_ais({"01": "05412345000013", "4330": "123"})


def test_digits_only_text_is_written_as_the_toolkit_writes_it_and_keeps_its_zeros() -> None:
    """Lot 007: encoding 0, 3 characters, the number 7 in 10 bits — the toolkit's bits; read
    back as 007 because the character count travels with it."""
    seg = compress_ais({"10": "007"})
    bits = "0001" "0000" "000" "00011" + format(7, "010b")
    assert seg == compress_ais({"10": "007"}) and len(seg) == 5
    assert "".join(format(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".index(c), "06b")
        for c in seg).startswith(bits)
    assert decompress_ais(seg) == ({"10": "007"}, {})
    assert decompress_ais(compress_ais({"30": "0012"})) == ({"30": "0012"}, {})


def _gtin(body: str) -> str:
    return body + str(check_digit(body))


@settings(max_examples=150, deadline=None)
@given(body=st.from_regex(r"[0-9]{13}", fullmatch=True),
       lot=st.text(alphabet=AI82, min_size=1, max_size=20),
       serial=st.one_of(st.none(), st.text(alphabet=AI82, min_size=1, max_size=20)),
       optimise=st.booleans(), partial=st.booleans())
def test_round_trip_any_gtin_lot_serial(body: str, lot: str, serial: str | None,
                                        optimise: bool, partial: bool) -> None:
    ais = {"01": _gtin(body), "10": lot, **({"21": serial} if serial else {})}
    assert decompress_ais(compress_ais(ais, optimise=optimise)) == (ais, {})
    uri = f"https://nongso.vn/01/{ais['01']}/10/{quote(lot, safe='')}" + (
        f"/21/{quote(serial, safe='')}" if serial else "")
    assert decompress(compress(uri, optimise=optimise, partial=partial)) == uri


def test_round_trip_keeps_leading_zeros_query_and_stem() -> None:
    uri = "https://nongso.vn/app/01/08934602001078/10/007/21/00042?17=261231&utm=tem"
    small = compress(uri)
    assert small.startswith("https://nongso.vn/app/") and small.endswith("?utm=tem")
    assert decompress(small) == uri
    assert len(compress(uri, optimise=True)) <= len(small)
    assert decompress(compress(uri, optimise=True)) == uri


def test_non_gs1_pairs_can_travel_compressed() -> None:
    seg = compress_ais({"01": "05412345000013"}, others={"arv": "true", "donor": "bmgf"})
    assert decompress_ais(seg) == ({"01": "05412345000013"}, {"arv": "true", "donor": "bmgf"})


@pytest.mark.parametrize("bad", ["https://id.gs1.org/AQnYUc1gmh", "https://id.gs1.org/zzzzzzzz",
                                 "https://id.gs1.org/AQnYUc1g", "https://id.gs1.org/a+b",
                                 "https://id.gs1.org/"])
def test_bad_compressed_uris_are_refused(bad: str) -> None:
    with pytest.raises(DigitalLinkError):
        decompress(bad)


def test_looks_compressed_only_for_real_ones() -> None:
    assert looks_compressed("/AQnYUc1gmg") == "/01/05412345000013"
    assert looks_compressed("/01/05412345000013/EEarwSM") == "/01/05412345000013/10/ABC123"
    assert looks_compressed("/8004/0541234537290A41%26GHpp33/cEB2Cqi") == (
        "/8004/0541234537290A41%26GHpp33/7040/7BVR")
    for path in ("/login", "/healthz", "/dashboard", "/catalogue", "/01/05412345000013",
                 "/AQnYUc1gmg/x", "/ocop", "/info/01/05412345000013", "/01/05412345000013/10",
                 "/01/05412345000013/", "/01/05412345000013/10/ABC123/21/EEarwSM"):
        assert looks_compressed(path) is None, path


def test_sscc_structure_and_check_digit() -> None:
    code = make_sscc(3, "893456", 1234)
    assert code == "3893456" + "0000001234" + str(check_digit("38934560000001234"))
    assert sscc_is_valid(code) and not sscc_is_valid(code[:-1] + str((int(code[-1]) + 1) % 10))
    assert sscc_link("https://nongso.vn/", code) == f"https://nongso.vn/00/{code}"
    assert parse_sscc_path(f"/00/{code}?x=1") == code
    for bad in ((10, "893456", 1), (0, "89", 1), (0, "893456", 10 ** 10)):
        with pytest.raises(CheckDigitError):
            make_sscc(*bad)
    with pytest.raises(DigitalLinkError):
        parse_sscc_path("/00/123456789012345678")
