"""EPCIS 2.0 JSON-LD: building our events and documents, validating partner documents.

The GS1 EPCIS 2.0 JSON schema and JSON-LD context are copied into ``schema/`` (the repo is
self-contained). The schema marks ``date-time`` and ``uri`` as formats; ``jsonschema`` does
not check those without extra packages, so :data:`FORMATS` checks them itself.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import jsonschema

from server.errors import Invalid

__all__ = [
    "EPCIS_CONTEXT_URL", "VN_OFFSET", "VN_TZ", "schema", "validate_document", "document",
    "format_time", "object_event", "aggregation_event", "transformation_event",
    "quantity", "sensor_elements", "place_uri", "split_context",
]

EPCIS_CONTEXT_URL = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
VN_OFFSET = "+07:00"
VN_TZ = timezone(timedelta(hours=7))
SCHEMA_DIR = Path(__file__).parent / "schema"
MAX_ERRORS = 10

FORMATS = jsonschema.FormatChecker(formats=())
_DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s]+$")


@FORMATS.checks("date-time")  # type: ignore[untyped-decorator]  # jsonschema ships no stubs
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


@FORMATS.checks("uri")  # type: ignore[untyped-decorator]
def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or bool(_URI.fullmatch(value))


@functools.cache
def schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SCHEMA_DIR / "EPCIS-JSON-Schema.json").read_text("utf-8"))
    return data


@functools.cache
def _validator() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(schema(), format_checker=FORMATS)


def validate_document(doc: Any) -> list[str]:
    """Schema errors of an EPCIS document (empty list: valid)."""
    if not isinstance(doc, dict):
        return ["the document must be a JSON object"]
    errors = sorted(_validator().iter_errors(doc), key=lambda e: list(e.absolute_path))
    out = []
    for err in errors[:MAX_ERRORS]:
        where = "/".join(str(p) for p in err.absolute_path) or "(document)"
        out.append(f"{where}: {err.message[:300]}")
    return out


def require_valid(doc: Any) -> None:
    errors = validate_document(doc)
    if errors:
        raise Invalid("Not a valid EPCIS 2.0 document: " + "; ".join(errors))


def format_time(moment: datetime, offset: str = VN_OFFSET) -> str:
    """``2025-06-05T06:30:00.000+07:00``: millisecond precision, in the event's own offset."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    sign = 1 if offset[0] == "+" else -1
    tz = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
    local = moment.astimezone(tz)
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}" + offset


def place_uri(gln: str | None, fallback: str) -> str:
    """A read point / business location: the GLN's Digital Link, else our own URI."""
    return f"https://id.gs1.org/414/{gln}" if gln else fallback


def quantity(epc_class: str, amount: float, uom: str) -> dict[str, Any]:
    value: float | int = int(amount) if float(amount).is_integer() else amount
    return {"epcClass": epc_class, "quantity": value, "uom": uom}


def sensor_elements(readings: Iterable[Mapping[str, Any]], when: datetime,
                    offset: str = VN_OFFSET) -> list[dict[str, Any]]:
    """Readings ``{"type": "Temperature", "value": 4.5, "uom": "CEL"}`` as a sensorElementList."""
    reports = []
    for r in readings:
        report: dict[str, Any] = {"type": r["type"], "value": r["value"]}
        if r.get("uom"):
            report["uom"] = r["uom"]
        reports.append(report)
    if not reports:
        return []
    return [{"sensorMetadata": {"time": format_time(when, offset)}, "sensorReport": reports}]


def _base(event_type: str, when: datetime, offset: str) -> dict[str, Any]:
    return {"type": event_type, "eventTime": format_time(when, offset),
            "eventTimeZoneOffset": offset}


def _where_why(ev: dict[str, Any], biz_step: str, disposition: str | None,
               read_point: str | None, biz_location: str | None) -> dict[str, Any]:
    ev["bizStep"] = biz_step
    if disposition:
        ev["disposition"] = disposition
    if read_point:
        ev["readPoint"] = {"id": read_point}
    if biz_location:
        ev["bizLocation"] = {"id": biz_location}
    return ev


def object_event(*, when: datetime, action: str, biz_step: str, disposition: str | None,
                 quantities: list[dict[str, Any]], epcs: list[str] | None = None,
                 read_point: str | None = None, biz_location: str | None = None,
                 sensors: list[dict[str, Any]] | None = None,
                 destinations: list[dict[str, str]] | None = None,
                 offset: str = VN_OFFSET) -> dict[str, Any]:
    ev = _base("ObjectEvent", when, offset)
    ev["epcList"] = list(epcs or [])
    if quantities:
        ev["quantityList"] = quantities
    ev["action"] = action
    _where_why(ev, biz_step, disposition, read_point, biz_location)
    if destinations:
        ev["destinationList"] = destinations
    if sensors:
        ev["sensorElementList"] = sensors
    return ev


def aggregation_event(*, when: datetime, parent: str, children: list[dict[str, Any]],
                      biz_step: str = "packing", disposition: str | None = "in_progress",
                      read_point: str | None = None, biz_location: str | None = None,
                      offset: str = VN_OFFSET) -> dict[str, Any]:
    ev = _base("AggregationEvent", when, offset)
    ev["parentID"] = parent
    ev["childEPCs"] = []
    ev["childQuantityList"] = children
    ev["action"] = "ADD"
    return _where_why(ev, biz_step, disposition, read_point, biz_location)


def transformation_event(*, when: datetime, inputs: list[dict[str, Any]],
                         outputs: list[dict[str, Any]], biz_step: str = "commissioning",
                         disposition: str | None = "active", read_point: str | None = None,
                         offset: str = VN_OFFSET) -> dict[str, Any]:
    ev = _base("TransformationEvent", when, offset)
    ev["inputQuantityList"] = inputs
    ev["outputQuantityList"] = outputs
    return _where_why(ev, biz_step, disposition, read_point, None)


def split_context(context: Any) -> tuple[list[Any], dict[str, str]]:
    """A document's ``@context`` as (URLs, extra prefix definitions)."""
    items = context if isinstance(context, list) else [context]
    urls = [c for c in items if isinstance(c, str)]
    extra: dict[str, str] = {}
    for c in items:
        if isinstance(c, dict):
            extra.update({k: v for k, v in c.items() if isinstance(v, str)})
    return urls, extra


def document(events: list[dict[str, Any]], *, doc_id: str | None = None,
             created: datetime | None = None) -> dict[str, Any]:
    """An EPCISDocument around ``events``; per-event ``@context`` prefixes move to the top."""
    prefixes: dict[str, str] = {}
    body = []
    for ev in events:
        ev = dict(ev)
        ctx = ev.pop("@context", None)
        if ctx is not None:
            prefixes.update(split_context(ctx)[1])
        body.append(ev)
    context: list[Any] = [EPCIS_CONTEXT_URL]
    if prefixes:
        context.append(prefixes)
    doc: dict[str, Any] = {"@context": context, "type": "EPCISDocument", "schemaVersion": "2.0",
                           "creationDate": format_time(created or datetime.now(UTC),
                                                       "+00:00").replace("+00:00", "Z"),
                           "epcisBody": {"eventList": body}}
    if doc_id:
        doc["id"] = doc_id
    return doc
