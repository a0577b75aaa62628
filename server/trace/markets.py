"""Export readiness of a lot per market, from versioned rules (``data/markets.json``).

A rule says, for one market and crop, whether the market is open, which registered codes it
needs (the lot's planting area and a packing house of the organisation, each registered for
that market and active on the day: :class:`~server.models.trace.CodeMarket`), which
treatment (a treatment certificate of the lot: irradiation with its minimum dose, vapour
heat, fumigation) and whether a phytosanitary certificate of the lot is needed.

Shipping a lot to a market (:func:`check_ship`) refuses it with the list of what is missing
(409) unless an inspector recorded an override for that lot and market, with a reason
(:func:`override`), as with the pre-harvest flag.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from server.errors import Conflict, Forbidden, Invalid
from server.models.trace import (
    Certificate,
    CertificateKind,
    CodeKind,
    CodeMarket,
    CodeStatus,
    ExportOverride,
    Lot,
    Product,
    RegistrationCode,
)

__all__ = ["rules", "market_codes", "Readiness", "readiness", "readiness_all", "check_ship",
           "override", "MIN_REASON", "DATA"]

DATA = Path(__file__).parent / "data" / "markets.json"
MIN_REASON = 10
_GY = re.compile(r"(\d+(?:[.,]\d+)?)\s*Gy", re.IGNORECASE)


@cache
def rules() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    return data


def market_codes() -> list[str]:
    return list(rules()["markets"])


@dataclass
class Readiness:
    market: str
    name: tuple[str, str]
    missing: list[dict[str, str]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    overridden: ExportOverride | None = None

    @property
    def ready(self) -> bool:
        return not self.missing


def _item(key: str, detail_vi: str = "") -> dict[str, str]:
    vi, en = rules()["requirement_labels"][key]
    return {"key": key, "vi": vi + (f" — {detail_vi}" if detail_vi else ""), "en": en}


def _registered(session: Session, codes: list[RegistrationCode], market: str, day: date) -> bool:
    ids = [c.id for c in codes if c.status == CodeStatus.active]
    if not ids:
        return False
    regs = session.exec(select(CodeMarket).where(col(CodeMarket.code_id).in_(ids))
                        .where(CodeMarket.market == market)).all()
    return any(r.active_on(day) for r in regs)


def _lot_certs(session: Session, lot: Lot, kind: CertificateKind, day: date) -> list[Certificate]:
    rows = session.exec(select(Certificate).where(Certificate.lot_id == lot.id)
                        .where(Certificate.kind == kind)).all()
    return [c for c in rows if c.valid_from <= day and (c.valid_until is None
                                                        or day <= c.valid_until)]


def _dose_ok(cert: Certificate, minimum: float) -> bool:
    found = _GY.search(cert.scope or "")
    return found is not None and float(found.group(1).replace(",", ".")) >= minimum


def _codes(session: Session, lot: Lot, kind: CodeKind) -> list[RegistrationCode]:
    stmt = select(RegistrationCode).where(RegistrationCode.organisation_id == lot.organisation_id,
                                          RegistrationCode.kind == kind)
    if kind == CodeKind.planting_area:
        stmt = stmt.where(RegistrationCode.zone_id == lot.zone_id)
    return list(session.exec(stmt).all()) if (kind != CodeKind.planting_area
                                              or lot.zone_id is not None) else []


def readiness(session: Session, lot: Lot, market: str, day: date) -> Readiness:
    """What ``lot`` lacks for ``market`` on ``day`` (an empty list: ready)."""
    spec = rules()["markets"].get(market)
    if spec is None:
        raise Invalid(f"Unknown market {market!r}; known: {', '.join(market_codes())}.")
    product = session.get(Product, lot.product_id)
    crop = product.crop if product else None
    rule = spec["products"].get(crop or "", {"access": "unknown", "sources": []})
    out = Readiness(market, tuple(spec["name"]), sources=list(rule.get("sources", [])))
    if rule.get("access") != "open":
        out.missing.append(_item("access", "chưa có quy định được ghi nhận"))
    else:
        if rule.get("planting_area_code") and not _registered(
                session, _codes(session, lot, CodeKind.planting_area), market, day):
            out.missing.append(_item("planting_area_code"))
        if rule.get("packing_house_code") and not _registered(
                session, _codes(session, lot, CodeKind.packing_house), market, day):
            out.missing.append(_item("packing_house_code"))
        treat = rule.get("treatment")
        if treat:
            certs = _lot_certs(session, lot, CertificateKind(treat["kind"]), day)
            if "min_dose_gy" in treat:
                certs = [c for c in certs if _dose_ok(c, float(treat["min_dose_gy"]))]
            if not certs:
                out.missing.append(_item(treat["kind"], treat.get("detail", "")))
        if rule.get("phytosanitary") and not _lot_certs(
                session, lot, CertificateKind.phytosanitary, day):
            out.missing.append(_item("phytosanitary"))
    out.overridden = session.exec(select(ExportOverride).where(
        ExportOverride.lot_id == lot.id, ExportOverride.market == market)
        .order_by(col(ExportOverride.id).desc())).first()
    return out


def readiness_all(session: Session, lot: Lot, day: date) -> list[Readiness]:
    return [readiness(session, lot, m, day) for m in market_codes()]


def check_ship(session: Session, lot: Lot, market: str, day: date) -> Readiness:
    """Refuse (409, the missing items listed) unless ready or overridden by an inspector."""
    r = readiness(session, lot, market, day)
    if r.missing and r.overridden is None:
        items = "; ".join(m["vi"] for m in r.missing)
        raise Conflict(f"Lô {lot.code} chưa đủ điều kiện xuất sang {r.name[0]}: thiếu {items}.")
    return r


def override(session: Session, lot: Lot, market: str, reason: str, user_id: int | None,
             inspector: bool) -> ExportOverride:
    if not inspector:
        raise Forbidden("Only an inspector overrides a market's export requirements.")
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise Invalid(f"Give a reason of at least {MIN_REASON} characters.")
    r = readiness(session, lot, market, date.today())
    assert lot.id is not None
    row = ExportOverride(lot_id=lot.id, market=market, reason=reason, overridden_by=user_id,
                         missing=[m["key"] for m in r.missing])
    session.add(row)
    session.commit()
    session.refresh(row)
    return row
