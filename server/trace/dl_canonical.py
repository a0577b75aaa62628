"""Constrained canonical GS1 Digital Link URIs for the EPCIS event hash (CBV 2.0 section 8.9,
step "canonical GS1 Digital Link URI"): EPC URIs, EPC class and pattern URIs and GS1
Digital Link URIs of any domain become ``https://id.gs1.org/<AI>/<key>[/<qualifier>/<v>]``
with only the finest identification level and no query string.

Written to give exactly what GS1's reference implementation (``epcis-event-hash-generator``,
module ``dl_normaliser``) gives, because interoperable hashes are the point: the same
syntax rules for each EPC scheme (company prefix + reference lengths, AI-82 characters,
percent-escapes), the same Digital Link clean-up (short names such as ``/gtin/``, GTIN
padding, CPV dropped, lot dropped when a serial is present) and the same final syntax check.
A value that passes none is not an identifier: :func:`canonical` returns None and the hash
uses the value as written. (Like the reference, a value without a ``.`` is never one.)
"""

from __future__ import annotations

import re
from collections.abc import Callable

from qr.gs1 import check_digit

__all__ = ["canonical"]

_ID = "https://id.gs1.org"
# One character of an EPC URI component (AI-82 or a percent-escape of one).
_C = (r"(?:%2[125-9A-Fa-f]|%3[0-9A-Fa-f]|%4[1-9A-Fa-f]|%5[0-9AaFf]|%6[1-9A-Fa-f]|%7[0-9Aa]"
      r"|[!')(*+,.0-9:;=A-Za-z_-])")
_CPI = r"(?:%2[3dfDF]|%3[0-9]|%4[1-9A-Fa-f]|%5[0-9Aa]|[0-9A-Z-])"
_AI82 = r"[\x22\x27\x2D\x2E\x30-\x39\x3B-\x3F\x41-\x5A\x5F\x61-\x7A]"
_SHORT = (("/gtin/", "/01/"), ("/itip/", "/8006/"), ("/cpid/", "/8010/"), ("/gln/", "/414/"),
          ("/party/", "/417/"), ("/gsrnp/", "/8017/"), ("/gsrn/", "/8018/"), ("/gcn/", "/255/"),
          ("/sscc/", "/00/"), ("/gdti/", "/253/"), ("/ginc/", "/401/"), ("/gsin/", "/402/"),
          ("/grai/", "/8003/"), ("/giai/", "/8004/"), ("/cpv/", "/22/"), ("/lot/", "/10/"),
          ("/ser/", "/21/"))
_KEYS_IN_ORDER = ("00", "01", "253", "255", "401", "402", "414", "417", "8003", "8004", "8006",
                  "8010", "8017", "8018")
_IS_DL = re.compile(r"^https?:(//[^/?#]*)?[^?#]*/(01|gtin|8006|itip|8010|cpid|414|gln|417|party"
                    r"|8017|gsrnp|8018|gsrn|255|gcn|00|sscc|253|gdti|401|ginc|402|gsin|8003"
                    r"|grai|8004|giai)/\d{4}")
_CANONICAL_HOST = re.compile(r"^https://id\.gs1\.org/(01|8006|8010|414|417|8017|8018|255|00"
                             r"|253|401|402|8003|8004)/\d{4}[^/]+")
_VALID = [re.compile(p + "$") for p in (
    r"https://id\.gs1\.org/00/\d{18}", rf"https://id\.gs1\.org/01/\d{{14}}/21/{_AI82}{{0,20}}",
    rf"https://id\.gs1\.org/01/\d{{14}}/10/{_AI82}{{0,20}}", r"https://id\.gs1\.org/01/\d{14}",
    rf"https://id\.gs1\.org/01/\d{{14}}/235/{_AI82}{{0,28}}",
    rf"https://id\.gs1\.org/253/\d{{13}}{_AI82}{{0,17}}", r"https://id\.gs1\.org/255/\d{13}\d{0,12}",
    rf"https://id\.gs1\.org/401/{_AI82}{{0,30}}", r"https://id\.gs1\.org/402/\d{17}",
    r"https://id\.gs1\.org/414/\d{13}", rf"https://id\.gs1\.org/414/\d{{13}}/254/{_AI82}{{0,20}}",
    r"https://id\.gs1\.org/417/\d{13}", rf"https://id\.gs1\.org/8003/\d{{14}}{_AI82}{{0,16}}",
    rf"https://id\.gs1\.org/8004/{_AI82}{{0,30}}",
    rf"https://id\.gs1\.org/8006/\d{{18}}/21/{_AI82}{{0,20}}",
    rf"https://id\.gs1\.org/8006/\d{{18}}/10/{_AI82}{{0,20}}", r"https://id\.gs1\.org/8006/\d{18}",
    r"https://id\.gs1\.org/8010/[\x23\x2D\x2F\x30-\x39\x41-\x5A]{0,30}/8011/\d{0,12}",
    r"https://id\.gs1\.org/8010/[\x23\x2D\x2F\x30-\x39\x41-\x5A]{0,30}",
    r"https://id\.gs1\.org/8017/\d{18}", r"https://id\.gs1\.org/8018/\d{18}")]


def _enc(value: str) -> str:
    """Digital Link percent-encoding of the characters EPC URIs may carry raw."""
    for c, e in (("!", "%21"), ("(", "%28"), (")", "%29"), ("*", "%2A"), ("+", "%2B"),
                 (",", "%2C"), (":", "%3A")):
        value = value.replace(c, e)
    return value


def _cd(body: str) -> str:
    return body + str(check_digit(body))


def _gtin(cp: str, ref: str) -> str:
    return _cd(ref[:1] + cp + ref[1:])


# (scheme regex on what follows "urn:epc:", total digits of company prefix + reference or
# None for "at most", builder from the regex groups)
_Builder = Callable[[re.Match[str]], str]
_EPC: list[tuple[re.Pattern[str], int, bool, _Builder]] = [
    (re.compile(rf"id:sgtin:(\d{{6,12}})\.(\d+)\.({_C}{{1,20}})"), 13, True,
     lambda m: f"/01/{_gtin(m[1], m[2])}/21/{_enc(m[3])}"),
    (re.compile(r"id:sscc:(\d{6,12})\.(\d+)"), 17, True,
     lambda m: f"/00/{_cd(m[2][:1] + m[1] + m[2][1:])}"),
    (re.compile(rf"id:sgln:(\d{{6,12}})\.(\d*)\.({_C}{{1,20}})"), 12, True,
     lambda m: f"/414/{_cd(m[1] + m[2])}" + ("" if m[3] == "0" else f"/254/{_enc(m[3])}")),
    (re.compile(rf"id:grai:(\d{{6,12}})\.(\d*)\.({_C}{{1,16}})"), 12, True,
     lambda m: f"/8003/{_cd('0' + m[1] + m[2])}{_enc(m[3])}"),
    (re.compile(rf"id:giai:(\d{{6,12}})\.({_C}+)"), 30, False,
     lambda m: f"/8004/{m[1]}{_enc(m[2])}"),
    (re.compile(r"id:gsrn:(\d{6,12})\.(\d+)"), 17, True, lambda m: f"/8018/{_cd(m[1] + m[2])}"),
    (re.compile(r"id:gsrnp:(\d{6,12})\.(\d+)"), 17, True, lambda m: f"/8017/{_cd(m[1] + m[2])}"),
    (re.compile(rf"id:gdti:(\d{{6,12}})\.(\d*)\.({_C}{{0,19}})"), 12, True,
     lambda m: f"/253/{_cd(m[1] + m[2])}{_enc(m[3])}"),
    (re.compile(rf"id:cpi:(\d{{6,12}})\.({_CPI}+)\.(\d{{1,12}})"), 30, False,
     lambda m: f"/8010/{_enc(m[1] + m[2])}/8011/{m[3]}"),
    (re.compile(r"id:sgcn:(\d{6,12})\.(\d*)\.(\d{1,12})"), 12, True,
     lambda m: f"/255/{_cd(m[1] + m[2])}{m[3]}"),
    (re.compile(rf"id:ginc:(\d{{6,12}})\.({_C}+)"), 30, False,
     lambda m: f"/401/{m[1]}{_enc(m[2])}"),
    (re.compile(r"id:gsin:(\d{6,12})\.(\d+)"), 16, True, lambda m: f"/402/{_cd(m[1] + m[2])}"),
    (re.compile(rf"id:itip:(\d{{6,12}})\.(\d+)\.(\d\d)\.(\d\d)\.({_C}{{1,20}})"), 13, True,
     lambda m: f"/8006/{_gtin(m[1], m[2])}{m[3]}{m[4]}/21/{_enc(m[5])}"),
    (re.compile(rf"id:upui:(\d{{6,12}})\.(\d+)\.({_C}{{1,28}})"), 13, True,
     lambda m: f"/01/{_gtin(m[1], m[2])}/235/{_enc(m[3])}"),
    (re.compile(r"id:pgln:(\d{6,12})\.(\d*)"), 12, True, lambda m: f"/417/{_cd(m[1] + m[2])}"),
    (re.compile(rf"class:lgtin:(\d{{6,12}})\.(\d+)\.({_C}{{1,20}})"), 13, True,
     lambda m: f"/01/{_gtin(m[1], m[2])}/10/{_enc(m[3])}"),
    (re.compile(r"idpat:sgtin:(\d{6,12})\.(\d+)\.\*"), 13, True,
     lambda m: f"/01/{_gtin(m[1], m[2])}"),
    (re.compile(r"idpat:grai:(\d{6,12})\.(\d*)\.\*"), 12, True,
     lambda m: f"/8003/{_cd('0' + m[1] + m[2])}"),
    (re.compile(r"idpat:gdti:(\d{6,12})\.(\d*)\.\*"), 12, True,
     lambda m: f"/253/{_cd(m[1] + m[2])}"),
    (re.compile(r"idpat:sgcn:(\d{6,12})\.(\d*)\.\*"), 12, True,
     lambda m: f"/255/{_cd(m[1] + m[2])}"),
    (re.compile(rf"idpat:cpi:(\d{{6,12}})\.({_CPI}+)\.\*"), 30, False,
     lambda m: f"/8010/{_enc(m[1] + m[2])}"),
    (re.compile(r"idpat:itip:(\d{6,12})\.(\d+)\.(\d\d)\.(\d\d)\.\*"), 13, True,
     lambda m: f"/8006/{_gtin(m[1], m[2])}{m[3]}{m[4]}"),
    (re.compile(r"idpat:upui:(\d{6,12})\.(\d+)\.\*"), 13, True,
     lambda m: f"/01/{_gtin(m[1], m[2])}"),
]


def _epc(uri: str) -> str | None:
    if not uri.startswith("urn:epc:"):
        return None
    rest = uri[8:]
    for pattern, total, exact, build in _EPC:
        m = pattern.fullmatch(rest)
        if m is None:
            continue
        size = len(m[1]) + len(m[2])
        if size == total if exact else len(m[2]) >= 1 and size <= total:
            return _ID + build(m)
        return None
    return None


def _digital_link(uri: str) -> str | None:
    if _IS_DL.match(uri) is None:
        return None
    uri = uri.split("?", 1)[0]
    for short, ai in _SHORT:
        uri = uri.replace(short, f"{ai}")
    if _CANONICAL_HOST.match(uri) is None:
        for key in _KEYS_IN_ORDER:
            at = uri.find(f"/{key}/")
            if at != -1:
                uri = _ID + uri[at:]
                break
    m = re.match(r"^https://id\.gs1\.org/01/(\d+)", uri)
    if m and len(m[1]) < 14:  # GTIN-13, -12 and -8 padded to 14 digits
        pad = {13: 1, 12: 2}.get(len(m[1]), 6 if len(m[1]) >= 8 else 0)
        uri = uri.replace("/01/", "/01/" + "0" * pad)
    cpv = re.fullmatch(r"(https://id\.gs1\.org/(?:8006/\d{18}|01/\d{14}))/22/[^/]*((?:/.*)?)",
                       uri)
    if cpv:
        uri = cpv[1] + cpv[2]
    finest = re.fullmatch(rf"(https://id\.gs1\.org/(?:8006/\d{{18}}|01/\d{{14}}))/10/{_AI82}{{0,20}}"
                          rf"(/21/{_AI82}{{0,20}})", uri)
    if finest:
        uri = finest[1] + finest[2]
    return uri if any(v.match(uri) for v in _VALID) else None


def canonical(value: str) -> str | None:
    """The constrained canonical Digital Link of an identifier URI, or None."""
    if "." not in value:
        return None
    return _epc(value) or _digital_link(value)
