"""Instance/lot master data (ILMD) of the harvest event, so that an importer's EPCIS system
reads the lot's origin from the event itself.

CBV 2.0 has no harvesting step: the harvest is an ObjectEvent ``ADD`` with bizStep
``commissioning``, and lot master data ride in its ``ilmd`` (EPCIS 2.0 section 7.3.6). The
attributes are CBV 2.0's master-data vocabulary (namespace ``urn:epcglobal:cbv:mda:``,
prefix ``cbvmda``): ``countryOfOrigin`` (ISO 3166-1 alpha-2), ``harvestStartDate`` /
``harvestEndDate`` (the local date in Vietnam) and ``farmList`` (each farm by its GLN). The
planting-area code (mã số vùng trồng, Decision 3156/QĐ-BNN-TT) has no CBV attribute: it is
the user extension ``nongso:plantingAreaCode``, exactly as issued.

``cbvmda`` is defined by the EPCIS 2.0 JSON-LD context itself (a protected term: a document
must not redefine it); ``nongso`` is declared in the event's own ``@context``, moved to the
document's on export.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from sqlmodel import Session, col, select

from server.models import Zone
from server.models.trace import CodeKind, CodeStatus, Location, LocationKind, Lot, RegistrationCode

__all__ = ["NONGSO_NS", "CBVMDA_NS", "harvest_ilmd"]

NONGSO_NS = "https://nongso.vn/voc/"
CBVMDA_NS = "urn:epcglobal:cbv:mda:"
_VN = timezone(timedelta(hours=7))


def _farm_id(session: Session, lot: Lot) -> int | None:
    zone = session.get(Zone, lot.zone_id) if lot.zone_id is not None else None
    return zone.farm_id if zone else None


def _farm_gln(session: Session, farm_id: int | None) -> str | None:
    if farm_id is None:
        return None
    place = session.exec(select(Location).where(Location.farm_id == farm_id)
                         .where(Location.kind == LocationKind.farm)
                         .where(col(Location.gln).is_not(None))).first()
    return place.gln if place else None


def _planting_area(session: Session, lot: Lot, farm_id: int | None) -> str | None:
    rows = session.exec(select(RegistrationCode)
                        .where(RegistrationCode.organisation_id == lot.organisation_id)
                        .where(RegistrationCode.kind == CodeKind.planting_area)
                        .where(RegistrationCode.status == CodeStatus.active)
                        .order_by(col(RegistrationCode.id))).all()
    for code in rows:  # the zone's own code first, then the farm's
        if lot.zone_id is not None and code.zone_id == lot.zone_id:
            return code.code
    for code in rows:
        if farm_id is not None and code.farm_id == farm_id and code.zone_id is None:
            return code.code
    return None


def harvest_ilmd(session: Session, lot: Lot, when: datetime) -> dict[str, Any]:
    """``{"@context": …, "ilmd": …}`` to add to the lot's harvest event."""
    day = when.astimezone(_VN).date().isoformat()
    ilmd: dict[str, Any] = {"cbvmda:countryOfOrigin": "VN", "cbvmda:harvestStartDate": day,
                            "cbvmda:harvestEndDate": day}
    farm_id = _farm_id(session, lot)
    gln = _farm_gln(session, farm_id)
    if gln:
        ilmd["cbvmda:farmList"] = [{"cbvmda:farm": f"https://id.gs1.org/414/{gln}"}]
    code = _planting_area(session, lot, farm_id)
    if code:
        ilmd["nongso:plantingAreaCode"] = code
    return {"@context": [{"nongso": NONGSO_NS}], "ilmd": ilmd}
