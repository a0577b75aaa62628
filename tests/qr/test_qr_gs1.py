"""GS1 identifiers and Digital Link URIs (qr.gs1)."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qr import gs1
from qr.errors import CharsetError, CheckDigitError, DigitalLinkError, GS1Error

# Real, published identifiers, and where they were published:
PUBLISHED_GTINS = [
    # EAN-13 under Vietnam's 893 prefix, the worked check-digit example on
    # starnpos.com/ma-vach-viet-nam and baohothuonghieu.com (check digit 8).
    "8934602001078",
    # GS1 Sweden, "Så beräknas kontrollsiffran" (gs1.se), worked example.
    "7300011000017",
    # GS1 Hong Kong check digit calculator page (gs1hk.org), worked example.
    "6291041500213",
    # UPC-A (GTIN-12) of a box of tissues, Wikipedia "Check digit".
    "036000241457",
    # GS1 Digital Link examples: bwipp/postscriptbarcode wiki "GS1 Digital Link
    # URIs", and GS1's DigitalLinkDocs README (Dal Giardino risotto rice).
    "09521234543213",
    "09506000134352",
    # GS1 EPCIS 2.0 standard examples (../shared/gs1/epcis-examples/,
    # WithSensorData__SensorDataExample13-17 and WithDigitalLinkID__*).
    "70614141123451",
    "00614141777778",
    "04012345123456",
    "04012345666663",
    "04012345987652",
]
PUBLISHED_GLNS = [
    # GS1 EPCIS 2.0 examples: https://id.gs1.org/414/9506000134307 and
    # https://example.com/414/4012345000054 (WithSensorData__SensorDataExample13…),
    # and urn:epc:id:sgln:0614141.07346.1234 (Example_9.6.1-ObjectEvent) whose
    # GLN is 0614141 07346 + check digit 7.
    "9506000134307",
    "4012345000054",
    "0614141073467",
]


@pytest.mark.parametrize("code", PUBLISHED_GTINS)
def test_published_gtins_are_valid(code: str) -> None:
    assert gs1.gtin_is_valid(code)
    assert gs1.check_digit(code[:-1]) == int(code[-1])
    assert gs1.normalize_gtin(code) == code.rjust(14, "0")


@pytest.mark.parametrize("code", PUBLISHED_GTINS + PUBLISHED_GLNS)
def test_every_wrong_check_digit_is_rejected(code: str) -> None:
    for wrong in set(string.digits) - {code[-1]}:
        bad = code[:-1] + wrong
        assert not gs1.gtin_is_valid(bad)
        assert not gs1.gln_is_valid(bad)
        with pytest.raises(CheckDigitError):
            gs1.normalize_gtin(bad)


@pytest.mark.parametrize("code", PUBLISHED_GLNS)
def test_published_glns_are_valid(code: str) -> None:
    assert gs1.gln_is_valid(code)
    assert gs1.validate_gln(code) == code


def test_worked_examples_check_digits() -> None:
    assert gs1.check_digit("893460200107") == 8  # starnpos.com worked example
    assert gs1.check_digit("730001100001") == 7  # gs1.se worked example
    assert gs1.check_digit("629104150021") == 3  # gs1hk.org worked example
    assert gs1.check_digit("0") == 0


@pytest.mark.parametrize("body", ["", "12a4", "١٢٣", " 123", None, 123])
def test_check_digit_rejects_non_digits(body: object) -> None:
    with pytest.raises(CheckDigitError):
        gs1.check_digit(body)  # type: ignore[arg-type]


@pytest.mark.parametrize("code", ["", "123", "893460200107", "08934602001079", "893460200107x",
                                  "8934602001078 ", "123456789012345", None, 8934602001078])
def test_gtin_shapes_rejected(code: object) -> None:
    assert not gs1.gtin_is_valid(code)  # type: ignore[arg-type]


def test_single_digit_error_detected_everywhere() -> None:
    code = "8934602001078"
    for i in range(len(code) - 1):
        for d in string.digits:
            if d != code[i]:
                assert not gs1.gtin_is_valid(code[:i] + d + code[i + 1:])


def test_normalisation_of_all_lengths() -> None:
    gtin8 = "9638507" + str(gs1.check_digit("9638507"))  # constructed GTIN-8
    assert gs1.normalize_gtin(gtin8) == "000000" + gtin8
    assert gs1.normalize_gtin("036000241457") == "00036000241457"
    assert gs1.normalize_gtin("8934602001078") == "08934602001078"
    assert gs1.normalize_gtin("08934602001078") == "08934602001078"


def test_vietnam_prefix() -> None:
    assert gs1.is_vietnam_gtin("8934602001078")
    assert gs1.is_vietnam_gtin("08934602001078")
    assert gs1.is_vietnam_gtin("18934602001075")  # indicator digit 1, same item
    assert not gs1.is_vietnam_gtin("8934602001077")  # bad check digit
    assert not gs1.is_vietnam_gtin("7300011000017")
    assert not gs1.is_vietnam_gtin("036000241457")  # GTIN-12: US/Canada
    gtin8 = "8931234" + str(gs1.check_digit("8931234"))
    assert gs1.is_vietnam_gtin(gtin8)


def test_ai82() -> None:
    every = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
    assert len(every) == 82
    for i in range(0, 82, 20):
        assert gs1.ai82_is_valid(every[i:i + 20])
    for bad in ["", "A" * 21, "lô", "A B", "a#b", "a|b", "a@b", "a$b", "a\\b", "a~b"]:
        assert not gs1.ai82_is_valid(bad)
        with pytest.raises(CharsetError):
            gs1.validate_ai82(bad)


def test_percent_encoding() -> None:
    assert gs1.percent_encode("ABC-1.2_z") == "ABC-1.2_z"
    assert gs1.percent_encode("A/B%C") == "A%2FB%25C"
    assert gs1.percent_encode("!\"&'()*+,:;<=>?") == (
        "%21%22%26%27%28%29%2A%2B%2C%3A%3B%3C%3D%3E%3F")
    with pytest.raises(CharsetError):
        gs1.percent_encode("Lô")


def test_digital_link_examples() -> None:
    # The published examples (bwipp wiki "GS1 Digital Link URIs").
    assert gs1.digital_link("https://id.gs1.org", "09521234543213") == (
        "https://id.gs1.org/01/09521234543213")
    uri = gs1.digital_link("https://id.gs1.org", "09521234543213", "ABC123", "12345")
    assert uri == "https://id.gs1.org/01/09521234543213/10/ABC123/21/12345"
    assert gs1.parse_digital_link(uri) == gs1.DigitalLink("09521234543213", "ABC123", "12345")
    with_query = "https://id.gs1.org/01/09521234543213/10/ABC123?17=261231"
    assert gs1.parse_digital_link(with_query) == gs1.DigitalLink("09521234543213", "ABC123")
    assert gs1.parse_digital_link("https://example.com/products/01/09521234543213") == (
        gs1.DigitalLink("09521234543213"))


def test_digital_link_normalises_and_encodes() -> None:
    uri = gs1.digital_link("HTTPS://Nongso.VN/", "8934602001078", "TH/2025 06"[:7] + "%", "S1")
    assert uri == "https://nongso.vn/01/08934602001078/10/TH%2F2025%25/21/S1"
    assert gs1.parse_digital_link(uri).lot == "TH/2025%"
    serial_only = gs1.digital_link("https://nongso.vn/r", "8934602001078", serial="X")
    assert serial_only == "https://nongso.vn/r/01/08934602001078/21/X"
    assert gs1.parse_digital_link(serial_only) == gs1.DigitalLink("08934602001078", None, "X")


def test_parse_accepts_paths_raw_subdelims_and_short_gtins() -> None:
    assert gs1.parse_digital_link("/01/8934602001078/10/A(1)*'/21/B%2fc").lot == "A(1)*'"
    assert gs1.parse_digital_link("/01/8934602001078/10/A%2fB/21/B%2Fc") == (
        gs1.DigitalLink("08934602001078", "A/B", "B/c"))
    # a lot that looks like an AI is still a lot
    assert gs1.parse_digital_link("/01/8934602001078/10/21") == (
        gs1.DigitalLink("08934602001078", "21"))
    assert gs1.parse_digital_link("/01/8934602001078/21/10").serial == "10"


@pytest.mark.parametrize("base", ["nongso.vn", "ftp://nongso.vn", "https://", "https://a b",
                                  "https://nongso.vn?x=1", "https://nongso.vn/a b",
                                  "https://nongso.vn#f", "https://nongso.vn//x", None])
def test_bad_bases(base: object) -> None:
    with pytest.raises(DigitalLinkError):
        gs1.digital_link(base, "8934602001078")  # type: ignore[arg-type]


def test_bad_build_values() -> None:
    with pytest.raises(CheckDigitError):
        gs1.digital_link("https://nongso.vn", "8934602001077")
    with pytest.raises(CharsetError):
        gs1.digital_link("https://nongso.vn", "8934602001078", "Lô 1")
    with pytest.raises(CharsetError):
        gs1.digital_link("https://nongso.vn", "8934602001078", "A" * 21)
    with pytest.raises(CharsetError):
        gs1.digital_link("https://nongso.vn", "8934602001078", serial="")


@pytest.mark.parametrize("uri", [
    "", "https://nongso.vn", "https://nongso.vn/", "https://nongso.vn/01/",
    "https://nongso.vn/01/8934602001077",          # check digit
    "https://nongso.vn/01/893460200107",           # length
    "https://nongso.vn/01/08934602001078/",        # trailing slash
    "https://nongso.vn/01/08934602001078/10/",     # empty lot
    "https://nongso.vn/01/08934602001078/10/" + "A" * 21,
    "https://nongso.vn/01/08934602001078/10/L%G1",  # bad escape
    "https://nongso.vn/01/08934602001078/10/L%2",
    "https://nongso.vn/01/08934602001078/10/L%C3%B4",  # non-AI-82 after decoding
    "https://nongso.vn/01/08934602001078/10/L@1",
    "https://nongso.vn/01/08934602001078/10/L 1",
    "https://nongso.vn/01/08934602001078/21/S/10/L",   # qualifiers out of order
    "https://nongso.vn/01/08934602001078/10/L/22/V",   # CPV after the lot
    "https://nongso.vn/01/08934602001078/235/T/21/S",  # nothing follows a TPX
    "https://nongso.vn/00/106141411234567897",
    "https://nongso.vn//01/08934602001078",
    "ftp://nongso.vn/01/08934602001078",
    "https:///01/08934602001078",
    "01/08934602001078",
    "https://nongso.vn/01/08934602001078/10/lô",
    "https://nongso.vn/01/" + "0" * 3000,
])
def test_malformed_uris_rejected(uri: str) -> None:
    with pytest.raises(DigitalLinkError):
        gs1.parse_digital_link(uri)


def test_every_gtin_qualifier_is_parsed() -> None:
    """GS1-Conformant Resolver 2.1/§5.1: every key qualifier of a supported key (CPV 22,
    lot 10, serial 21, TPX 235)."""
    link = gs1.parse_digital_link("https://nongso.vn/01/08934602001078/22/V%2F1/10/L/21/S")
    assert (link.gtin, link.cpv, link.lot, link.serial) == ("08934602001078", "V/1", "L", "S")
    assert gs1.parse_digital_link("/01/08934602001078/235/T-9").tpx == "T-9"


_AI82 = st.text(alphabet="!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_"
                "abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=20)
_GTIN_BODY = st.text(alphabet=string.digits, min_size=13, max_size=13)


@given(body=_GTIN_BODY, lot=st.none() | _AI82, serial=st.none() | _AI82)
def test_round_trip(body: str, lot: str | None, serial: str | None) -> None:
    gtin = body + str(gs1.check_digit(body))
    uri = gs1.digital_link("https://nongso.vn/id", gtin, lot, serial)
    assert gs1.parse_digital_link(uri) == gs1.DigitalLink(gtin, lot, serial)
    # a scanner may hand over the path only, or add a query string
    path = uri.removeprefix("https://nongso.vn")
    assert gs1.parse_digital_link(path + "?linkType=gs1:pip") == gs1.parse_digital_link(uri)


@given(st.text(max_size=200))
def test_parse_junk_only_raises_gs1_errors(junk: str) -> None:
    try:
        gs1.parse_digital_link(junk)
    except GS1Error:
        pass


@given(st.lists(st.sampled_from(["01", "10", "21", "22", "08934602001078", "8934602001078",
                                 "A", "%2F", "%", "%zz", "", "?", "#", "x/y", "é", "B!"]),
                max_size=8),
       st.sampled_from(["https://nongso.vn", "http://a.b", "", "https:/", "/"]))
def test_parse_structured_junk(parts: list[str], origin: str) -> None:
    uri = origin + "/" + "/".join(parts)
    try:
        out = gs1.parse_digital_link(uri)
    except GS1Error:
        return
    assert gs1.gtin_is_valid(out.gtin)
    assert isinstance(out, gs1.DigitalLink)


@given(st.text(max_size=30))
def test_validity_predicates_never_raise(s: str) -> None:
    assert isinstance(gs1.gtin_is_valid(s), bool)
    assert isinstance(gs1.gln_is_valid(s), bool)
    assert isinstance(gs1.is_vietnam_gtin(s), bool)
    assert isinstance(gs1.ai82_is_valid(s), bool)


def test_parse_digital_link_returns_a_frozen_dataclass() -> None:
    import dataclasses

    link = gs1.parse_digital_link("/01/8934602001078/10/L1/21/S1")
    assert link == gs1.DigitalLink("08934602001078", "L1", "S1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        link.lot = "L2"  # type: ignore[misc]


@pytest.mark.parametrize("lot", [".", ".."])
def test_dot_segment_lots_are_percent_encoded(lot: str) -> None:
    """A lot that is exactly ``.`` or ``..`` would be a dot segment, removed by browsers
    (RFC 3986 §5.2.4) before the request is sent: its dots are percent-encoded, and the
    encoded form parses back to the lot."""
    from urllib.parse import urljoin, urlsplit

    uri = gs1.digital_link("https://nongso.vn", "8934602001078", lot, "S1")
    assert uri == "https://nongso.vn/01/08934602001078/10/" + "%2E" * len(lot) + "/21/S1"
    # what a browser requests (it removes dot segments): unchanged
    assert urljoin(uri, urlsplit(uri).path) == uri
    raw = "https://nongso.vn/01/08934602001078/10/" + lot + "/21/S1"
    assert urljoin(raw, urlsplit(raw).path) != raw  # the unencoded form would break
    assert gs1.parse_digital_link(uri).lot == lot
    # other values with dots are left alone (unreserved)
    assert gs1.percent_encode("L.1") == "L.1" and gs1.percent_encode("...") == "..."
