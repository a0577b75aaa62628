"""OCOP certificates: issue, validity, revocation, expiry reminders.

- Expiry is :func:`ocop.scoring.certificate_expiry` (36 months after issue).
- Validity is :func:`ocop.scoring.is_valid` (issue day through expiry day, not revoked).
- Renewal is a re-evaluation: a new dossier for the same product; its certificate, issued
  later, is the one that counts (:func:`valid_certificate` takes the latest valid one).
- Reminders 90 and 30 days before expiry (:func:`ocop.scoring.reminder_dates`) are written
  into ``ocop_notifications`` by :func:`due_reminders`, once each.
"""

from __future__ import annotations

import logging
import re
from datetime import date

from sqlmodel import Session, col, select

from ocop.scoring import certificate_expiry, is_valid
from server.deps import Principal
from server.errors import Conflict, Invalid
from server.models import Organisation, utcnow
from server.models.ocop import (
    DossierStatus,
    OcopCertificate,
    OcopDossier,
    OcopNotification,
    OcopProduct,
)
from server.ocop_workflow import reminders
from server.ocop_workflow.access import load_via_product, require_evaluator
from server.ocop_workflow.council import require_closer
from server.ocop_workflow.workflow import expect, record_step

__all__ = ["NUMBER_PATTERN", "certify", "revoke", "certificate_is_valid", "valid_certificate",
           "due_reminders", "notify", "load_certificate"]

log = logging.getLogger(__name__)
NUMBER_PATTERN = re.compile(r"^[0-9A-Za-z][0-9A-Za-z./_-]{2,59}$")


def certificate_is_valid(cert: OcopCertificate, on: date) -> bool:
    return is_valid(cert.issued_on, cert.expires_on, cert.revoked_on, on)


def notify(session: Session, key: str, organisation_id: int, kind: str, message: str,
           due_on: date, certificate_id: int | None = None) -> OcopNotification | None:
    """Add an in-app notification unless one with ``key`` exists (returns None then)."""
    if session.exec(select(OcopNotification).where(OcopNotification.key == key)).first():
        return None
    note = OcopNotification(key=key, organisation_id=organisation_id, kind=kind,
                            message=message[:500], due_on=due_on,
                            certificate_id=certificate_id)
    session.add(note)
    return note


def certify(session: Session, who: Principal, dossier: OcopDossier, product: OcopProduct,
            org: Organisation, today: date | None = None, number: str | None = None,
            issued_on: date | None = None) -> OcopCertificate:
    """Issue the certificate of an approved dossier at its level (number generated if blank)."""
    expect(dossier, "certify")
    assert dossier.level is not None
    require_closer(session, who, org, dossier.level)
    issued = issued_on or today or date.today()
    assert dossier.result_stars is not None and dossier.result_total is not None
    assert dossier.level is not None and dossier.id is not None and product.id is not None
    if dossier.rules_date and issued < dossier.rules_date:
        raise Invalid("Ngày cấp không được trước ngày nộp hồ sơ.")
    if number is None or not number.strip():
        number = f"OCOP-{org.province_code}-{issued.year}-{dossier.id:05d}"
    number = number.strip()
    if not NUMBER_PATTERN.fullmatch(number):
        raise Invalid("Số giấy chứng nhận chỉ gồm chữ, số và . / _ - (3–60 ký tự).")
    if session.exec(select(OcopCertificate).where(OcopCertificate.number == number)).first():
        raise Conflict(f"Số giấy chứng nhận {number} đã được dùng.")
    cert = OcopCertificate(number=number, product_id=product.id, dossier_id=dossier.id,
                           stars=dossier.result_stars, total=round(dossier.result_total, 2),
                           level=dossier.level, criteria_set=dossier.criteria_set,
                           issued_on=issued, expires_on=certificate_expiry(issued))
    session.add(cert)
    record_step(session, dossier, "certify", who, DossierStatus.certified,
            note=f"Giấy chứng nhận {number}: {cert.stars}★, hiệu lực đến "
                 f"{cert.expires_on:%d/%m/%Y}")
    session.flush()
    assert org.id is not None
    notify(session, f"cert:{cert.id}:issued", org.id, "certificate_issued",
           f"{product.name}: được cấp giấy chứng nhận OCOP {cert.stars} sao số {number}, "
           f"hiệu lực đến {cert.expires_on:%d/%m/%Y}.", issued, cert.id)
    return cert


def load_certificate(session: Session, who: Principal,
                     cert_id: int) -> tuple[OcopCertificate, OcopProduct, Organisation]:
    return load_via_product(session, who, OcopCertificate, cert_id,
                            f"Giấy chứng nhận {cert_id} không tồn tại.")


def revoke(session: Session, who: Principal, cert: OcopCertificate, org: Organisation,
           reason: str, today: date | None = None) -> OcopCertificate:
    """Revoke from ``today`` (an evaluator of the province or an admin); a reason is required."""
    require_evaluator(session, who, org, None)
    if not reason or not reason.strip():
        raise Invalid("Cần ghi lý do thu hồi giấy chứng nhận.")
    if cert.revoked_on is not None:
        raise Conflict(f"Giấy chứng nhận {cert.number} đã bị thu hồi ngày "
                       f"{cert.revoked_on:%d/%m/%Y}.")
    day = today or date.today()
    cert.revoked_on = max(day, cert.issued_on)
    cert.revoked_reason = reason.strip()[:500]
    cert.revoked_by = who.id
    session.add(cert)
    assert org.id is not None and cert.id is not None
    notify(session, f"cert:{cert.id}:revoked", org.id, "certificate_revoked",
           f"Giấy chứng nhận OCOP số {cert.number} bị thu hồi: {cert.revoked_reason}",
           day, cert.id)
    log.info("certificate %s revoked by %s", cert.number, who.id)
    return cert


def valid_certificate(session: Session, product_id: int, on: date) -> OcopCertificate | None:
    """The product's latest certificate valid on ``on`` (issued latest wins), or None."""
    rows = session.exec(select(OcopCertificate).where(
        OcopCertificate.product_id == product_id, col(OcopCertificate.issued_on) <= on,
        col(OcopCertificate.expires_on) >= on)
        .order_by(col(OcopCertificate.issued_on).desc(), col(OcopCertificate.id).desc())).all()
    for cert in rows:
        if certificate_is_valid(cert, on):
            return cert
    return None


def due_reminders(session: Session, today: date) -> list[OcopNotification]:
    """Write and send the expiry reminders due on ``today``; return the new ones. Idempotent.

    A reminder is due from its day (90 or 30 days before expiry) until the next one is due
    (the 30-day one until the expiry day), so a missed run catches up with the latest
    reminder only. Revoked, expired and superseded certificates get none. The running
    server does this by itself (:mod:`server.ocop_workflow.reminders`). Commits.
    """
    ids = [reminders.send(session, r, utcnow()) for r in reminders.expiry(session, today)]
    session.commit()
    created = [n for i in ids if i is not None
               for n in [session.get(OcopNotification, i)] if n is not None]
    if created:
        log.info("wrote %d OCOP expiry reminders for %s", len(created), today)
    return created
