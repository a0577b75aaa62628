"""Dossiers in flight across 1 July 2025: sent on to the body that exists.

District-level government ended on 01/07/2025 (:data:`ocop.certificates.
DISTRICTS_ABOLISHED_DATE`). A dossier still held by a district council on or after that
day — waiting for scores, returned for documents, or approved but not yet certified — is
moved to the province council of its province, which took over the district's work
(3★ under 148/QĐ-TTg until 1489/QĐ-TTg of 06/07/2025 made it the rule). The criteria set
and the rules date stay those of the first submission; district sheets stay on record
but the province council scores afresh. Each move is an ``ocop_events`` row
(step ``reroute``), written once.
"""

from __future__ import annotations

import logging
from datetime import date

from sqlmodel import Session, col, select

from ocop.certificates import EvaluationLevel, level_exists
from server.models import utcnow
from server.models.ocop import DossierStatus, OcopDossier, OcopEvent

__all__ = ["IN_FLIGHT", "reroute", "reroute_all"]

log = logging.getLogger(__name__)

IN_FLIGHT = (DossierStatus.council, DossierStatus.returned, DossierStatus.approved)
_DISTRICT = EvaluationLevel.DISTRICT


def reroute(session: Session, dossier: OcopDossier, today: date) -> bool:
    """Move ``dossier`` from a district that no longer exists to the province; True if moved."""
    if (dossier.level != _DISTRICT.value or dossier.status not in IN_FLIGHT
            or level_exists(_DISTRICT, today)):
        return False
    assert dossier.id is not None
    dossier.level = EvaluationLevel.PROVINCE.value
    dossier.updated_at = utcnow()
    session.add(dossier)
    session.add(OcopEvent(
        dossier_id=dossier.id, step="reroute", from_status=dossier.status.value,
        to_status=dossier.status.value, level=dossier.level, actor_id=None,
        note=(f"Cấp huyện không còn từ 01/07/2025: hồ sơ chuyển Hội đồng OCOP cấp tỉnh "
              f"(ngày {today:%d/%m/%Y}).")))
    log.info("dossier %s rerouted from district to province", dossier.id)
    return True


def reroute_all(session: Session, today: date) -> int:
    """Reroute every in-flight district dossier (the reminder job runs this daily)."""
    rows = session.exec(select(OcopDossier).where(
        OcopDossier.level == _DISTRICT.value,
        col(OcopDossier.status).in_([s.value for s in IN_FLIGHT]))).all()
    moved = sum(reroute(session, d, today) for d in rows)
    session.commit()
    return moved
