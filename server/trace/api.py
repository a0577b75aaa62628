"""JSON API routes of the traceability package (mounted under /api/v1).

Products, locations, registration codes, farm diary and certificates here; lots, events,
lineage, stamping status and EPCIS in :mod:`server.trace.api_lots`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import FileResponse
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from server.deps import CurrentUser, SessionDep, SettingsDep
from server.errors import Conflict, GtinNotOwned, NotFound
from server.models.gs1 import gtin_refusal
from server.models.trace import (
    Certificate,
    CertificateKind,
    CertificatePublic,
    CertificateSubject,
    DiaryEntryCreate,
    DiaryEntryPublic,
    DiaryKind,
    Location,
    LocationCreate,
    LocationPublic,
    Product,
    ProductCreate,
    ProductPublic,
    RegistrationCode,
    RegistrationCodeCreate,
    RegistrationCodePublic,
)
from server.models.trace_views import IrrigationSummary, LotDiary
from server.trace import api_claims, api_lots, api_prefixes, certificates, diary, photos
from server.trace.access import RECORDERS, WRITERS, load_lot, load_product, load_zone_for, visible_orgs
from server.trace.tenancy import check_refs

__all__ = ["router"]

router = APIRouter(tags=["traceability"])
router.include_router(api_lots.router)
router.include_router(api_prefixes.router)
router.include_router(api_claims.router)


def _save(session: SessionDep, row: Any, what: str) -> Any:
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"This {what} already exists.") from None
    session.refresh(row)
    return row


@router.get("/products", response_model=list[ProductPublic])
def list_products(who: CurrentUser, session: SessionDep, org_id: int | None = None) -> list[Product]:
    orgs = visible_orgs(who, org_id)
    stmt = select(Product).order_by(col(Product.id))
    if orgs is not None:
        stmt = stmt.where(col(Product.organisation_id).in_(orgs))
    return list(session.exec(stmt).all())


@router.post("/products", response_model=ProductPublic, status_code=201)
def create_product(body: ProductCreate, who: CurrentUser, session: SessionDep) -> Product:
    who.require(body.organisation_id, *WRITERS)
    if refusal := gtin_refusal(session, body.organisation_id, body.gtin):
        raise GtinNotOwned(refusal)
    return _save(session, Product.model_validate(body), "GTIN")  # type: ignore[no-any-return]


@router.get("/products/{product_id}", response_model=ProductPublic)
def get_product(product_id: int, who: CurrentUser, session: SessionDep) -> Product:
    return load_product(session, who, product_id)


@router.put("/products/{product_id}/photo", response_model=ProductPublic)
async def put_product_photo(product_id: int, who: CurrentUser, session: SessionDep,
                            settings: SettingsDep, request: Request,
                            photo: UploadFile = File()) -> Product:
    """The product photo for consumer pages and link previews (JPEG, PNG or WebP; the server
    stores an upright, scaled JPEG without the upload's metadata). Decoded off the event
    loop, a few at a time (503 with ``Retry-After`` when all decode slots stay busy)."""
    product = load_product(session, who, product_id, *WRITERS)
    data = await photo.read(photos.MAX_BYTES + 1)
    limiter: photos.DecodeLimiter = request.app.state.image_decoder  # built in create_app
    return await photos.store_async(session, settings.var_dir, product, data, limiter)


@router.delete("/products/{product_id}/photo", response_model=ProductPublic)
def delete_product_photo(product_id: int, who: CurrentUser, session: SessionDep,
                         settings: SettingsDep) -> Product:
    product = load_product(session, who, product_id, *WRITERS)
    return photos.remove(session, settings.var_dir, product)


@router.get("/locations", response_model=list[LocationPublic])
def list_locations(who: CurrentUser, session: SessionDep,
                   org_id: int | None = None) -> list[Location]:
    orgs = visible_orgs(who, org_id)
    stmt = select(Location).order_by(col(Location.id))
    if orgs is not None:
        stmt = stmt.where(col(Location.organisation_id).in_(orgs))
    return list(session.exec(stmt).all())


@router.post("/locations", response_model=LocationPublic, status_code=201)
def create_location(body: LocationCreate, who: CurrentUser, session: SessionDep) -> Location:
    who.require(body.organisation_id, *WRITERS)
    check_refs(session, body.organisation_id, farm_id=body.farm_id)
    return _save(session, Location.model_validate(body), "location")  # type: ignore[no-any-return]


@router.get("/registration-codes", response_model=list[RegistrationCodePublic])
def list_codes(who: CurrentUser, session: SessionDep,
               org_id: int | None = None) -> list[RegistrationCode]:
    orgs = visible_orgs(who, org_id)
    stmt = select(RegistrationCode).order_by(col(RegistrationCode.id))
    if orgs is not None:
        stmt = stmt.where(col(RegistrationCode.organisation_id).in_(orgs))
    return list(session.exec(stmt).all())


@router.post("/registration-codes", response_model=RegistrationCodePublic, status_code=201)
def create_code(body: RegistrationCodeCreate, who: CurrentUser,
                session: SessionDep) -> RegistrationCode:
    """A planting-area or packing-house code, stored exactly as the authority issued it."""
    who.require(body.organisation_id, *WRITERS)
    check_refs(session, body.organisation_id, farm_id=body.farm_id, zone_id=body.zone_id,
               location_id=body.location_id)
    row = RegistrationCode.model_validate(body)
    return _save(session, row, "code")  # type: ignore[no-any-return]


@router.get("/zones/{zone_id}/diary", response_model=list[DiaryEntryPublic])
def list_diary(zone_id: int, who: CurrentUser, session: SessionDep,
               kind: DiaryKind | None = None) -> list[Any]:
    load_zone_for(session, who, zone_id)
    return diary.entries(session, zone_id, kind)


@router.post("/zones/{zone_id}/diary", response_model=DiaryEntryPublic, status_code=201)
def add_diary(zone_id: int, body: DiaryEntryCreate, who: CurrentUser,
              session: SessionDep) -> Any:
    load_zone_for(session, who, zone_id, *RECORDERS)
    return diary.add_entry(session, zone_id, body, who.id)


@router.get("/zones/{zone_id}/irrigation", response_model=IrrigationSummary,
            response_model_exclude_unset=True)
def irrigation(zone_id: int, who: CurrentUser, session: SessionDep,
               days: int = 30) -> dict[str, Any]:
    load_zone_for(session, who, zone_id)
    end = datetime.now(UTC)
    return diary.irrigation_summary(session, zone_id, end - timedelta(days=max(1, min(days, 366))),
                                    end)


@router.get("/lots/{lot_id}/diary", response_model=LotDiary,
            response_model_exclude_unset=True)
def lot_diary(lot_id: int, who: CurrentUser, session: SessionDep) -> dict[str, Any]:
    load_lot(session, who, lot_id)
    return diary.diary_summary(session, lot_id)


@router.get("/certificates", response_model=list[CertificatePublic])
def list_certificates(who: CurrentUser, session: SessionDep, org_id: int | None = None,
                      lot_id: int | None = None) -> list[CertificatePublic]:
    if lot_id is not None:
        load_lot(session, who, lot_id)
        return [certificates.public(c) for c in certificates.certificates_for_lot(session, lot_id)]
    orgs = visible_orgs(who, org_id)
    stmt = select(Certificate).order_by(col(Certificate.id))
    if orgs is not None:
        stmt = stmt.where(col(Certificate.organisation_id).in_(orgs))
    return [certificates.public(c) for c in session.exec(stmt).all()]


@router.post("/certificates", response_model=CertificatePublic, status_code=201)
async def create_certificate(
        who: CurrentUser, session: SessionDep, settings: SettingsDep,
        organisation_id: int = Form(), subject: CertificateSubject = Form(),
        kind: CertificateKind = Form(), number: str = Form(max_length=100),
        issuer: str = Form(max_length=200), valid_from: date = Form(),
        valid_until: date | None = Form(default=None), lot_id: int | None = Form(default=None),
        farm_id: int | None = Form(default=None),
        product_id: int | None = Form(default=None), zone_id: int | None = Form(default=None),
        scope: str | None = Form(default=None, max_length=500),
        document: UploadFile | None = File(default=None)) -> CertificatePublic:
    who.require(organisation_id, *WRITERS)
    data = await document.read(certificates.MAX_BYTES + 1) if document is not None else None
    cert = certificates.create(session, settings.var_dir, organisation_id=organisation_id,
                               subject=subject, kind=kind, number=number, issuer=issuer,
                               valid_from=valid_from, valid_until=valid_until, lot_id=lot_id,
                               farm_id=farm_id, data=data, product_id=product_id,
                               zone_id=zone_id, scope=scope)
    return certificates.public(cert)


@router.get("/certificates/{cert_id}/document", response_class=FileResponse,
            responses={200: {"content": {"application/pdf": {
                "schema": {"type": "string", "format": "binary"}}}}})
def certificate_document(cert_id: int, who: CurrentUser, session: SessionDep,
                         settings: SettingsDep) -> FileResponse:
    cert = session.get(Certificate, cert_id)
    if cert is None:
        raise NotFound(f"Certificate {cert_id} does not exist.")
    who.require(cert.organisation_id)
    path = certificates.document_path(settings.var_dir, cert)
    return FileResponse(path, media_type=cert.document_type or "application/octet-stream",
                        headers={"X-Content-Type-Options": "nosniff"})
