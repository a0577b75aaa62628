"""Certificates on a lot, a farm or an organisation, with an optional document upload.

Uploads: at most :data:`MAX_BYTES`; PDF, JPEG or PNG only, recognised by their first bytes
(the client's file name and content type are not trusted). Files are stored under
``<var_dir>/trace/certificates/`` with a random server-made name; no user input ever
becomes part of a path.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, or_, select

from server.errors import Invalid, NotFound
from server.models.trace import Certificate, CertificateKind, CertificatePublic, CertificateSubject, Lot
from server.trace.tenancy import own_farm, own_lot, own_product, own_zone

__all__ = ["MAX_BYTES", "ALLOWED", "sniff", "storage_dir", "create", "document_path",
           "certificates_for_lot", "public", "valid_on", "KIND_LABELS",
           "covering_harvest", "Covered"]

log = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024
#: content type → (magic prefix, file extension)
ALLOWED = {"application/pdf": (b"%PDF-", ".pdf"), "image/jpeg": (b"\xff\xd8\xff", ".jpg"),
           "image/png": (b"\x89PNG\r\n\x1a\n", ".png")}


def sniff(data: bytes) -> str | None:
    """The content type of an allowed document, from its first bytes; None otherwise."""
    for mime, (magic, _) in ALLOWED.items():
        if data.startswith(magic):
            return mime
    return None


def storage_dir(var_dir: Path) -> Path:
    path = var_dir / "trace" / "certificates"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def create(session: Session, var_dir: Path, *, organisation_id: int, subject: CertificateSubject,
           kind: CertificateKind, number: str, issuer: str, valid_from: date,
           valid_until: date | None, lot_id: int | None = None, farm_id: int | None = None,
           data: bytes | None = None, product_id: int | None = None,
           zone_id: int | None = None, scope: str | None = None) -> Certificate:
    """Check and store a certificate (and its document). Nothing is written on bad input.

    Long because each subject and scope is checked in turn, before anything is written."""
    number, issuer = number.strip(), issuer.strip()
    scope = (scope or "").strip() or None
    if scope is not None and len(scope) > 500:
        raise Invalid("Scope is at most 500 characters.")
    if product_id is not None:
        own_product(session, product_id, organisation_id)
    if zone_id is not None:
        own_zone(session, zone_id, organisation_id)
    if not number or len(number) > 100 or not issuer or len(issuer) > 200:
        raise Invalid("Number (1–100 characters) and issuer (1–200) are required.")
    if valid_until is not None and valid_until < valid_from:
        raise Invalid("valid_until is before valid_from.")
    if subject == CertificateSubject.lot:
        if not lot_id:
            raise Invalid("A lot certificate needs a lot of this organisation.")
        own_lot(session, lot_id, organisation_id)  # another co-op's lot: 404, like a missing one
        farm_id = None
    elif subject == CertificateSubject.farm:
        if not farm_id:
            raise Invalid("A farm certificate needs a farm of this organisation.")
        own_farm(session, farm_id, organisation_id)
        lot_id = None
    else:
        lot_id = farm_id = None
    mime = None
    if data is not None:
        if len(data) == 0:
            data = None
        elif len(data) > MAX_BYTES:
            raise Invalid(f"The document is larger than {MAX_BYTES // (1024 * 1024)} MB.")
        else:
            mime = sniff(data)
            if mime is None:
                raise Invalid("The document must be a PDF, JPEG or PNG file.")
    cert = Certificate(organisation_id=organisation_id, subject=subject, lot_id=lot_id,
                       farm_id=farm_id, kind=kind, number=number, issuer=issuer,
                       valid_from=valid_from, valid_until=valid_until, product_id=product_id,
                       zone_id=zone_id, scope=scope)
    path: Path | None = None
    if data is not None and mime is not None:
        name = secrets.token_hex(16) + ALLOWED[mime][1]
        path = storage_dir(var_dir) / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        cert.document_name, cert.document_type, cert.document_size = name, mime, len(data)
    session.add(cert)
    try:
        session.commit()
    except Exception:
        session.rollback()
        if path is not None:
            path.unlink(missing_ok=True)
        raise
    session.refresh(cert)
    return cert


def document_path(var_dir: Path, cert: Certificate) -> Path:
    if not cert.document_name:
        raise NotFound("This certificate has no document.")
    path = storage_dir(var_dir) / Path(cert.document_name).name
    if not path.is_file():
        raise NotFound("The certificate's document is missing from storage.")
    return path


def certificates_for_lot(session: Session, lot_id: int, *, on: date | None = None,
                         valid_only: bool = False) -> list[Certificate]:
    """Certificates that speak for a lot: its own, its origin farm's and its organisation's,
    each only where its scope (product, planting area) includes the lot."""
    lot = session.get(Lot, lot_id)
    if lot is None:
        return []
    farm_id = None
    if lot.zone_id is not None:
        from server.models import Zone

        zone = session.get(Zone, lot.zone_id)
        farm_id = zone.farm_id if zone else None
    conds: list[Any] = [col(Certificate.lot_id) == lot_id,
                        (col(Certificate.subject) == CertificateSubject.organisation)
                        & (col(Certificate.organisation_id) == lot.organisation_id)]
    if farm_id is not None:
        conds.append(col(Certificate.farm_id) == farm_id)
    rows = [c for c in session.exec(select(Certificate).where(or_(*conds)).order_by(
        col(Certificate.id))).all()
        if c.organisation_id == lot.organisation_id
        and c.product_id in (None, lot.product_id) and c.zone_id in (None, lot.zone_id)]
    if valid_only:
        day = on or date.today()
        rows = [c for c in rows if valid_on(c, day)]
    return rows


def valid_on(cert: Certificate, day: date) -> bool:
    return cert.valid_from <= day and (cert.valid_until is None or day <= cert.valid_until)


#: Vietnamese and English labels of the kinds (pages never show raw enum names).
KIND_LABELS = {
    CertificateKind.vietgap: ("Chứng nhận VietGAP", "VietGAP certificate"),
    CertificateKind.globalgap: ("Chứng nhận GlobalG.A.P.", "GlobalG.A.P. certificate"),
    CertificateKind.organic: ("Chứng nhận hữu cơ", "Organic certificate"),
    CertificateKind.phytosanitary: ("Giấy chứng nhận kiểm dịch thực vật",
                                    "Phytosanitary certificate"),
    CertificateKind.irradiation: ("Chứng nhận xử lý chiếu xạ", "Irradiation treatment"),
    CertificateKind.fumigation: ("Chứng nhận xử lý xông hơi", "Fumigation treatment"),
    CertificateKind.vapour_heat: ("Chứng nhận xử lý hơi nước nóng", "Vapour heat treatment"),
    CertificateKind.other: ("Chứng nhận khác", "Other certificate"),
}


@dataclass(frozen=True)
class Covered:
    """A certificate that covered a lot on its harvest date, with its labels (vi, en) and
    the day it lapsed since (None while valid). Other attributes are the certificate's."""

    cert: Certificate
    label: tuple[str, str]
    lapsed_on: date | None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.cert, name)


def covering_harvest(session: Session, lot: Lot, harvest_day: date | None,
                     today: date) -> list[Covered]:
    """The certificates that covered ``lot`` on its harvest date (none without a harvest
    date), each with its labels and whether it has lapsed since (``lapsed_on``)."""
    if harvest_day is None or lot.id is None:
        return []
    out = []
    for c in certificates_for_lot(session, lot.id):
        if not valid_on(c, harvest_day) and not (c.lot_id == lot.id and c.valid_from > harvest_day):
            continue  # a lot's own post-harvest certificate (phytosanitary, treatment) counts
        lapsed = c.valid_until if c.valid_until is not None and c.valid_until < today else None
        out.append(Covered(c, KIND_LABELS[c.kind], lapsed))
    return out


def public(cert: Certificate) -> CertificatePublic:
    return CertificatePublic.model_validate(cert, update={"has_document": bool(cert.document_name)})
