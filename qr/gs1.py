"""GS1 identifiers and GS1 Digital Link URIs.

* GS1 mod-10 check digits (weights 3, 1, 3, … from the right, check =
  (10 − sum mod 10) mod 10), GTIN-8/12/13/14 validation and normalisation to
  GTIN-14 (left-padded with zeros), GLN (13 digits) validation.
* GS1 AI encodable character set 82 (``!"%&'()*+,-./0-9:;<=>?A-Z_a-z``) checks
  for lots (AI 10) and serials (AI 21), at most 20 characters each.
* GS1 Digital Link URIs ``https://<domain>[/<prefix>]/01/<GTIN-14>[/10/<lot>][/21/<serial>]``:
  building (values percent-encoded: everything outside the URI unreserved
  set ``A-Za-z0-9-._~``, and the dots of a value that is exactly ``.`` or ``..``,
  which browsers would otherwise resolve as a dot segment) and strict parsing into a
  :class:`DigitalLink` (a malformed URI raises :class:`~qr.errors.DigitalLinkError`,
  never anything else).

Pure Python, no I/O.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field

from qr.errors import CharsetError, CheckDigitError, DigitalLinkError

__all__ = [
    "VIETNAM_PREFIX",
    "MAX_LOT_LENGTH",
    "MAX_SERIAL_LENGTH",
    "check_digit",
    "gtin_is_valid",
    "normalize_gtin",
    "gln_is_valid",
    "validate_gln",
    "is_vietnam_gtin",
    "ai82_is_valid",
    "validate_ai82",
    "percent_encode",
    "DigitalLink",
    "digital_link",
    "parse_digital_link",
    "SSCC_LENGTH",
    "make_sscc",
    "sscc_is_valid",
    "sscc_link",
    "parse_sscc_path",
]

VIETNAM_PREFIX = "893"
"""GS1 prefix allocated to GS1 Vietnam."""

MAX_LOT_LENGTH = 20
MAX_SERIAL_LENGTH = 20
_MAX_URI_LENGTH = 2048

_AI82 = frozenset("!\"%&'()*+,-./:;<=>?_" + string.digits + string.ascii_letters)
_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
# Characters a path segment may carry raw (RFC 3986 pchar minus '%', which
# is only allowed as the start of an escape, checked separately).
_PCHAR = _UNRESERVED | frozenset("!$&'()*+,;=:@")
_GTIN_LENGTHS = frozenset((8, 12, 13, 14))
_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_ORIGIN = re.compile(r"(?i)(https?)://([A-Za-z0-9.\-]+(?::[0-9]{1,5})?)(/[^?#]*)?")
# Percent-encoding table: AI-82 character -> text to put in a URI.
_ENCODE = {c: (c if c in _UNRESERVED else f"%{ord(c):02X}") for c in _AI82}


# --------------------------------------------------------------------------
# check digits, GTIN, GLN


def check_digit(body: str) -> int:
    """Return the GS1 mod-10 check digit for ``body`` (the digits before it).

    Works for every GS1 key with a standard check digit (GTIN-8/12/13/14,
    GLN, SSCC, …): ``check_digit("893460200107") == 8``.

    :raises CheckDigitError: if ``body`` is empty or has a non-digit.
    """
    if not isinstance(body, str) or not body or not _is_digits(body):
        raise CheckDigitError(f"check digit body must be ASCII digits, got {body!r}")
    total = 0
    weight = 3
    for ch in reversed(body):
        total += (ord(ch) - 48) * weight
        weight = 4 - weight  # 3, 1, 3, 1, …
    return (10 - total % 10) % 10


def gtin_is_valid(code: str) -> bool:
    """True if ``code`` is a GTIN-8, -12, -13 or -14 with a correct check digit.

    Never raises: anything that is not such a string is simply not valid.
    """
    return (
        isinstance(code, str)
        and len(code) in _GTIN_LENGTHS
        and _is_digits(code)
        and check_digit(code[:-1]) == ord(code[-1]) - 48
    )


def normalize_gtin(code: str) -> str:
    """Return ``code`` (GTIN-8/12/13/14) as a GTIN-14, left-padded with zeros.

    :raises CheckDigitError: if ``code`` is not a valid GTIN.
    """
    if not gtin_is_valid(code):
        raise CheckDigitError(f"not a valid GTIN-8/12/13/14: {code!r}")
    return code.rjust(14, "0")


def gln_is_valid(code: str) -> bool:
    """True if ``code`` is a 13-digit GLN with a correct check digit. Never raises."""
    return (
        isinstance(code, str)
        and len(code) == 13
        and _is_digits(code)
        and check_digit(code[:-1]) == ord(code[-1]) - 48
    )


def validate_gln(code: str) -> str:
    """Return ``code`` unchanged if it is a valid GLN.

    :raises CheckDigitError: otherwise.
    """
    if not gln_is_valid(code):
        raise CheckDigitError(f"not a valid GLN: {code!r}")
    return code


def is_vietnam_gtin(code: str) -> bool:
    """True if ``code`` is a valid GTIN under GS1 Vietnam's prefix 893.

    The prefix is read from the GTIN-13 inside a GTIN-14 (after the indicator
    digit), or from the GTIN-8 when the GTIN-14 starts with six zeros.
    A GTIN-12 (UPC, US/Canada) is never Vietnamese. Never raises.
    """
    if not gtin_is_valid(code):
        return False
    if len(code) == 12:
        return False
    gtin14 = code.rjust(14, "0")
    if gtin14.startswith("000000"):
        return gtin14[6:9] == VIETNAM_PREFIX
    return gtin14[1:4] == VIETNAM_PREFIX


# --------------------------------------------------------------------------
# AI-82 values (lot, serial) and percent-encoding


def ai82_is_valid(value: str, max_length: int = 20) -> bool:
    """True if ``value`` is 1..``max_length`` characters of GS1 AI encodable set 82."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= max_length
        and all(c in _AI82 for c in value)
    )


def validate_ai82(value: str, max_length: int = 20, *, what: str = "value") -> str:
    """Return ``value`` unchanged if :func:`ai82_is_valid`.

    :raises CharsetError: otherwise, naming the first offending character.
    """
    if not isinstance(value, str):
        raise CharsetError(f"{what} must be a string, got {type(value).__name__}")
    if not value:
        raise CharsetError(f"{what} must not be empty")
    if len(value) > max_length:
        raise CharsetError(f"{what} is {len(value)} characters, at most {max_length} allowed")
    for c in value:
        if c not in _AI82:
            raise CharsetError(f"{what} has {c!r}, outside GS1 AI encodable set 82")
    return value


def percent_encode(value: str) -> str:
    """Percent-encode an AI-82 value for a Digital Link path segment.

    Everything outside the URI unreserved set is encoded:
    ``percent_encode("LOT/1%") == "LOT%2F1%25"``.

    A value that is exactly ``.`` or ``..`` has its dots encoded too (``%2E``): as a
    path segment it would be a dot segment, which browsers remove before sending
    (GS1 Digital Link 1.2, RFC 3986 §5.2.4): ``percent_encode("..") == "%2E%2E"``.

    :raises CharsetError: if ``value`` has a character outside AI-82.
    """
    if value in (".", ".."):
        return "%2E" * len(value)
    try:
        return "".join([_ENCODE[c] for c in value])
    except KeyError as exc:
        raise CharsetError(f"{exc.args[0]!r} is outside GS1 AI encodable set 82") from None


@dataclass(frozen=True, slots=True)
class DigitalLink:
    """What a GS1 Digital Link URI names: a GTIN-14, and a lot and serial if present
    (percent-decoded); a consumer product variant (AI 22) or third-party serial (AI 235)
    if the URI has one (GS1 Digital Link URI syntax: ``/01/…[/22/…][/10/…][/21/…]`` or
    ``/01/…/235/…``)."""

    gtin: str
    lot: str | None = None
    serial: str | None = None
    cpv: str | None = field(default=None, repr=False)
    tpx: str | None = field(default=None, repr=False)


# --------------------------------------------------------------------------
# Digital Link


def digital_link(
    base: str, gtin: str, lot: str | None = None, serial: str | None = None
) -> str:
    """Build the GS1 Digital Link URI ``<base>/01/<GTIN-14>[/10/<lot>][/21/<serial>]``.

    ``base`` is ``http(s)://host[:port][/path prefix]`` without query or
    fragment; a trailing slash is dropped. The GTIN is validated and written
    as a GTIN-14; lot and serial must be 1–20 AI-82 characters and are
    percent-encoded.

    :raises DigitalLinkError: for a bad base.
    :raises CheckDigitError: for a bad GTIN.
    :raises CharsetError: for a bad lot or serial.
    """
    parts = [_check_base(base), "/01/", normalize_gtin(gtin)]
    if lot is not None:
        validate_ai82(lot, MAX_LOT_LENGTH, what="lot")
        parts += ("/10/", percent_encode(lot))
    if serial is not None:
        validate_ai82(serial, MAX_SERIAL_LENGTH, what="serial")
        parts += ("/21/", percent_encode(serial))
    return "".join(parts)


def parse_digital_link(uri: str) -> DigitalLink:
    """Parse a GS1 Digital Link URI for a GTIN with optional lot and serial.

    Accepts an absolute ``http``/``https`` URI or just its path (starting
    with ``/``, as a web server sees it); any path prefix before ``/01/`` is
    allowed; a query string and fragment are ignored. Returns a
    :class:`DigitalLink` with the values percent-decoded (``%2E%2E`` is the lot
    ``..``). GTIN-8/12/13 in the URI are normalised to 14 digits:

    >>> parse_digital_link("https://nongso.vn/01/8934602001078/10/%2E%2E/21/X1")
    DigitalLink(gtin='08934602001078', lot='..', serial='X1')

    :raises DigitalLinkError: (a ``ValueError``) for anything malformed,
        including a wrong check digit or a lot/serial outside AI-82.
    """
    if not isinstance(uri, str):
        raise DigitalLinkError(f"URI must be a string, got {type(uri).__name__}")
    if not uri or len(uri) > _MAX_URI_LENGTH:
        raise DigitalLinkError("URI is empty or too long")
    if not all("!" <= c <= "~" for c in uri):
        raise DigitalLinkError("URI has a space, control or non-ASCII character")
    path = uri.partition("#")[0].partition("?")[0]
    if not path.startswith("/"):
        m = _ORIGIN.fullmatch(path)
        if m is None:
            raise DigitalLinkError(f"not an http(s) URI with a host: {uri[:80]!r}")
        path = m.group(3) or ""
    segments = path.split("/")
    # A path looks like ["", prefix…, "01", gtin, ("10", lot)?, ("21", serial)?];
    # read it from the right so a path prefix of any shape is allowed.
    serial = lot = None
    if len(segments) >= 3 and segments[-2] == "21":
        serial = _decode_value(segments[-1], MAX_SERIAL_LENGTH, "serial")
        del segments[-2:]
    if len(segments) >= 3 and segments[-2] == "10":
        lot = _decode_value(segments[-1], MAX_LOT_LENGTH, "lot")
        del segments[-2:]
    cpv = tpx = None
    if len(segments) >= 3 and segments[-2] == "22":
        cpv = _decode_value(segments[-1], 20, "consumer product variant")
        del segments[-2:]
    elif serial is None and lot is None and len(segments) >= 3 and segments[-2] == "235":
        tpx = _decode_value(segments[-1], 28, "third-party controlled serial")
        del segments[-2:]
    if len(segments) < 3 or segments[-2] != "01":
        raise DigitalLinkError("path does not end in /01/<gtin>[/22/<cpv>][/10/<lot>]"
                               "[/21/<serial>]")
    for seg in segments[1:-2]:
        if not seg or _ESCAPE.search(seg) or any(c not in _PCHAR and c != "%" for c in seg):
            raise DigitalLinkError("path prefix has an empty or malformed segment")
    gtin = segments[-1]
    if not gtin_is_valid(gtin):
        raise DigitalLinkError(f"not a valid GTIN: {gtin[:20]!r}")
    return DigitalLink(gtin.rjust(14, "0"), lot, serial, cpv, tpx)


# --------------------------------------------------------------------------
# SSCC (AI 00): logistic units

SSCC_LENGTH = 18


def make_sscc(extension: int, company_prefix: str, serial_ref: int) -> str:
    """The SSCC (GS1 General Specifications 2.2.1): extension digit, GS1 company prefix,
    serial reference filling 16 digits, check digit:

    >>> make_sscc(0, "8930000", 42)
    '089300000000000422'

    :raises CheckDigitError: for a bad prefix, extension or a serial reference that does
        not fit.
    """
    if not (0 <= extension <= 9) or not (6 <= len(company_prefix) <= 12) \
            or not _is_digits(company_prefix):
        raise CheckDigitError("an SSCC needs an extension digit and a 6-12 digit company prefix")
    width = 16 - len(company_prefix)
    if not 0 <= serial_ref < 10 ** width:
        raise CheckDigitError(f"serial reference {serial_ref} does not fit in {width} digits")
    body = f"{extension}{company_prefix}{serial_ref:0{width}d}"
    return body + str(check_digit(body))


def sscc_is_valid(code: str) -> bool:
    """True if ``code`` is 18 digits with a correct check digit. Never raises."""
    return (isinstance(code, str) and len(code) == SSCC_LENGTH and _is_digits(code)
            and check_digit(code[:-1]) == ord(code[-1]) - 48)


def sscc_link(base: str, sscc: str) -> str:
    """The Digital Link ``<base>/00/<SSCC>`` of a logistic unit.

    :raises CheckDigitError: if ``sscc`` is not valid.
    """
    if not sscc_is_valid(sscc):
        raise CheckDigitError(f"not a valid SSCC: {sscc!r}")
    return f"{_check_base(base)}/00/{sscc}"


def parse_sscc_path(uri: str) -> str:
    """The SSCC of a Digital Link path or URI ``…/00/<SSCC>`` (query ignored).

    :raises DigitalLinkError: if it is not one, or the check digit is wrong.
    """
    path = uri.partition("#")[0].partition("?")[0]
    if not path.startswith("/"):
        m = _ORIGIN.fullmatch(path)
        path = (m.group(3) or "") if m else ""
    segments = path.split("/")
    if len(segments) < 3 or segments[-2] != "00":
        raise DigitalLinkError("path does not end in /00/<SSCC>")
    if not sscc_is_valid(segments[-1]):
        raise DigitalLinkError(f"not a valid SSCC: {segments[-1][:20]!r}")
    return segments[-1]


# --------------------------------------------------------------------------
# private helpers


def _is_digits(s: str) -> bool:
    return s.isascii() and s.isdigit()


def _check_base(base: str) -> str:
    if not isinstance(base, str):
        raise DigitalLinkError(f"base must be a string, got {type(base).__name__}")
    m = _ORIGIN.fullmatch(base)
    if m is None:
        raise DigitalLinkError(f"base must be http(s)://host[/prefix], got {base!r}")
    prefix = (m.group(3) or "").rstrip("/")
    if prefix and any(not s or any(c not in _PCHAR for c in s) for s in prefix[1:].split("/")):
        raise DigitalLinkError(f"base path prefix is not a clean URI path: {prefix!r}")
    return f"{m.group(1).lower()}://{m.group(2).lower()}{prefix}"


def _decode_value(segment: str, max_length: int, what: str) -> str:
    if _ESCAPE.search(segment):
        raise DigitalLinkError(f"{what} has a malformed percent-escape")
    if any(c not in _PCHAR and c != "%" for c in segment):
        raise DigitalLinkError(f"{what} has a character a URI path cannot carry raw")
    out: list[str] = []
    i = 0
    while i < len(segment):
        c = segment[i]
        if c == "%":
            c = chr(int(segment[i + 1 : i + 3], 16))
            i += 3
        else:
            i += 1
        out.append(c)
    value = "".join(out)
    if not ai82_is_valid(value, max_length):
        raise DigitalLinkError(f"{what} is not 1-{max_length} characters of GS1 AI set 82")
    return value
