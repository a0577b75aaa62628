"""JSON API: lots, their events, lineage, stamping status, EPCIS export and capture."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, Field, field_validator
from sqlmodel import col, select

from server.deps import CurrentUser, SessionDep, SettingsDep
from server.errors import Forbidden, Invalid, NotFound
from server.models import Role
from server.models.common import utcnow
from server.models.trace import Lot, LotCreate, LotFlag, LotFlagPublic, LotPublic, Product
from server.models.trace_views import (
    CaptureSummary,
    EpcisDocument,
    EventRecorded,
    LotLineage,
    TimelineItem,
    TransformResult,
)
from server.trace import capture as capture_mod
from server.trace import epcis, lineage, lots, markets, stamping
from server.trace.access import RECORDERS, WRITERS, load_lot, load_product, pick_org, visible_orgs
from server.trace.tenancy import own_lot, own_product

__all__ = ["router"]

router = APIRouter()

_DISPOSITIONS = set(epcis.schema()["definitions"]["disposition"]["anyOf"][1]["enum"])


class SensorReading(BaseModel):
    type: Literal["Temperature", "RelativeHumidity", "AbsoluteHumidity"] = "Temperature"
    value: float = Field(ge=-100, le=1000)
    uom: Literal["CEL", "P1", "A93"] = "CEL"


class EventIn(BaseModel):
    kind: Literal["harvest", "inspect", "pack", "store", "ship", "receive"]
    time: datetime | None = None
    quantity: float | None = Field(default=None, gt=0, le=1e9)
    location_id: int | None = None
    cartons: list[Annotated[str, Field(min_length=3, max_length=300)]] | None = Field(
        default=None, max_length=500)
    carton_count: int | None = Field(default=None, ge=1, le=500)
    sensors: list[SensorReading] = Field(default_factory=list, max_length=50)
    disposition: str | None = Field(default=None, max_length=40)
    destination: str | None = Field(default=None, max_length=300)
    #: For a shipment abroad: the market (JP, US, AU, EU, CN, KR) whose requirements the
    #: lot must meet (or an inspector must have overridden), see server.trace.markets.
    market: str | None = Field(default=None, min_length=2, max_length=2)


class LotQty(BaseModel):
    lot_id: int
    quantity: float = Field(gt=0, le=1e9)


class NewLotQty(BaseModel):
    code: str = Field(min_length=1, max_length=20)
    product_id: int
    quantity: float = Field(gt=0, le=1e9)
    unit: str = Field(default="KGM", pattern=r"^[A-Z0-9]{2,3}$")

    _code = field_validator("code")(LotCreate._code.__func__)  # type: ignore[attr-defined]


class TransformIn(BaseModel):
    inputs: list[LotQty] = Field(min_length=1, max_length=100)
    outputs: list[LotQty | NewLotQty] = Field(min_length=1, max_length=100)
    time: datetime | None = None
    location_id: int | None = None


class OverrideIn(BaseModel):
    reason: str = Field(min_length=stamping.MIN_REASON, max_length=1000)


def _public(session: SessionDep, lot: Lot) -> LotPublic:
    product = session.get(Product, lot.product_id)
    return LotPublic.model_validate(lot, update={
        "gtin": product.gtin if product else None,
        "blocked": bool(lot.id and stamping.open_flags(session, lot.id))})


@router.get("/lots", response_model=list[LotPublic])
def list_lots(who: CurrentUser, session: SessionDep, org_id: int | None = None) -> list[LotPublic]:
    orgs = visible_orgs(who, org_id)
    stmt = select(Lot).order_by(col(Lot.id))
    if orgs is not None:
        stmt = stmt.where(col(Lot.organisation_id).in_(orgs))
    return [_public(session, lot) for lot in session.exec(stmt).all()]


@router.post("/lots", response_model=LotPublic, status_code=201)
def create_lot(body: LotCreate, who: CurrentUser, session: SessionDep) -> LotPublic:
    product = load_product(session, who, body.product_id, *WRITERS)  # others': 404
    return _public(session, lots.create_lot(session, product.organisation_id, body))


@router.get("/lots/lookup", response_model=LotPublic)
def lookup_lot(who: CurrentUser, session: SessionDep, gtin: str = Query(max_length=14),
               lot: str = Query(max_length=20)) -> LotPublic:
    found = lots.find_lot(session, gtin, lot)
    if found is None or found.id is None:
        raise NotFound("No lot with this GTIN and lot code.")
    return _public(session, load_lot(session, who, found.id))


@router.get("/lots/blocked", response_model=list[LotPublic])
def blocked_lots(who: CurrentUser, session: SessionDep) -> list[LotPublic]:
    """For inspectors: every lot with an open flag."""
    if not stamping.is_inspector(session, who):
        raise Forbidden("Only inspectors see every blocked lot.")
    ids = {f.lot_id for f in session.exec(select(LotFlag).where(
        col(LotFlag.overridden_at).is_(None))).all()}
    rows = session.exec(select(Lot).where(col(Lot.id).in_(ids)).order_by(col(Lot.id))).all()
    return [_public(session, lot) for lot in rows]


@router.get("/lots/{lot_id}", response_model=LotPublic)
def get_lot(lot_id: int, who: CurrentUser, session: SessionDep) -> LotPublic:
    return _public(session, load_lot(session, who, lot_id))


@router.post("/lots/{lot_id}/events", response_model=EventRecorded, status_code=201)
def add_event(lot_id: int, body: EventIn, who: CurrentUser, session: SessionDep,
              settings: SettingsDep) -> dict[str, Any]:
    lot = load_lot(session, who, lot_id, *RECORDERS)
    if body.disposition is not None and body.disposition not in _DISPOSITIONS:
        raise Invalid(f"Unknown CBV disposition {body.disposition!r}.")
    if body.market is not None:
        if body.kind != "ship":
            raise Invalid("A market is named only for a shipment (kind ship).")
        markets.check_ship(session, lot, body.market.upper(), (body.time or utcnow()).date())
    row = lots.record_event(
        session, settings.public_base_url, lot, body.kind, when=body.time,
        quantity=body.quantity, location_id=body.location_id, cartons=body.cartons,
        carton_count=body.carton_count, sensors=[s.model_dump() for s in body.sensors],
        disposition=body.disposition, destination=body.destination, user_id=who.id)
    return {"event_id": row.event_id, "type": row.event_type, "biz_step": row.biz_step,
            "blocked": bool(stamping.open_flags(session, lot_id))}


@router.post("/lots/transform", response_model=TransformResult, status_code=201)
def transform(body: TransformIn, who: CurrentUser, session: SessionDep,
              settings: SettingsDep) -> dict[str, Any]:
    """Sorting, grading, splitting, merging: input lots → output lots (new ones made here)."""
    first = load_lot(session, who, body.inputs[0].lot_id, *RECORDERS)  # others': 404
    org_id = first.organisation_id
    # Every other lot and product named must be of the first input's organisation (404).
    inputs = [(own_lot(session, i.lot_id, org_id), i.quantity) for i in body.inputs]
    outputs: list[tuple[Lot, float]] = []
    for out in body.outputs:
        if isinstance(out, LotQty):
            outputs.append((own_lot(session, out.lot_id, org_id), out.quantity))
        else:
            own_product(session, out.product_id, org_id)
            outputs.append((Lot.model_validate(LotCreate(
                code=out.code, product_id=out.product_id, quantity=out.quantity, unit=out.unit),
                update={"organisation_id": org_id}), out.quantity))
    for lot, _ in outputs:
        if lot.id is None:
            session.add(lot)
    try:
        session.flush()
    except Exception:
        session.rollback()
        raise Invalid("An output lot code already exists for that product.") from None
    row = lots.transform(session, settings.public_base_url, org_id, inputs, outputs,
                         when=body.time, location_id=body.location_id, user_id=who.id)
    return {"event_id": row.event_id, "outputs": [lot.id for lot, _ in outputs]}


@router.get("/lots/{lot_id}/timeline", response_model=list[TimelineItem])
def lot_timeline(lot_id: int, who: CurrentUser, session: SessionDep) -> list[dict[str, Any]]:
    load_lot(session, who, lot_id)
    return [{"event_id": e.event_id, "type": e.event_type, "biz_step": e.biz_step,
             "label_vi": e.label_vi, "time": epcis.format_time(e.time, e.tz_offset),
             "read_point": e.read_point, "disposition": e.disposition,
             "lot_ids": list(e.lot_ids), "sensors": list(e.sensors)}
            for e in lots.timeline(session, lot_id)]


@router.get("/lots/{lot_id}/lineage", response_model=LotLineage)
def lot_lineage(lot_id: int, who: CurrentUser, session: SessionDep) -> dict[str, Any]:
    load_lot(session, who, lot_id)
    return {"lot_id": lot_id, "parents": lineage.parents(session, lot_id),
            "children": lineage.children(session, lot_id),
            "ancestors": lineage.ancestors(session, lot_id),
            "descendants": lineage.descendants(session, lot_id)}


@router.get("/lots/{lot_id}/epcis", response_model=EpcisDocument,
            response_model_exclude_unset=True)
def lot_epcis(lot_id: int, who: CurrentUser, session: SessionDep,
              settings: SettingsDep) -> dict[str, Any]:
    """The lot's whole history (ancestors and descendants too) as an EPCIS 2.0 document."""
    load_lot(session, who, lot_id)
    events = lots.lot_events(session, lineage.lineage(session, lot_id))
    doc = epcis.document([e.document for e in events],
                         doc_id=f"{settings.public_base_url}/api/v1/lots/{lot_id}/epcis")
    epcis.require_valid(doc)
    return doc


@router.get("/lots/{lot_id}/flags", response_model=list[LotFlagPublic])
def lot_flags(lot_id: int, who: CurrentUser, session: SessionDep) -> list[LotFlag]:
    if not stamping.is_inspector(session, who):
        load_lot(session, who, lot_id)
    return list(session.exec(select(LotFlag).where(LotFlag.lot_id == lot_id)
                             .order_by(col(LotFlag.id))).all())


@router.post("/lots/{lot_id}/override", response_model=list[LotFlagPublic])
def override_lot(lot_id: int, body: OverrideIn, who: CurrentUser,
                 session: SessionDep) -> list[LotFlag]:
    """An inspector lifts the lot's stamp block, with a recorded reason."""
    return stamping.override(session, who, lot_id, body.reason)


@router.post("/epcis/capture", response_model=CaptureSummary, status_code=201)
def epcis_capture(who: CurrentUser, session: SessionDep, doc: Any = Body(...),
                  org_id: int | None = None) -> dict[str, Any]:
    org = pick_org(who, org_id, Role.coop_admin)
    res = capture_mod.capture(session, org, doc, who.id)
    return {"received": res.received, "stored": res.stored, "duplicates": res.duplicates,
            "event_ids": res.event_ids, "linked_lots": sorted(res.linked_lots)}


@router.get("/epcis/events", response_model=EpcisDocument,
            response_model_exclude_unset=True)
def epcis_events(who: CurrentUser, session: SessionDep,
                 org_id: int | None = None) -> dict[str, Any]:
    """All of an organisation's events (recorded and captured) as one EPCIS document."""
    org = pick_org(who, org_id)
    return capture_mod.captured_document(session, org)
