"""``POST /epcis/capture``: EPCIS 2.0 documents from partners, and export of what was captured.

A document is validated against the GS1 schema first; nothing is written unless every
event is acceptable. Events keep their own ``eventID``; one without gets the hash ID.
An event naming one of the organisation's lots (a Digital Link ``/01/<GTIN>/10/<lot>`` or an
LGTIN URN, in any EPC list, quantity list or ``parentID``) is linked to that lot, so it
shows in the lot's history and its EPCIS export.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from qr.gs1 import parse_digital_link
from server.errors import Invalid
from server.models.trace import LotLinkRole, TraceEvent
from server.trace import epcis
from server.trace.event_hash import canonical_uri
from server.trace.lots import find_lot, store_event

__all__ = ["CaptureResult", "capture", "captured_document", "MAX_EVENTS"]

log = logging.getLogger(__name__)

MAX_EVENTS = 5000
_ROLES = {"epcList": LotLinkRole.subject, "quantityList": LotLinkRole.subject,
          "parentID": LotLinkRole.subject, "childEPCs": LotLinkRole.child,
          "childQuantityList": LotLinkRole.child, "inputEPCList": LotLinkRole.input,
          "inputQuantityList": LotLinkRole.input, "outputEPCList": LotLinkRole.output,
          "outputQuantityList": LotLinkRole.output}


@dataclass
class CaptureResult:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    event_ids: list[str] = field(default_factory=list)
    linked_lots: set[int] = field(default_factory=set)


def _lot_of(session: Session, org_id: int, uri: str) -> int | None:
    for candidate in (uri, canonical_uri(uri)):
        try:
            parts = parse_digital_link(candidate)
        except ValueError:
            continue
        if parts.lot:
            lot = find_lot(session, parts.gtin, parts.lot)
            if lot is not None and lot.organisation_id == org_id and lot.id is not None:
                return lot.id
    return None


def _links(session: Session, org_id: int,
           event: dict[str, Any]) -> list[tuple[int, LotLinkRole, float | None]]:
    out: dict[tuple[int, LotLinkRole], float | None] = {}
    for key, role in _ROLES.items():
        value = event.get(key)
        if value is None:
            continue
        items = value if isinstance(value, list) else [value]
        for item in items:
            uri, qty = ((item.get("epcClass"), item.get("quantity")) if isinstance(item, dict)
                        else (item, None))
            if isinstance(uri, str):
                lot_id = _lot_of(session, org_id, uri)
                if lot_id is not None:
                    out[(lot_id, role)] = float(qty) if isinstance(qty, (int, float)) else None
    return [(lot, role, qty) for (lot, role), qty in out.items()]


def capture(session: Session, org_id: int, doc: Any, user_id: int | None) -> CaptureResult:
    """Validate and store an EPCIS 2.0 document's events for ``org_id`` (all or nothing)."""
    epcis.require_valid(doc)
    if doc.get("type") != "EPCISDocument":
        raise Invalid("Capture takes an EPCISDocument (query documents are not captured).")
    events = doc["epcisBody"]["eventList"]
    if not events:
        raise Invalid("The document has no event.")
    if len(events) > MAX_EVENTS:
        raise Invalid(f"At most {MAX_EVENTS} events per capture.")
    context = doc.get("@context")
    _, prefixes = epcis.split_context(context)
    result = CaptureResult(received=len(events))
    for raw in events:
        event = dict(raw)
        if prefixes and "@context" not in event:
            event["@context"] = [prefixes]
        links = _links(session, org_id, event)
        row, created = store_event(session, org_id, event, links, source="capture",
                                   user_id=user_id, context=context)
        result.event_ids.append(row.event_id)
        result.stored += int(created)
        result.duplicates += int(not created)
        result.linked_lots.update(link[0] for link in links)
    session.commit()
    log.info("capture for org %s: %d events, %d new", org_id, result.received, result.stored)
    return result


def captured_document(session: Session, org_id: int, limit: int = MAX_EVENTS) -> dict[str, Any]:
    """Every event of the organisation (recorded or captured) as one EPCIS document."""
    rows = session.exec(select(TraceEvent).where(TraceEvent.organisation_id == org_id)
                        .order_by(col(TraceEvent.event_time), col(TraceEvent.id))
                        .limit(limit)).all()
    return epcis.document([r.document for r in rows])
