"""Compressed GS1 Digital Link URIs (qr.dl_compress) and SSCCs (qr.gs1): GS1's published
examples, round trips, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qr.dl_compress import compress, compress_ais, decompress, decompress_ais, looks_compressed
from qr.errors import CheckDigitError, DigitalLinkError
from qr.gs1 import check_digit, make_sscc, parse_sscc_path, sscc_is_valid, sscc_link

EXAMPLES = json.loads((Path(__file__).parents[1] / "fixtures" / "gs1" /
                       "dl_compression_examples.json").read_text("utf-8"))["examples"]
AI82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"


def test_published_examples_are_fixtures() -> None:
    assert len(EXAMPLES) >= 35


@pytest.mark.parametrize("ex", EXAMPLES, ids=lambda e: e["uncompressed"][19:])
def test_gs1_published_examples_compress_and_decompress(ex: dict[str, str]) -> None:
    assert compress(ex["uncompressed"]) == ex["compressed"]
    assert decompress(ex["compressed"]) == ex["uncompressed"]


def _gtin(body: str) -> str:
    return body + str(check_digit(body))


@settings(max_examples=150, deadline=None)
@given(body=st.from_regex(r"[0-9]{13}", fullmatch=True),
       lot=st.text(alphabet=AI82, min_size=1, max_size=20),
       serial=st.one_of(st.none(), st.text(alphabet=AI82, min_size=1, max_size=20)),
       optimise=st.booleans())
def test_round_trip_any_gtin_lot_serial(body: str, lot: str, serial: str | None,
                                        optimise: bool) -> None:
    ais = {"01": _gtin(body), "10": lot, **({"21": serial} if serial else {})}
    assert decompress_ais(compress_ais(ais, optimise=optimise)) == (ais, {})


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
    for path in ("/login", "/healthz", "/dashboard", "/catalogue", "/01/05412345000013",
                 "/AQnYUc1gmg/x", "/ocop"):
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
