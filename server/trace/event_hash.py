"""The EPCIS Event Hash ID (CBV 2.0, section 8.9): a syntax-agnostic fingerprint of an event.

Written from the algorithm's published description (GS1 CBV 2.0 and the description that
accompanies R. Tröger's reference implementation, ``epcis-event-hash-generator``):

1. take the event's fields in the *canonical property order* (below), skipping absent ones;
2. write a value as ``key=value``, a parent as its key followed by its children, with no
   separators; list children (``epc`` in ``epcList`` …) are sorted lexically (code points),
   a list's name appears once; a child with its own fields (``quantityElement``,
   ``sensorReport`` …) is written as one string and those strings are sorted;
3. timestamps in UTC with millisecond precision and ``Z`` (sub-millisecond digits rounded);
4. numbers without trailing zeros; whitespace around values trimmed;
5. bare CBV values (``shipping``), CBV URNs (``urn:epcglobal:cbv:bizstep:shipping``) and
   CURIEs (``cbv:``, ``gs1:``, document prefixes) expanded to their web URIs;
6. EPC URIs (``urn:epc:id:…``, ``urn:epc:class:…``, ``urn:epc:idpat:…``) and any GS1 Digital
   Link URI written as a *constrained canonical* Digital Link on ``https://id.gs1.org``:
   no query string, only the finest identification level;
7. ILMD and user extensions as ``{namespace}localName[=value]`` strings, sorted; extensions
   inside ``readPoint`` / ``bizLocation`` / sensor elements prefixed by their parent's key;
8. ``ni:///sha-256;<hex>?ver=CBV2.0`` (RFC 6920).

``eventID``, ``recordTime``, ``errorDeclaration`` and ``certificationInfo`` do not take
part: an error declaration repeats the event it declares erroneous, with the same ID.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from qr.gs1 import check_digit

__all__ = ["prehash", "event_hash", "context_prefixes", "canonical_uri", "HASH_VERSION"]

HASH_VERSION = "CBV2.0"
_ID_GS1 = "https://id.gs1.org"
_CBV = "https://ref.gs1.org/cbv/"
_GS1_VOC_BARE = "https://ref.gs1.org/voc/"
_DEFAULT_PREFIXES = {"gs1": "https://gs1.org/voc/", "cbv": _CBV,
                     "epcis": "https://ref.gs1.org/epcis/",
                     "cbvmda": "urn:epcglobal:cbv:mda"}
_URN_CBV = {"bizstep": "BizStep-", "disp": "Disp-", "btt": "BTT-", "sdt": "SDT-", "er": "ER-"}
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_SKIP = frozenset({"@context", "type", "isA", "eventID", "recordTime", "errorDeclaration",
                   "certificationInfo", "eventTime", "eventTimeZoneOffset"})
_PRIMARY = frozenset({"00", "01", "253", "255", "401", "402", "414", "417", "8003", "8004",
                      "8006", "8010", "8017", "8018"})
# Key qualifiers kept, per primary key, finest first.
_QUALIFIERS = {"01": ("21", "10", "235"), "414": ("254",), "8006": ("21", "10"),
               "8010": ("8011",)}
_METADATA = ("time", "startTime", "endTime", "deviceID", "deviceMetadata", "rawData",
             "dataProcessingMethod", "bizRules")
_REPORT = ("type", "exception", "deviceID", "deviceMetadata", "rawData",
           "dataProcessingMethod", "time", "microorganism", "chemicalSubstance", "value",
           "component", "stringValue", "booleanValue", "hexBinaryValue", "uriValue",
           "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue", "uom",
           "coordinateReferenceSystem")
_EPC_LISTS = ("epcList", "parentID", "inputEPCList", "childEPCs", "quantityList",
              "childQuantityList", "inputQuantityList", "outputEPCList", "outputQuantityList")


def context_prefixes(context: Any) -> dict[str, str]:
    """The namespace prefixes a JSON-LD ``@context`` (string, object or list) defines."""
    out = dict(_DEFAULT_PREFIXES)
    items = context if isinstance(context, list) else [context]
    for item in items:
        if isinstance(item, Mapping):
            for key, value in item.items():
                if isinstance(value, str) and not key.startswith("@"):
                    out[key] = value
    return out


def _timestamp(value: str) -> str:
    text = value.strip()
    m = re.fullmatch(r"^(.*T\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$", text)
    if not m:
        return text
    base = datetime.fromisoformat(m.group(1) + (m.group(3).replace("Z", "+00:00")))
    frac = Decimal("0" + (m.group(2) or ".0")).quantize(Decimal("0.001"), ROUND_HALF_UP)
    moment = base.astimezone(UTC) + timedelta(milliseconds=int(frac * 1000))
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _number(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)
    text = str(value).strip()
    if _NUMBER.fullmatch(text):
        d = Decimal(text)
        if d == d.to_integral_value():
            return str(int(d))
        return format(d.normalize(), "f")
    return text


def _gtin14(company: str, ref: str) -> str:
    body = ref[:1] + company + ref[1:]
    return body + str(check_digit(body))


def _with_check(digits: str) -> str:
    return digits + str(check_digit(digits))


def _epc_urn(uri: str) -> str | None:
    """An EPC (pure identity, class or pattern) URN as a Digital Link path, or None."""
    m = re.fullmatch(r"^urn:epc:(id|class|idpat):([a-z0-9]+):(.+)$", uri)
    if not m:
        return None
    scheme, kind, rest = m.groups()
    p = rest.split(".")
    try:
        if kind == "sgtin" and len(p) == 3:
            path = f"/01/{_gtin14(p[0], p[1])}"
            return path if p[2] == "*" else f"{path}/21/{p[2]}"
        if kind == "lgtin" and len(p) == 3:
            return f"/01/{_gtin14(p[0], p[1])}/10/{p[2]}"
        if kind == "sscc" and len(p) == 2:
            return f"/00/{_with_check(p[1][:1] + p[0] + p[1][1:])}"
        if kind == "sgln" and len(p) == 3:
            path = f"/414/{_with_check(p[0] + p[1])}"
            return path if p[2] in ("0", "*") else f"{path}/254/{p[2]}"
        if kind == "pgln" and len(p) == 2:
            return f"/417/{_with_check(p[0] + p[1])}"
        if kind == "gdti" and len(p) == 3:
            return f"/253/{_with_check(p[0] + p[1])}{p[2]}"
        if kind == "grai" and len(p) == 3:
            return f"/8003/{_with_check('0' + p[0] + p[1])}{p[2]}"
        if kind == "giai" and len(p) == 2:
            return f"/8004/{p[0]}{p[1]}"
        if kind == "gsrn" and len(p) == 2:
            return f"/8018/{_with_check(p[0] + p[1])}"
        if kind == "sgcn" and len(p) == 3:
            return f"/255/{_with_check(p[0] + p[1])}{p[2]}"
    except ValueError:
        return None
    return None


def _digital_link(uri: str) -> str | None:
    """A GS1 Digital Link URI in constrained canonical form, or None if it is not one."""
    m = re.match(r"^https?://[^/?#]+(/[^?#]*)", uri)
    if not m:
        return None
    segs = [s for s in m.group(1).split("/") if s]
    for i, seg in enumerate(segs):
        if seg in _PRIMARY and (len(segs) - i) % 2 == 0 and all(
                s.isdigit() for s in segs[i::2]):
            pairs = dict(zip(segs[i::2], segs[i + 1::2]))
            key = segs[i]
            value = pairs[key]
            if key == "01" and value.isdigit() and len(value) < 14:
                value = value.rjust(14, "0")
            out = f"/{key}/{value}"
            for q in _QUALIFIERS.get(key, ()):
                if q in pairs:
                    out += f"/{q}/{pairs[q]}"
                    break
            return out
    return None


def canonical_uri(value: str, prefixes: Mapping[str, str] | None = None) -> str:
    """Expand CBV URNs and CURIEs; turn EPC URNs and Digital Links into canonical ones."""
    text = value.strip()
    m = re.fullmatch(r"^urn:epcglobal:cbv:(bizstep|disp|btt|sdt|er):(.+)$", text)
    if m:
        return _CBV + _URN_CBV[m.group(1)] + m.group(2)
    path = _epc_urn(text)
    if path:
        return _ID_GS1 + path
    if ":" in text and not text.startswith(("http://", "https://", "urn:")):
        prefix, _, local = text.partition(":")
        ns = (prefixes or _DEFAULT_PREFIXES).get(prefix)
        if ns:
            text = ns + local
    path = _digital_link(text)
    if path:
        return _ID_GS1 + path
    return text


class _Canon:
    def __init__(self, prefixes: Mapping[str, str]) -> None:
        self.prefixes = prefixes

    def value(self, key: str, value: Any, bare: str | None = None) -> str:
        if isinstance(value, (bool, int, float)):
            return _number(value)
        text = str(value).strip()
        if "time" in key.lower() and "offset" not in key.lower():
            return _timestamp(text)
        if bare and text and ":" not in text:
            return bare + text
        return _number(canonical_uri(text, self.prefixes))

    def kv(self, key: str, value: Any, bare: str | None = None) -> str:
        return f"{key}={self.value(key, value, bare)}"

    def name(self, key: str) -> str:
        """``prefix:local`` → ``{namespace}local`` for extension keys."""
        prefix, sep, local = key.partition(":")
        if sep and prefix in self.prefixes:
            return "{" + self.prefixes[prefix] + "}" + local
        return key

    def generic(self, key: str, value: Any) -> list[str]:
        """Extension element(s) as sorted-ready strings (a list gives one string per item)."""
        name = self.name(key)
        if isinstance(value, list):
            return [s for item in value for s in self.generic(key, item)]
        if isinstance(value, Mapping):
            inner = sorted(s for k, v in value.items() if not k.startswith("@")
                           for s in self.generic(k, v))
            return [name + "".join(inner)]
        return [f"{name}={self.value(key, value)}"]

    def fields(self, obj: Mapping[str, Any], order: tuple[str, ...],
               bare: Mapping[str, str] | None = None) -> str:
        return "".join(self.kv(k, obj[k], (bare or {}).get(k)) for k in order if k in obj)


def _quantities(c: _Canon, items: list[Mapping[str, Any]]) -> list[str]:
    return ["quantityElement" + c.fields(q, ("epcClass", "quantity", "uom")) for q in items]


def _typed(c: _Canon, items: list[Mapping[str, Any]], key: str, bare: str) -> list[str]:
    out = []
    for item in items:
        typ = f"type={c.value('type', item['type'], bare)}" if "type" in item else ""
        out.append(typ + c.kv(key, item[key]) if key in item else typ)
    return out


def prehash(event: Mapping[str, Any], context: Any = None) -> str:
    """The canonical pre-hash string of one EPCIS event (JSON/JSON-LD form).

    Long because it walks the fields in the order the event-hash algorithm fixes, one short
    block per field; split up, that order (which the hash depends on) would be hard to check.
    """
    c = _Canon(context_prefixes(context if context is not None else event.get("@context")))
    out = [f"eventType={event.get('type') or event.get('isA')}"]
    if "eventTime" in event:
        out.append(c.kv("eventTime", event["eventTime"]))
    if "eventTimeZoneOffset" in event:
        out.append(f"eventTimeZoneOffset={str(event['eventTimeZoneOffset']).strip()}")
    lists = {"epcList": "epc", "inputEPCList": "epc", "childEPCs": "epc", "outputEPCList": "epc"}
    for key in _EPC_LISTS:
        if key not in event:
            continue
        value = event[key]
        if key == "parentID":
            out.append(c.kv(key, value))
        elif key in lists:
            items = sorted(c.kv("epc", v) for v in value)
            if items:
                out.append(key + "".join(items))
        else:
            items = sorted(_quantities(c, value))
            if items:
                out.append(key + "".join(items))
    for key in ("action", "transformationID"):
        if key in event:
            out.append(f"{key}={str(event[key]).strip()}")
    if "bizStep" in event:
        out.append(c.kv("bizStep", event["bizStep"], _CBV + "BizStep-"))
    if "disposition" in event:
        out.append(c.kv("disposition", event["disposition"], _CBV + "Disp-"))
    pd = event.get("persistentDisposition")
    if pd:
        parts = [s for k in ("set", "unset")
                 for s in sorted(c.kv(k, v, _CBV + "Disp-") for v in pd.get(k, []))]
        out.append("persistentDisposition" + "".join(parts))
    extensions: list[str] = []
    for key in ("readPoint", "bizLocation"):
        if key in event and isinstance(event[key], Mapping):
            where = event[key]
            if "id" in where:
                out.append(key + c.kv("id", where["id"]))
            rest = sorted(s for k, v in where.items() if k != "id" for s in c.generic(k, v))
            if rest:
                extensions.append(key + "".join(rest))
    for key, child, bare in (("bizTransactionList", "bizTransaction", "BTT-"),
                             ("sourceList", "source", "SDT-"),
                             ("destinationList", "destination", "SDT-")):
        if event.get(key):
            out.append(key + "".join(sorted(_typed(c, event[key], child, _CBV + bare))))
    if event.get("sensorElementList"):
        out.append(_sensors(c, event["sensorElementList"], extensions))
    if event.get("ilmd"):
        ilmd = sorted(s for k, v in event["ilmd"].items() if not k.startswith("@")
                      for s in c.generic(k, v))
        out.append("ilmd" + "".join(ilmd))
    known = set(_EPC_LISTS) | {"action", "transformationID", "bizStep", "disposition",
                               "persistentDisposition", "readPoint", "bizLocation",
                               "bizTransactionList", "sourceList", "destinationList",
                               "sensorElementList", "ilmd"} | _SKIP
    extensions += [s for k, v in event.items() if k not in known and not k.startswith("@")
                   for s in c.generic(k, v)]
    return "".join(out) + "".join(sorted(extensions))


def _sensors(c: _Canon, elements: list[Mapping[str, Any]], extensions: list[str]) -> str:
    strings = []
    for element in elements:
        text = "sensorElement"
        ext_parts: list[str] = []
        meta = element.get("sensorMetadata") or {}
        if meta:
            text += "sensorMetadata" + c.fields(meta, _METADATA)
            extra = sorted(s for k, v in meta.items() if k not in _METADATA
                           for s in c.generic(k, v))
            if extra:
                ext_parts.append("sensorMetadata" + "".join(extra))
        reports = []
        for report in element.get("sensorReport") or []:
            reports.append("sensorReport" + c.fields(report, _REPORT, {"type": _GS1_VOC_BARE}))
            extra = sorted(s for k, v in report.items() if k not in _REPORT
                           for s in c.generic(k, v))
            if extra:
                ext_parts.append("sensorReport" + "".join(extra))
        text += "".join(sorted(reports))
        strings.append(text)
        rest = sorted(s for k, v in element.items()
                      if k not in ("sensorMetadata", "sensorReport") for s in c.generic(k, v))
        if ext_parts or rest:
            extensions.append("sensorElement" + "".join(ext_parts) + "".join(rest))
    return "".join(sorted(strings))


def event_hash(event: Mapping[str, Any], context: Any = None) -> str:
    """The event's hash ID, ``ni:///sha-256;<hex>?ver=CBV2.0``."""
    digest = hashlib.sha256(prehash(event, context).encode("utf-8")).hexdigest()
    return f"ni:///sha-256;{digest}?ver={HASH_VERSION}"
