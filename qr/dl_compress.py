"""Compressed GS1 Digital Link URIs (GS1 Digital Link standard, "compression"; the algorithm
of GS1's Digital Link toolkit): the element strings of a Digital Link packed into bits and
written in the URI-safe base 64 alphabet as one path segment, ``https://id.gs1.org/AQnYUc1gmg``
for ``https://id.gs1.org/01/05412345000013``.

Bits, in order, for each AI (sorted by AI; optional "optimisation" codes stand for a
common AI pair, e.g. ``0B`` for 01 + 10):

* the AI's digits, one hex nibble each (an optimisation code: its two hex digits);
* its value, component by component as the AI's format says (:data:`FORMATS`):
  fixed-length numeric — the number in ⌈n·log₂10⌉ bits; variable numeric — its length in
  ⌈log₂ max⌉ bits, then the number; alphanumeric — an encoding indicator in 3 bits
  (0 digits, 1 lower-case hex, 2 upper-case hex, 3 URI-safe base 64, 4 seven-bit ASCII),
  the length (variable length only), the characters (4, 6 or 7 bits each; digits as one
  number);
* non-GS1 key=value pairs after ``1111`` (key length in 7 bits, key in base 64, value with
  its encoding indicator and 7-bit length).

The bit string is padded with zeros to a multiple of 6 and written in base 64. The tables
(:mod:`qr.dl_formats`) are those of GS1's toolkit: every AI it knows; an AI outside them is
refused with :class:`~qr.errors.DigitalLinkError`.

Two forms: **fully compressed**, every AI in one segment (``https://id.gs1.org/AQnYUc1gmiCNV4JG``);
**partially compressed**, the primary key left as it is and the rest compressed
(``https://id.gs1.org/01/05412345000013/EEarwSM`` for ``…/01/05412345000013/10/ABC123``; the
toolkit's ``uncompressedPrimary``). :func:`decompress` reads both.

Digits-only text is written as encoding 0 (a number), as the toolkit writes it, even with
leading zeros (lot ``007``): the character count travels with it, so :func:`decompress` pads
the number back to that many digits and the zeros survive. (The toolkit's own decoder parses
the number and drops them; its compressed bits are the same as ours.)
"""

from __future__ import annotations

import math
import re
from urllib.parse import parse_qsl, quote, unquote

from qr.dl_formats import AI_LENGTH, CHECKED, FORMATS, OPTIMISATIONS, PRIMARY, QUALIFIERS
from qr.errors import DigitalLinkError
from qr.gs1 import check_digit

__all__ = ["FORMATS", "QUALIFIERS", "compress", "decompress", "compress_ais", "decompress_ais",
           "looks_compressed"]

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_HEX = "0123456789ABCDEF"
_SEGMENT = re.compile(r"[A-Za-z0-9_-]{6,}")  # fully compressed: a primary key takes 6+
_PART = re.compile(r"[A-Za-z0-9_-]{2,}")  # partially compressed: one AI may take 2


def _value_bits(n: int) -> int:
    return 0 if n == 0 else math.ceil(n * math.log(10) / math.log(2) + 0.01)


def _length_bits(m: int) -> int:
    return 0 if m == 0 else math.ceil(math.log(m) / math.log(2) + 0.01)


def _bits(value: int, width: int) -> str:
    return format(value, "b").zfill(width) if width else ""


def _encoding(s: str) -> int:
    if s.isascii() and s.isdigit():
        return 0
    if re.fullmatch(r"[0-9a-f]+", s):
        return 1
    if re.fullmatch(r"[0-9A-F]+", s):
        return 2
    if re.fullmatch(r"[A-Za-z0-9_-]+", s):
        return 3
    return 4


def _chars(s: str, enc: int) -> str:
    if enc == 0:
        return _bits(int(s), _value_bits(len(s))) if s else ""
    if enc in (1, 2):
        return "".join(_bits(_HEX.index(c), 4) for c in s.upper())
    if enc == 3:
        return "".join(_bits(_B64.index(c), 6) for c in s)
    if any(ord(c) > 127 for c in s):
        raise DigitalLinkError("a value has a character outside 7-bit ASCII")
    return "".join(_bits(ord(c), 7) for c in s)


def _encode_value(ai: str, value: str) -> str:
    out, cursor = [], 0
    for kind, fixed, most in FORMATS[ai]:
        part = value[cursor:cursor + fixed] if fixed else value[cursor:]
        cursor += len(part)
        if kind == "N":
            if not part.isdigit() and part:
                raise DigitalLinkError(f"({ai}) must be digits")
            if fixed:
                if len(part) != fixed:
                    raise DigitalLinkError(f"({ai}) must be {fixed} digits")
                out.append(_bits(int(part), _value_bits(fixed)))
            else:
                # An empty value still takes one bit, as in GS1's toolkit.
                out.append(_bits(len(part), _length_bits(most)) +
                           (_bits(int(part), _value_bits(len(part))) if part else "0"))
        else:
            if not fixed and len(part) > most:
                raise DigitalLinkError(f"({ai}) is longer than {most} characters")
            enc = _encoding(part) if part else 4  # GS1's toolkit: empty text is "ASCII"
            out.append(_bits(enc, 3) + ("" if fixed else _bits(len(part), _length_bits(most)))
                       + _chars(part, enc))
    return "".join(out)


def _ai_bits(ai: str) -> str:
    return "".join(_bits(_HEX.index(c), 4) for c in ai)


def compress_ais(ais: dict[str, str], *, optimise: bool = False,
                 others: dict[str, str] | None = None) -> str:
    """The base 64 segment for GS1 AIs (and non-GS1 key=value pairs)."""
    keys = sorted(ais)
    for ai in keys:
        if ai not in FORMATS:
            raise DigitalLinkError(f"AI ({ai}) is not supported by this compressor")
    bits: list[str] = []
    while optimise:
        best = max((k for k, seq in OPTIMISATIONS.items() if set(seq) <= set(keys)),
                   key=lambda k: len("".join(OPTIMISATIONS[k])), default=None)
        if best is None:
            break
        bits.append(_ai_bits(best) + "".join(_encode_value(a, ais[a]) for a in OPTIMISATIONS[best]))
        keys = [k for k in keys if k not in OPTIMISATIONS[best]]
    bits += [_ai_bits(ai) + _encode_value(ai, ais[ai]) for ai in keys]
    for key, value in (others or {}).items():
        enc = _encoding(value) if value else 3
        bits.append("1111" + _bits(len(key), 7) + _chars(key, 3) + _bits(enc, 3)
                    + _bits(len(value), 7) + _chars(value, enc))
    return _to_b64("".join(bits))


def _to_b64(bits: str) -> str:
    bits += "0" * (-len(bits) % 6)
    return "".join(_B64[int(bits[i:i + 6], 2)] for i in range(0, len(bits), 6))


# --------------------------------------------------------------------------
# decoding


class _Bits:
    def __init__(self, segment: str) -> None:
        try:
            self.bits = "".join(format(_B64.index(c), "06b") for c in segment)
        except ValueError:
            raise DigitalLinkError("not URI-safe base 64") from None
        self.pos = 0

    def take(self, n: int) -> str:
        if self.pos + n > len(self.bits):
            raise DigitalLinkError("compressed data ends early")
        out = self.bits[self.pos:self.pos + n]
        self.pos += n
        return out

    def number(self, n: int) -> int:
        return int(self.take(n), 2) if n else 0

    def left(self) -> int:
        return len(self.bits) - self.pos


def _read_chars(r: _Bits, n: int, enc: int) -> str:
    if enc == 0:
        return str(r.number(_value_bits(n))).zfill(n) if n else ""
    if enc in (1, 2):
        s = "".join(_HEX[r.number(4)] for _ in range(n))
        return s.lower() if enc == 1 else s
    if enc == 3:
        return "".join(_B64[r.number(6)] for _ in range(n))
    if enc == 4:
        return "".join(chr(r.number(7)) for _ in range(n))
    raise DigitalLinkError(f"unknown encoding indicator {enc}")


def _read_value(ai: str, r: _Bits) -> str:
    out = []
    for kind, fixed, most in FORMATS[ai]:
        if kind == "N":
            n = fixed or r.number(_length_bits(most))
            digits = str(r.number(_value_bits(n))).zfill(n) if n else r.take(1) and ""
            if len(digits) > n:
                raise DigitalLinkError(f"({ai}) value too large")
            out.append(digits)
        else:
            enc = r.number(3)
            n = fixed or r.number(_length_bits(most))
            out.append(_read_chars(r, n, enc))
    return "".join(out)


def _read_ai(r: _Bits, first: str) -> str:
    """The AI whose first two digits are ``first``: its length from the toolkit's ``tableP``."""
    ai = first + "".join(_HEX[r.number(4)] for _ in range(AI_LENGTH.get(first, 2) - 2))
    if ai not in FORMATS:
        raise DigitalLinkError(f"AI ({ai}) is not supported by this decompressor")
    return ai


def decompress_ais(segment: str) -> tuple[dict[str, str], dict[str, str]]:
    """GS1 AIs and non-GS1 pairs packed in a base 64 segment (:func:`compress_ais`)."""
    r = _Bits(segment)
    ais: dict[str, str] = {}
    others: dict[str, str] = {}
    while r.left() >= 8:
        h1, h2 = _HEX[r.number(4)], _HEX[r.number(4)]
        if (h1 + h2).isdigit():
            ai = _read_ai(r, h1 + h2)
            ais[ai] = _read_value(ai, r)
        elif h1 == "F":
            r.pos -= 4
            key = _read_chars(r, r.number(7), 3)
            enc = r.number(3)
            others[key] = _read_chars(r, r.number(7), enc)
        elif h1 + h2 in OPTIMISATIONS:
            for ai in OPTIMISATIONS[h1 + h2]:
                ais[ai] = _read_value(ai, r)
        else:
            raise DigitalLinkError(f"unknown AI or optimisation code {h1}{h2}")
    if "1" in r.bits[r.pos:]:
        raise DigitalLinkError("compressed data has stray bits at the end")
    return ais, others


# --------------------------------------------------------------------------
# URIs


def _check(ai: str, value: str) -> None:
    body = {"253": value[:13], "255": value[:13], "8003": value[1:14]}.get(ai, value)
    if ai in CHECKED or ai in ("253", "255", "8003"):
        if len(body) < 2 or not body.isdigit() or check_digit(body[:-1]) != int(body[-1]):
            raise DigitalLinkError(f"({ai}) {value} has a wrong check digit")


def _split(uri: str) -> tuple[str, list[str], str]:
    m = re.fullmatch(r"(?i)(https?://[^/?#]+)(/[^?#]*)?(?:\?([^#]*))?(?:#.*)?", uri)
    if m is None:
        raise DigitalLinkError("not an http(s) URI")
    return m.group(1), (m.group(2) or "").split("/")[1:], m.group(3) or ""


def _parse(uri: str) -> tuple[str, dict[str, str], dict[str, str]]:
    """(stem, AIs, other query pairs) of an uncompressed Digital Link."""
    host, segs, query = _split(uri)
    starts = [i for i, s in enumerate(segs) if s in PRIMARY and (len(segs) - i) % 2 == 0]
    if not starts:
        raise DigitalLinkError("no GS1 primary key in the path")
    i = starts[0]
    ais = {segs[j]: unquote(segs[j + 1]) for j in range(i, len(segs), 2)}
    others: dict[str, str] = {}
    for k, v in parse_qsl(query, keep_blank_values=True):
        (ais if k.isdigit() else others)[k] = v
    if ais.get("01", "").isdigit() and len(ais["01"]) in (8, 12, 13):
        ais["01"] = ais["01"].zfill(14)
    return host + "/".join([""] + segs[:i]), ais, others


def compress(uri: str, *, optimise: bool = False, partial: bool = False) -> str:
    """The compressed form of a GS1 Digital Link URI (non-GS1 query pairs stay in the query).
    ``partial``: keep the primary key uncompressed and compress the rest (nothing to compress:
    the uncompressed URI, as GS1's toolkit does).

    >>> compress("https://id.gs1.org/01/05412345000013")
    'https://id.gs1.org/AQnYUc1gmg'
    >>> compress("https://id.gs1.org/01/05412345000013/10/ABC123", partial=True)
    'https://id.gs1.org/01/05412345000013/EEarwSM'
    """
    stem, ais, others = _parse(uri)
    tail = ("?" + "&".join(f"{k}={_enc(v)}" for k, v in others.items())) if others else ""
    if not partial:
        return f"{stem}/{compress_ais(ais, optimise=optimise)}{tail}"
    key = _primary(ais)
    _check(key, ais[key])
    rest = {k: v for k, v in ais.items() if k != key}
    packed = f"/{compress_ais(rest, optimise=optimise)}" if rest else ""
    return f"{stem}/{key}/{_enc(ais[key])}{packed}{tail}"


def _primary(ais: dict[str, str]) -> str:
    keys = [k for k in ais if k in PRIMARY]
    if len(keys) != 1:
        raise DigitalLinkError("exactly one GS1 primary key is required")
    return keys[0]


def build(stem: str, ais: dict[str, str], others: dict[str, str] | None = None) -> str:
    """The uncompressed Digital Link of ``ais``: the primary key, its qualifiers in path
    order, every other AI (and non-GS1 pair) in the query string."""
    key = _primary(ais)
    _check(key, ais[key])
    order = QUALIFIERS["01+235"] if key == "01" and "235" in ais else QUALIFIERS.get(key, ())
    path = [key, _enc(ais[key])]
    for q in order:
        if q in ais:
            path += [q, _enc(ais[q])]
    rest = [(k, v) for k, v in sorted(ais.items()) if k != key and k not in order]
    rest += list((others or {}).items())
    query = "&".join(f"{k}={_enc(v)}" for k, v in rest)
    return f"{stem}/{'/'.join(path)}" + (f"?{query}" if query else "")


def _enc(value: str) -> str:
    if value in (".", ".."):  # a dot segment would be dropped by browsers
        return "%2E" * len(value)
    return quote(value, safe="")


def decompress(uri: str) -> str:
    """The uncompressed GS1 Digital Link of a fully compressed (``…/<segment>``) or partially
    compressed (``…/<key>/<value>/<segment>``) one; an uncompressed one is returned normalised.

    >>> decompress("https://id.gs1.org/AQnYUc1gmg")
    'https://id.gs1.org/01/05412345000013'
    >>> decompress("https://id.gs1.org/01/05412345000013/EEarwSM")
    'https://id.gs1.org/01/05412345000013/10/ABC123'
    """
    host, segs, query = _split(uri)
    if any(s in PRIMARY and (len(segs) - i) % 2 == 0 for i, s in enumerate(segs)):
        return build(*_parse(uri))  # not compressed at all
    if not segs or not _PART.fullmatch(segs[-1]):
        raise DigitalLinkError("no compressed segment at the end of the path")
    ais, others = decompress_ais(segs[-1])
    stem = segs[:-1]
    if len(segs) >= 3 and segs[-3] in PRIMARY:  # partially compressed
        key, value, stem = segs[-3], unquote(segs[-2]), segs[:-3]
        if key in ais:
            raise DigitalLinkError(f"({key}) is both uncompressed and compressed")
        if key == "01" and value.isdigit() and len(value) in (8, 12, 13):
            value = value.zfill(14)
        ais = {key: value, **ais}
    elif not _SEGMENT.fullmatch(segs[-1]):
        raise DigitalLinkError("too short for a compressed Digital Link")
    for k, v in parse_qsl(query, keep_blank_values=True):
        others[k] = v
    return build(host + "/".join([""] + stem), ais, others)


def looks_compressed(path: str) -> str | None:
    """The uncompressed path (and query) of a request path that is a compressed Digital Link
    — ``/<segment>`` (fully) or ``/<primary key>/<value>/<segment>`` (partially) — else None.
    A cheap test of the path's shape comes first (a stamp's six-segment path is rejected by
    one ``count``). Never raises."""
    slashes = path.count("/")
    if slashes == 1:
        if not _SEGMENT.fullmatch(path[1:]):
            return None
    elif slashes == 3:
        _, key, _, segment = path.split("/")
        if key not in PRIMARY or not _PART.fullmatch(segment):
            return None
    else:
        return None
    try:
        full = decompress("http://x" + path)
    except (DigitalLinkError, ValueError, IndexError):
        return None
    return full[len("http://x"):]

