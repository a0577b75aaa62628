"""JSON API of the records behind consumer-page claims and export readiness (issue 17):
geographical-indication rights, market registrations of codes, readiness per market and
inspectors' export overrides."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlmodel import col, select

from server import admin_units
from server.deps import CurrentUser, SessionDep
from server.errors import Conflict, Forbidden, Invalid, NotFound
from server.models.trace import (
    CodeMarket,
    CodeMarketCreate,
    CodeMarketPublic,
    ExportOverride,
    ExportOverridePublic,
    GiRight,
    GiRightCreate,
    GiRightPublic,
    Lot,
    RegistrationCode,
)
from server.trace import gi, markets, stamping
from server.trace.access import WRITERS, load_lot, pick_org, visible_orgs

__all__ = ["router"]

router = APIRouter()


class RevokeIn(BaseModel):
    reason: str = Field(min_length=5, max_length=500)
    revoked_on: date | None = None


class ExportOverrideIn(BaseModel):
    market: str = Field(min_length=2, max_length=2)
    reason: str = Field(min_length=markets.MIN_REASON, max_length=1000)


class MissingItem(BaseModel):
    key: str
    vi: str
    en: str


class MarketReadiness(BaseModel):
    market: str
    name_vi: str
    name_en: str
    ready: bool
    missing: list[MissingItem]
    overridden: bool
    sources: list[str]


# ------------------------------------------------------------- administrative units


class CommuneOut(BaseModel):
    code: str
    name: str
    province_code: str
    label: str


@router.get("/admin-units/provinces", response_model=list[admin_units.ProvinceUnit])
def admin_provinces(who: CurrentUser) -> list[admin_units.ProvinceUnit]:
    """The 34 provinces since 1 July 2025 (for forms)."""
    return admin_units.provinces()


@router.get("/admin-units/communes", response_model=list[CommuneOut])
def admin_communes(who: CurrentUser, q: str = Query(default="", max_length=60),
                   province: str | None = Query(default=None, pattern=r"^\d{2}$"),
                   limit: int = Query(default=20, ge=1, le=200)) -> list[dict[str, str]]:
    """A searchable list of current communes (diacritics optional), for form pickers."""
    if province is not None and not admin_units.is_current_province(province):
        raise Invalid(f"Province {province} is not one of the 34 provinces since 1 July 2025.")
    return [{"code": c.code, "name": c.name, "province_code": c.province_code,
             "label": c.label} for c in admin_units.search_communes(q, province, limit)]


# ------------------------------------------------------------------ GI rights


@router.get("/gi-rights", response_model=list[GiRightPublic])
def list_gi_rights(who: CurrentUser, session: SessionDep,
                   org_id: int | None = None) -> list[GiRight]:
    """An organisation's rights; inspectors see every organisation's (to verify them)."""
    stmt = select(GiRight).order_by(col(GiRight.id))
    if stamping.is_inspector(session, who):
        orgs = None if org_id is None else [org_id]
    else:
        orgs = visible_orgs(who, org_id)
    if orgs is not None:
        stmt = stmt.where(col(GiRight.organisation_id).in_(orgs))
    return list(session.exec(stmt).all())


@router.post("/gi-rights", response_model=GiRightPublic, status_code=201)
def create_gi_right(body: GiRightCreate, who: CurrentUser, session: SessionDep) -> GiRight:
    org = pick_org(who, body.organisation_id, *WRITERS)
    return gi.create(session, org, body)


@router.put("/gi-rights/{right_id}", response_model=GiRightPublic)
def update_gi_right(right_id: int, body: GiRightCreate, who: CurrentUser,
                    session: SessionDep) -> GiRight:
    right = session.get(GiRight, right_id)
    if right is None or not (who.is_admin or right.organisation_id in who.org_ids()):
        raise NotFound(f"GI right {right_id} does not exist.")
    who.require(right.organisation_id, *WRITERS)
    return gi.update(session, right, body)


@router.post("/gi-rights/{right_id}/verify", response_model=GiRightPublic)
def verify_gi_right(right_id: int, who: CurrentUser, session: SessionDep) -> GiRight:
    """An inspector confirms the right against the national GI register."""
    return gi.verify(session, right_id, who.id, stamping.is_inspector(session, who))


# ------------------------------------------------------- codes per market


def _code(session: SessionDep, who: CurrentUser, code_id: int) -> RegistrationCode:
    code = session.get(RegistrationCode, code_id)
    if code is None or not (who.is_admin or code.organisation_id in who.org_ids()
                            or stamping.is_inspector(session, who)):
        raise NotFound(f"Registration code {code_id} does not exist.")
    return code


@router.get("/registration-codes/{code_id}/markets", response_model=list[CodeMarketPublic])
def code_markets(code_id: int, who: CurrentUser, session: SessionDep) -> list[CodeMarket]:
    _code(session, who, code_id)
    return list(session.exec(select(CodeMarket).where(CodeMarket.code_id == code_id)
                             .order_by(col(CodeMarket.id))).all())


@router.post("/registration-codes/{code_id}/markets", response_model=CodeMarketPublic,
             status_code=201)
def add_code_market(code_id: int, body: CodeMarketCreate, who: CurrentUser,
                    session: SessionDep) -> CodeMarket:
    code = _code(session, who, code_id)
    who.require(code.organisation_id, *WRITERS)
    if body.valid_until is not None and body.valid_until < body.issued_on:
        raise Invalid("valid_until is before issued_on.")
    if session.exec(select(CodeMarket).where(CodeMarket.code_id == code_id,
                                             CodeMarket.market == body.market)).first():
        raise Conflict(f"Code {code.code} is already registered for {body.market}.")
    row = CodeMarket.model_validate(body, update={"code_id": code_id})
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


@router.post("/registration-codes/{code_id}/markets/{market}/revoke",
             response_model=CodeMarketPublic)
def revoke_code_market(code_id: int, market: str, body: RevokeIn, who: CurrentUser,
                       session: SessionDep) -> CodeMarket:
    """Record that the market withdrew the code (its co-op admin or an inspector)."""
    code = _code(session, who, code_id)
    if not (stamping.is_inspector(session, who)
            or who.role_in(code.organisation_id) in WRITERS):
        raise Forbidden("Only the co-op admin or an inspector records a revocation.")
    row = session.exec(select(CodeMarket).where(CodeMarket.code_id == code_id,
                                                CodeMarket.market == market.upper())).first()
    if row is None:
        raise NotFound(f"Code {code.code} is not registered for {market.upper()}.")
    row.revoked_on, row.revoked_reason = body.revoked_on or date.today(), body.reason.strip()
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


# ------------------------------------------------------- readiness and overrides


def _readiness_public(r: markets.Readiness) -> dict[str, Any]:
    return {"market": r.market, "name_vi": r.name[0], "name_en": r.name[1], "ready": r.ready,
            "missing": r.missing, "overridden": r.overridden is not None, "sources": r.sources}


@router.get("/lots/{lot_id}/export-readiness", response_model=list[MarketReadiness])
def export_readiness(lot_id: int, who: CurrentUser, session: SessionDep,
                     on: date | None = None) -> list[dict[str, Any]]:
    lot = load_lot(session, who, lot_id)
    return [_readiness_public(r) for r in markets.readiness_all(session, lot, on or date.today())]


@router.post("/lots/{lot_id}/export-override", response_model=ExportOverridePublic,
             status_code=201)
def export_override(lot_id: int, body: ExportOverrideIn, who: CurrentUser,
                    session: SessionDep) -> ExportOverride:
    inspector = stamping.is_inspector(session, who)
    lot = session.get(Lot, lot_id) if inspector else load_lot(session, who, lot_id)
    if lot is None:
        raise NotFound(f"Lot {lot_id} does not exist.")
    return markets.override(session, lot, body.market.upper(), body.reason, who.id, inspector)
