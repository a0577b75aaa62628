"""Geographical-indication rights, and whether a lot may carry the indication.

A GI belongs to the State (Law on Intellectual Property 2005, art. 88(2)); producers in the
registered area may use it for the registered product (art. 79, 121(4)). So a consumer page
names a GI only when all of these are recorded:

* the lot's organisation holds a right (:class:`~server.models.trace.GiRight`) valid on the
  lot's harvest date, checked by an inspector (``verified_at``; a co-op admin's later edit
  clears it);
* the lot's planting area lies in the right's area: its farm's current commune code, or
  the pre-2025 commune code embedded in its planting-area registration code
  (``VN-<province>-<district>-<commune>-…``), is one of the area's communes;
* the product matches: the right's crop, and its variety in the product name ("vải thiều",
  not every lychee).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from server.errors import Forbidden, Invalid, NotFound
from server.models import Farm, Zone
from server.models.common import utcnow
from server.models.trace import CodeKind, GiRight, GiRightCreate, Lot, Product, RegistrationCode

__all__ = ["GiClaim", "create", "update", "verify", "rights_of", "gi_for_lot", "code_communes"]

_COMMUNE_IN_CODE = re.compile(r"(?<!\d)(\d{5})(?!\d)")


@dataclass(frozen=True)
class GiClaim:
    """What the page shows, with the record behind it."""

    right: GiRight
    matched_commune: str

    @property
    def text(self) -> tuple[str, str]:
        """One line (vi, en) naming the indication, the product and the registration."""
        r = self.right
        return (f"Chỉ dẫn địa lý “{r.gi_name}” cho {r.product.lower()} "
                f"(số đăng ký {r.registration_number})",
                f"Geographical indication “{r.gi_name}” for {r.product.lower()} "
                f"(registration no. {r.registration_number})")

    def __getitem__(self, i: int) -> str:
        """``claim[0]`` / ``claim[1]``: :attr:`text` in Vietnamese / English."""
        return self.text[i]


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _check(body: GiRightCreate) -> None:
    if body.valid_until is not None and body.valid_until < body.valid_from:
        raise Invalid("valid_until is before valid_from.")


def create(session: Session, org_id: int, body: GiRightCreate) -> GiRight:
    _check(body)
    right = GiRight.model_validate(body, update={"organisation_id": org_id})
    session.add(right)
    session.commit()
    session.refresh(right)
    return right


def update(session: Session, right: GiRight, body: GiRightCreate) -> GiRight:
    """A co-op admin's edit; the inspector's check no longer holds and is cleared."""
    _check(body)
    right.sqlmodel_update(body.model_dump(exclude={"organisation_id"}))
    right.verified_by = right.verified_at = None
    session.add(right)
    session.commit()
    session.refresh(right)
    return right


def verify(session: Session, right_id: int, user_id: int | None, inspector: bool) -> GiRight:
    if not inspector:
        raise Forbidden("Only an inspector verifies a geographical-indication right.")
    right = session.get(GiRight, right_id)
    if right is None:
        raise NotFound(f"GI right {right_id} does not exist.")
    right.verified_by, right.verified_at = user_id, utcnow()
    session.add(right)
    session.commit()
    session.refresh(right)
    return right


def rights_of(session: Session, org_id: int) -> list[GiRight]:
    return list(session.exec(select(GiRight).where(GiRight.organisation_id == org_id)
                             .order_by(col(GiRight.id))).all())


def code_communes(code: str) -> list[str]:
    """5-digit commune codes embedded in a planting-area code as issued."""
    return _COMMUNE_IN_CODE.findall(code)


def _lot_communes(session: Session, lot: Lot) -> list[str]:
    if lot.zone_id is None:
        return []
    zone = session.get(Zone, lot.zone_id)
    farm = session.get(Farm, zone.farm_id) if zone else None
    found = [farm.commune_code] if farm and farm.commune_code else []
    codes = session.exec(select(RegistrationCode).where(
        RegistrationCode.organisation_id == lot.organisation_id,
        RegistrationCode.kind == CodeKind.planting_area,
        RegistrationCode.zone_id == lot.zone_id)).all()
    for c in codes:
        found.extend(code_communes(c.code))
    return found


def gi_for_lot(session: Session, lot: Lot, product: Product,
               harvest_day: date | None) -> GiClaim | None:
    """The verified right that lets this lot carry a GI, or None (then the page is silent)."""
    if harvest_day is None or product.crop is None:
        return None
    communes = _lot_communes(session, lot)
    name = _fold(product.name)
    for right in rights_of(session, lot.organisation_id):
        if right.verified_at is None or right.crop != product.crop:
            continue
        if _fold(right.variety) not in name:
            continue
        if not (right.valid_from <= harvest_day
                and (right.valid_until is None or harvest_day <= right.valid_until)):
            continue
        hit = next((c for c in communes if c in right.area_communes), None)
        if hit is not None:
            return GiClaim(right, hit)
    return None
