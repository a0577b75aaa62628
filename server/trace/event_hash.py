"""The EPCIS Event Hash ID (CBV 2.0 section 8.9): a syntax-agnostic fingerprint of an event.

Interoperable hashes are only useful if every party computes the same string, so this module
follows GS1's reference implementation (``epcis-event-hash-generator`` 1.9, the oracle of
``tests/server/trace/test_event_hash*.py``) step by step, including where it reads the
algorithm's description narrowly:

1. bare CBV values (``shipping``, ``Temperature``) become web URIs by the EPCIS JSON-LD
   context's term definitions of the ``@vocab``-typed fields; any other string equal to the
   tail of exactly one such URI in the document is replaced too (the reference matches by
   suffix);
2. the event becomes a tree of (name, value, children): list members take their list's name
   (``epcList`` → ``epc``, quantity lists → ``quantityElement``), children are sorted except
   under ``bizTransaction``/``source``/``destination``; ``prefix:local`` keys and values with
   a prefix the *document's* ``@context`` defines become ``{namespace}local``;
3. the fields of the canonical property order are written first, ``key=value`` with no
   separators; a field with children not in the order (user extensions, ``ilmd``, the
   source/destination/business-transaction lists, ``certificationInfo``) is then written
   with the remaining fields, sorted;
4. values: CBV URNs → web URIs, numbers through ``float`` (``4.0`` → ``4``, ``4.50`` →
   ``4.5``), identifiers → constrained canonical Digital Links
   (:mod:`server.trace.dl_canonical`), ``time`` fields in UTC with milliseconds;
5. ``ni:///sha-256;<hex>?ver=CBV2.0`` (RFC 6920).

``eventID``, ``recordTime`` and ``errorDeclaration`` do not take part: an error declaration
repeats the event it declares erroneous, with the same ID.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from server.trace.dl_canonical import canonical

__all__ = ["prehash", "prehashes", "event_hash", "canonical_uri", "HASH_VERSION"]

HASH_VERSION = "CBV2.0"
_CONTEXT_FILE = Path(__file__).parent / "schema" / "epcis-context.jsonld"
_EXPANDED = ("https://ref.gs1.org/cbv", "https://gs1.org/voc")
_QTY = [("epcClass", None), ("quantity", None), ("uom", None)]
_ORDER: list[tuple[Any, Any]] = [
    ("eventTime", None), ("eventTimeZoneOffset", None), ("certificationInfo", None),
    ("parentID", None), ("epcList", [("epc", None)]), ("inputEPCList", [("epc", None)]),
    ("childEPCs", [("epc", None)]), ("quantityList", [("quantityElement", _QTY)]),
    ("childQuantityList", [("quantityElement", _QTY)]),
    ("inputQuantityList", [("quantityElement", _QTY)]), ("outputEPCList", [("epc", None)]),
    ("outputQuantityList", [("quantityElement", _QTY)]), ("action", None),
    ("transformationID", None), ("bizStep", None), ("disposition", None),
    ("persistentDisposition", [("set", None), ("unset", None)]),
    ("readPoint", [("id", None)]), ("bizLocation", [("id", None)]),
    ("bizTransactionList", [(("type", None), ("bizTransaction", None))]),
    ("sourceList", [(("type", None), ("source", None))]),
    ("destinationList", [(("type", None), ("destination", None))]),
    ("sensorElementList", [("sensorElement", [
        ("sensorMetadata", [(k, None) for k in (
            "time", "startTime", "endTime", "deviceID", "deviceMetadata", "rawData",
            "dataProcessingMethod", "bizRules")]),
        ("sensorReport", [(k, None) for k in (
            "type", "exception", "deviceID", "deviceMetadata", "rawData",
            "dataProcessingMethod", "time", "microorganism", "chemicalSubstance", "value",
            "component", "stringValue", "booleanValue", "hexBinaryValue", "uriValue",
            "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue", "uom",
            "coordinateReferenceSystem")])])])]
_UNORDERED_SKIP = ("recordTime", "eventID", "type", "errorDeclaration")
_KEEP_ORDER = ("bizTransaction", "source", "destination")

Node = tuple[Any, ...]  # (name, value, children) or, in the three typed lists, (type, target)


# ------------------------------------------------------------------ 1. bare CBV values


@functools.cache
def _vocab_terms() -> dict[str, dict[str, str]]:
    """``@vocab``-typed field → its terms as full URIs, from the EPCIS context."""
    ctx = json.loads(_CONTEXT_FILE.read_text("utf-8"))["@context"]
    prefixes = {k: v for k, v in ctx.items() if isinstance(v, str) and v.startswith("http")}
    out: dict[str, dict[str, str]] = {}

    def walk(scope: Mapping[str, Any], inherited: dict[str, str]) -> None:
        for key, value in scope.items():
            if not isinstance(value, dict):
                continue
            inner = value.get("@context") or {}
            terms = dict(inherited)
            for part in inner if isinstance(inner, list) else [inner]:
                terms.update({t: _curie(v, prefixes) for t, v in part.items()
                              if isinstance(v, str) and not t.startswith("@")})
            if value.get("@type") == "@vocab" or key in ("type", "exception", "component"):
                out.setdefault(key, {}).update(terms)
            for part in inner if isinstance(inner, list) else [inner]:
                walk(part, terms)
    walk(ctx, {})
    return out


def _curie(value: str, prefixes: Mapping[str, str]) -> str:
    head, sep, tail = value.partition(":")
    return prefixes[head] + tail if sep and head in prefixes else value


def _expanded(doc: Any, terms: dict[str, dict[str, str]], out: set[str]) -> None:
    """The web-vocabulary URIs JSON-LD expansion gives for the document's ``@vocab`` fields."""
    if isinstance(doc, list):
        for item in doc:
            _expanded(item, terms, out)
    elif isinstance(doc, dict):
        for key, value in doc.items():
            if key in terms:
                for v in value if isinstance(value, list) else [value]:
                    if isinstance(v, str):
                        full = terms[key].get(v) or _curie(v, {"cbv": "https://ref.gs1.org/cbv/",
                                                               "gs1": "https://gs1.org/voc/"})
                        if full.startswith(_EXPANDED):
                            out.add(full)
            _expanded(value, terms, out)


def _replace_bare(doc: Any, expanded: set[str]) -> Any:
    if isinstance(doc, str):
        hits = [e for e in expanded if e.endswith("-" + doc) or e.endswith("/" + doc)]
        return hits[0] if len(hits) == 1 else doc
    if isinstance(doc, list):
        return [_replace_bare(v, expanded) for v in doc]
    if isinstance(doc, dict):
        return {k: _replace_bare(v, expanded) for k, v in doc.items()}
    return doc


# ------------------------------------------------------------------ 2. the tree


def _namespaces(context: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    if isinstance(context, list):
        for item in context:
            if isinstance(item, Mapping):
                out.update({k: "{" + str(v) + "}" for k, v in item.items()})
    return out


def _ns(text: Any, ns: Mapping[str, str], value: bool = False) -> Any:
    if not isinstance(text, str):
        return text
    head, sep, tail = text.partition(":")
    if sep and head in ns:
        return (ns[head].replace("{", "").replace("}", "") if value else ns[head]) + tail
    return text


def _tree(obj: Any, ns: Mapping[str, str]) -> Node:
    if isinstance(obj, list):
        children: list[Node] = [_tree(c, ns) for c in obj]
        if not any(k in obj for k in _KEEP_ORDER):
            children.sort()
        return ("", "", children)
    if not isinstance(obj, dict):
        return ("", str(_ns(obj, ns, True)), [])
    name = obj["type"] if "type" in obj else ""
    out: list[Node] = []
    for key, val in obj.items():
        if key in ("#text", "rdfs:comment", "comment"):
            continue
        child = _tree(val, ns)
        key = _ns(key, ns)
        if isinstance(val, list):
            out.extend((key, el[1], el[2]) for el in child[2])
        else:
            out.append((key, child[1], child[2]))
    if not any(k in obj for k in _KEEP_ORDER):
        out.sort()
    return (name, obj.get("#text", ""), out)


def _corrected(node: Node) -> Node:
    """The JSON tree in the shape of the XML one (the reference's structure correction)."""
    children = list(node[2]) if len(node) > 2 else []
    lists: dict[str, list[Node]] = {}
    for el in [e for e in children if not isinstance(e[0], tuple) and e[0].endswith("List")]:
        lists.setdefault(el[0], []).append((el[0][:-4], el[1], el[2]))
        children.remove(el)
    for name, elements in lists.items():
        if name in ("sourceList", "destinationList", "bizTransactionList"):
            children.append((name, "", [(e[2][0], e[2][1]) for e in elements]))
        else:
            children.append((name, "", elements))
    epcs: list[Node] = [("epc", e[1], []) for e in children if e[0] == "childEPCs"]
    children = [e for e in children if e[0] != "childEPCs"]
    if epcs:
        children.append(("childEPCs", "", epcs))
    fixed = [e if e[0] in ("sourceList", "destinationList", "bizTransactionList")
             else _corrected(e) for e in children]
    name = node[0]
    if name in ("inputEPC", "outputEPC"):
        name = "epc"
    elif name in ("inputQuantity", "outputQuantity", "childQuantity") or (
            name == "quantity" and fixed):
        name = "quantityElement"
    return (name, node[1], fixed)


# ------------------------------------------------------------------ 3./4. the string


def _timestamp(text: str) -> str:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    moment = moment.astimezone(UTC)
    micro = round(moment.microsecond, -3)
    if micro >= 1_000_000:
        return text
    moment = moment.replace(microsecond=micro)
    return moment.isoformat(timespec="milliseconds")[:-6] + "Z"


def _number(text: str) -> str:
    try:
        value = float(text)
        return str(int(value)) if int(value) == value else str(value)
    except (ValueError, OverflowError):
        return text


def _value(text: str) -> str:
    for urn, web in (("urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-"),
                     ("urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-"),
                     ("urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-"),
                     ("urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-"),
                     ("urn:epcglobal:cbv:er:", "https://ref.gs1.org/cbv/ER-")):
        text = text.replace(urn, web)
    text = _number(text)
    return canonical(text) or text


def canonical_uri(value: str, prefixes: Mapping[str, str] | None = None) -> str:
    """A value as the hash writes it (CBV URNs as web URIs, identifiers as canonical
    Digital Links); anything else unchanged."""
    return _value(value.strip())


def _child(child: Node, order: Any) -> str:
    grand = _ordered(child[2], order) if order else ""
    text = ""
    if child[1]:
        text = child[1].strip()
        low = child[0].lower()
        text = _timestamp(text) if "time" in low and "offset" not in low else _value(text)
        text = "=" + text if text else ""
    return child[0] + text + grand if text or grand else ""


def _extensions(children: list[Node]) -> list[Node]:
    """User extensions inside an element (``{ns/}name``), taken out to follow its fields."""
    if len(children) <= 1 or any(
            "eventTime" in c[0] or "action" in c[0] for c in children):
        return []
    ext = [c for c in children if isinstance(c[0], str) and "{" in c[0] and "/}" in c[0]]
    for c in ext:
        children.remove(c)
    return ext


def _ordered(children: list[Node], order: list[tuple[Any, Any]]) -> str:
    out = ""
    ext = _extensions(children)
    for name, sub in order:
        values = []
        for child in [c for c in children if c[0] == name]:
            text = _child(child, sub)
            if text:
                values.append(text)
            if not child[2]:
                children.remove(child)
        values.sort()
        if "".join(values):
            out += "".join(values)
    return out + _generic(ext) if ext else out


def _generic(children: list[Node]) -> str:
    values = []
    for child in children:
        if len(child) == 2 and isinstance(child[0], tuple):
            values.append(_generic(list(child)))
            continue
        text = child[1].strip()
        text = "=" + _value(text) if text else ""
        values.append(child[0] + text + _generic(child[2]))
    if len(children) > 1 and not any(c[0] in _KEEP_ORDER for c in children):
        values.sort()
    return "".join(values)


def _event_prehash(event: Mapping[str, Any], ns: Mapping[str, str]) -> str:
    node = _corrected(_tree(dict(event), ns))
    children = list(node[2])
    head = "eventType=" + str(node[0]) + _ordered(children, _ORDER)
    rest = [c for c in children if c[0] not in _UNORDERED_SKIP]
    return head + (_generic(rest) if rest else "")


def _split(event: Mapping[str, Any], context: Any) -> tuple[dict[str, Any], Any]:
    ev = dict(event)
    own = ev.pop("@context", None)
    if context is None:
        context = own
    elif own is not None:
        context = [*(context if isinstance(context, list) else [context]),
                   *(own if isinstance(own, list) else [own])]
    return ev, context


def prehashes(document: Mapping[str, Any]) -> list[str]:
    """The pre-hash strings of every event of an EPCIS document, as the reference computes
    them over the whole document."""
    body = document.get("epcisBody") or {}
    events = body.get("eventList") or ([body["event"]] if "event" in body else [])
    found: set[str] = set()
    _expanded(dict(document), _vocab_terms(), found)
    doc = _replace_bare(dict(document), found)
    ns = _namespaces(doc.get("@context"))
    body = doc.get("epcisBody") or {}
    events = body.get("eventList") or ([body["event"]] if "event" in body else [])
    return [_event_prehash(e, ns) for e in events]


def prehash(event: Mapping[str, Any], context: Any = None) -> str:
    """The canonical pre-hash string of one EPCIS event (JSON/JSON-LD form); ``context`` is
    its document's ``@context`` (an event's own ``@context`` is added to it)."""
    ev, ctx = _split(event, context)
    return prehashes({"@context": ctx, "epcisBody": {"eventList": [ev]}})[0]


def event_hash(event: Mapping[str, Any], context: Any = None) -> str:
    """The event's hash ID, ``ni:///sha-256;<hex>?ver=CBV2.0``."""
    digest = hashlib.sha256(prehash(event, context).encode("utf-8")).hexdigest()
    return f"ni:///sha-256;{digest}?ver={HASH_VERSION}"
