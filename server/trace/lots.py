"""Lots and their EPCIS events: harvest, inspect, pack, store, ship, receive, transform.

Each recorded event is stored as the EPCIS 2.0 JSON it is exported as, with its
``eventID`` computed by the event-hash algorithm (:mod:`server.trace.event_hash`), and
linked to the lots it concerns. Times are written with Vietnam's offset, +07:00.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from qr import gs1
from server.errors import Conflict, Invalid, NotFound
from server.models import Zone
from server.models.trace import (
    EventLot,
    Location,
    LocationKind,
    Lot,
    LotCreate,
    LotLink,
    LotLinkRole,
    Product,
    TraceEvent,
)
from server.trace import epcis
from server.trace.diary import aware, check_phi
from server.trace.event_hash import event_hash
from server.trace.lineage import lineage
from server.trace.master_data import harvest_ilmd
from server.trace.sscc import new_cartons
from server.trace.tenancy import own_location, own_product, own_zone

__all__ = ["EVENT_KINDS", "KIND_LABELS_VI", "find_lot", "lot_class", "create_lot", "store_event",
           "record_event", "transform", "timeline", "lot_events", "TimelineEntry",
           "content_hash"]

log = logging.getLogger(__name__)

#: kind → (bizStep, disposition, action). CBV has no harvesting step: commissioning is harvest.
EVENT_KINDS: dict[str, tuple[str, str, str]] = {
    "harvest": ("commissioning", "active", "ADD"),
    "inspect": ("inspecting", "conformant", "OBSERVE"),
    "pack": ("packing", "in_progress", "ADD"),
    "store": ("storing", "sellable_not_accessible", "OBSERVE"),
    "ship": ("shipping", "in_transit", "OBSERVE"),
    "receive": ("receiving", "in_progress", "OBSERVE"),
}
KIND_LABELS_VI = {"harvest": "Thu hoạch", "inspect": "Kiểm tra", "pack": "Đóng thùng",
                  "store": "Lưu kho", "ship": "Xuất hàng", "receive": "Nhận hàng",
                  "transform": "Phân loại / tách / gộp lô"}
_STEP_LABELS_VI = {step: KIND_LABELS_VI[k] for k, (step, _, _) in EVENT_KINDS.items()}


def find_lot(session: Session, gtin: str, lot_code: str) -> Lot | None:
    """The lot with this lot code of the product with this GTIN (any of GTIN-8/12/13/14)."""
    if not gs1.gtin_is_valid(gtin):
        return None
    stmt = (select(Lot).join(Product, col(Product.id) == Lot.product_id)
            .where(Product.gtin == gs1.normalize_gtin(gtin)).where(Lot.code == lot_code))
    return session.exec(stmt).first()


def lot_class(base: str, product: Product, lot: Lot) -> str:
    """The lot as an EPC class: its GS1 Digital Link ``…/01/<GTIN>/10/<lot>``."""
    return gs1.digital_link(base, product.gtin, lot.code)


def create_lot(session: Session, org_id: int, body: LotCreate) -> Lot:
    own_product(session, body.product_id, org_id)  # 404 for another co-op's, like a missing one
    if body.zone_id is not None:
        own_zone(session, body.zone_id, org_id)
    lot = Lot.model_validate(body, update={"organisation_id": org_id})
    session.add(lot)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"Lot {body.code} already exists for this product.") from None
    session.refresh(lot)
    return lot


def content_hash(event: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(event, sort_keys=True, ensure_ascii=False,
                                     separators=(",", ":")).encode()).hexdigest()


def store_event(session: Session, org_id: int, event: dict[str, Any],
                links: Sequence[tuple[int, LotLinkRole, float | None]], *, source: str = "local",
                user_id: int | None = None, context: Any = None) -> tuple[TraceEvent, bool]:
    """Store one EPCIS event (adding its hash ``eventID`` if it has none) and its lot links.

    Returns ``(event, created)``; the same content stored twice is kept once.
    """
    doc = dict(event)
    doc.setdefault("eventID", event_hash(doc, context))
    digest = content_hash(doc)
    existing = session.exec(select(TraceEvent).where(TraceEvent.organisation_id == org_id)
                            .where(TraceEvent.content_hash == digest)).first()
    if existing is not None:
        return existing, False
    when = datetime.fromisoformat(str(doc["eventTime"]).replace("Z", "+00:00"))
    row = TraceEvent(organisation_id=org_id, event_id=doc["eventID"], content_hash=digest,
                     event_type=doc["type"], biz_step=doc.get("bizStep"),
                     event_time=when.astimezone(UTC),
                     tz_offset=str(doc.get("eventTimeZoneOffset", "+00:00"))[:6],
                     source=source, recorded_by=user_id, document=doc)
    session.add(row)
    session.flush()
    assert row.id is not None
    for lot_id, role, qty in links:
        session.add(EventLot(event_id=row.id, lot_id=lot_id, role=role, quantity=qty))
    return row, True


def _read_point(session: Session, base: str, lot: Lot, location_id: int | None) -> str:
    if location_id is not None:
        loc = own_location(session, location_id, lot.organisation_id)
        return epcis.place_uri(loc.gln, f"{base}/trace/locations/{loc.id}")
    if lot.zone_id is not None:
        zone = session.get(Zone, lot.zone_id)
        farm_place = session.exec(select(Location).where(
            Location.farm_id == (zone.farm_id if zone else None)).where(
            Location.kind == LocationKind.farm)).first()
        if farm_place is not None and farm_place.gln:
            return epcis.place_uri(farm_place.gln, "")
        return f"{base}/trace/zones/{lot.zone_id}"
    return f"{base}/trace/organisations/{lot.organisation_id}"


def record_event(session: Session, base: str, lot: Lot, kind: str, *,
                 when: datetime | None = None, quantity: float | None = None,
                 location_id: int | None = None, cartons: list[str] | None = None,
                 carton_count: int | None = None, sensors: list[dict[str, Any]] | None = None,
                 disposition: str | None = None, destination: str | None = None,
                 user_id: int | None = None) -> TraceEvent:
    """Record a harvest / inspect / pack / store / ship / receive event of ``lot``."""
    if kind not in EVENT_KINDS:
        raise Invalid(f"Unknown event kind {kind!r}; one of {', '.join(EVENT_KINDS)}.")
    if lot.id is None:
        raise NotFound("Lot not saved.")
    step, default_disp, action = EVENT_KINDS[kind]
    when = aware(when) if when else datetime.now(UTC)
    product = session.get(Product, lot.product_id)
    assert product is not None
    qty = quantity if quantity is not None else lot.quantity
    if qty <= 0:
        raise Invalid("Quantity must be positive.")
    klass = lot_class(base, product, lot)
    read_point = _read_point(session, base, lot, location_id)
    if kind == "pack":
        n = carton_count or 1
        if not 1 <= n <= 500:
            raise Invalid("A packing records 1 to 500 cartons.")
        # Cartons get SSCCs when the co-op has a GS1 company prefix (their Digital Links
        # /00/<SSCC> are the parentIDs); otherwise a serialised Digital Link of the lot.
        ids = (cartons or new_cartons(session, base, lot, n, qty, when)
               or [gs1.digital_link(base, product.gtin, lot.code, f"T{lot.id}-{i + 1}")
                   for i in range(n)])
        # One AggregationEvent per carton, each with its share of the lot.
        row = None
        for parent in ids:
            ev = epcis.aggregation_event(
                when=when, parent=parent, read_point=read_point,
                children=[epcis.quantity(klass, round(qty / len(ids), 3), lot.unit)],
                disposition=disposition or default_disp)
            row, _ = store_event(session, lot.organisation_id, ev,
                                 [(lot.id, LotLinkRole.child, qty / len(ids))], user_id=user_id)
        session.commit()
        assert row is not None
        return row
    ev = epcis.object_event(
        when=when, action=action, biz_step=step, disposition=disposition or default_disp,
        quantities=[epcis.quantity(klass, qty, lot.unit)], epcs=cartons or [],
        read_point=read_point, sensors=epcis.sensor_elements(sensors or [], when),
        destinations=([{"type": "location", "destination": destination}] if destination
                      else None))
    if kind == "harvest":
        ev.update(harvest_ilmd(session, lot, when))
    row, _ = store_event(session, lot.organisation_id, ev,
                         [(lot.id, LotLinkRole.subject, qty)], user_id=user_id)
    if kind == "harvest":
        lot.harvested_at = when
        session.add(lot)
        session.flush()
        check_phi(session, lot)
    session.commit()
    session.refresh(row)
    return row


def transform(session: Session, base: str, org_id: int,
              inputs: list[tuple[Lot, float]], outputs: list[tuple[Lot, float]], *,
              when: datetime | None = None, location_id: int | None = None,
              user_id: int | None = None) -> TraceEvent:
    """Sorting / grading / splitting / merging: input lots → output lots, one
    TransformationEvent, and a lineage edge from every input to every output."""
    if not inputs or not outputs:
        raise Invalid("A transformation needs at least one input and one output lot.")
    ids = [lot.id for lot, _ in inputs + outputs]
    if len(set(ids)) != len(ids):
        raise Invalid("A lot cannot be both input and output, or appear twice.")
    for lot, qty in inputs + outputs:
        if lot.organisation_id != org_id:
            raise Invalid("Every lot of a transformation must belong to the organisation.")
        if qty <= 0:
            raise Invalid("Quantities must be positive.")
    when = aware(when) if when else datetime.now(UTC)

    def q(lot: Lot, qty: float) -> dict[str, Any]:
        product = session.get(Product, lot.product_id)
        assert product is not None
        return epcis.quantity(lot_class(base, product, lot), qty, lot.unit)

    read_point = _read_point(session, base, outputs[0][0], location_id)
    ev = epcis.transformation_event(when=when, inputs=[q(lot, n) for lot, n in inputs],
                                    outputs=[q(lot, n) for lot, n in outputs],
                                    read_point=read_point)
    links = ([(lot.id or 0, LotLinkRole.input, n) for lot, n in inputs]
             + [(lot.id or 0, LotLinkRole.output, n) for lot, n in outputs])
    row, _ = store_event(session, org_id, ev, links, user_id=user_id)
    assert row.id is not None
    for parent, _ in inputs:
        for child, _ in outputs:
            session.add(LotLink(parent_id=parent.id or 0, child_id=child.id or 0,
                                event_id=row.id))
    session.commit()
    session.refresh(row)
    return row


def lot_events(session: Session, lot_ids: set[int]) -> list[TraceEvent]:
    """Events linked to any of ``lot_ids``, oldest first, each once."""
    if not lot_ids:
        return []
    linked = select(EventLot.event_id).where(col(EventLot.lot_id).in_(lot_ids))
    stmt = (select(TraceEvent).where(col(TraceEvent.id).in_(linked))
            .order_by(col(TraceEvent.event_time), col(TraceEvent.id)))
    return list(session.exec(stmt).all())


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One step of a lot's history, ready for a page or a stamp's consumer view."""

    event_id: str
    event_type: str
    biz_step: str | None
    label_vi: str
    time: datetime
    tz_offset: str
    read_point: str | None
    disposition: str | None
    lot_ids: tuple[int, ...]
    sensors: tuple[dict[str, Any], ...]


def timeline(session: Session, lot_id: int, *, with_lineage: bool = True) -> list[TimelineEntry]:
    """The lot's history (by default with its ancestors' and descendants' events)."""
    ids = lineage(session, lot_id) if with_lineage else {lot_id}
    events = lot_events(session, ids)
    links: dict[int, list[int]] = {}
    if events:
        for link in session.exec(select(EventLot).where(
                col(EventLot.event_id).in_([e.id for e in events]))).all():
            links.setdefault(link.event_id, []).append(link.lot_id)
    out = []
    for e in events:
        doc = e.document
        label = (KIND_LABELS_VI["transform"] if e.event_type == "TransformationEvent"
                 else _STEP_LABELS_VI.get(e.biz_step or "", e.biz_step or e.event_type))
        reports = tuple(r for el in doc.get("sensorElementList", [])
                        for r in el.get("sensorReport", []))
        out.append(TimelineEntry(
            event_id=e.event_id, event_type=e.event_type, biz_step=e.biz_step, label_vi=label,
            time=aware(e.event_time), tz_offset=e.tz_offset,
            read_point=(doc.get("readPoint") or {}).get("id"),
            disposition=doc.get("disposition"), lot_ids=tuple(sorted(links.get(e.id or 0, []))),
            sensors=reports))
    return out
