"""JSON API routes of this package (mounted under /api/v1).

Thin routes: access rules live in :mod:`.access`, steps in :mod:`.workflow` and
:mod:`.certs`; each mutating route commits once at the end, so a refused step writes
nothing. ``GET /ocop/catalogue`` is public (listed in :mod:`server.public`).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field, StrictFloat, StrictInt, StrictStr
from sqlmodel import col, select

from ocop.criteria import CRITERIA_SETS, get_criteria_set
from ocop.groups import ProductGroup, Subgroup
from server.deps import CurrentUser, SessionDep, SettingsDep
from server.errors import NotFound
from server.models import Organisation, utcnow
from server.models.ocop import (
    OcopCertificate,
    OcopDocument,
    OcopDossier,
    OcopNotification,
    OcopProductCreate,
)
from server.models.ocop_views import (
    AssessmentView,
    CatalogueEntryPublic,
    CriteriaSetPublic,
    DocumentUploaded,
    DossierListItem,
    DossierView,
    NotificationView,
    OcopCertificateView,
    OcopProductDetail,
    OcopProductView,
)
from server.ocop_workflow import certs, council_api, paper, workflow
from server.ocop_workflow.access import evaluator_provinces, load_dossier, load_product
from server.ocop_workflow.catalogue import catalogue
from server.ocop_workflow.mailer import RECEIPT_KINDS
from server.ocop_workflow.products import register_product
from server.ocop_workflow.uploads import document_path, save_document
from server.ocop_workflow.views import (
    certificate_view,
    dossier_view,
    product_view,
    result_view,
    visible_products,
)

__all__ = ["router"]

router = APIRouter(prefix="/ocop", tags=["ocop"])
router.include_router(council_api.router)
#: Routes answering with a whole dossier; a council without sheets has no ``average`` key.
_DOSSIER: dict[str, Any] = {"response_model": DossierView, "response_model_exclude_unset": True}

AnswerIn = StrictStr | StrictInt | StrictFloat | dict[str, StrictStr | StrictInt | StrictFloat | None]


class AnswersIn(BaseModel):
    answers: dict[Annotated[str, Field(max_length=12)], AnswerIn] = Field(max_length=200)


class PrecheckIn(BaseModel):
    """The commune pre-check (1489/QĐ-TTg): every item must be answered."""

    origin: bool
    raw_material: bool
    labour: bool
    idea: bool
    cultural_identity: bool
    note: str | None = Field(default=None, max_length=1000)


class CloseIn(BaseModel):
    """Who attended the council session (user ids); default: those who handed in sheets."""

    present: list[int] | None = Field(default=None, max_length=100)


class ReasonIn(BaseModel):
    reason: str = Field(min_length=3, max_length=1000)


class CertifyIn(BaseModel):
    number: str | None = Field(default=None, max_length=60)
    issued_on: date | None = None


def _today() -> date:
    return date.today()


@router.get("/catalogue", response_model=list[CatalogueEntryPublic])
def get_catalogue(session: SessionDep, stars: Annotated[int | None, Query(ge=3, le=5)] = None,
                  group: ProductGroup | None = None,
                  commune: Annotated[str | None, Query(max_length=80)] = None,
                  province: Annotated[str | None, Query(max_length=80)] = None,
                  subgroup: Subgroup | None = None,
                  ) -> list[CatalogueEntryPublic]:
    """Public: products with a valid certificate (not expired, not revoked).

    ``province``/``commune``: a code or a name from the official list (diacritics optional);
    ``subgroup``: a product set.
    """
    return catalogue(session, _today(), stars=stars,
                     group=group.value if group else None, commune=commune,
                     province=province, subgroup=subgroup.value if subgroup else None)


@router.get("/criteria", response_model=CriteriaSetPublic)
def get_criteria(who: CurrentUser, key: str = "qd148-2023/fresh-produce") -> dict[str, Any]:
    if key not in CRITERIA_SETS:
        raise NotFound(f"Không có bộ tiêu chí {key!r}.")
    return get_criteria_set(key).as_dict()


@router.get("/products", response_model=list[OcopProductView])
def list_products(who: CurrentUser, session: SessionDep) -> list[dict[str, Any]]:
    return [product_view(p, o) for p, o in visible_products(session, who)]


@router.post("/products", response_model=OcopProductView, status_code=201)
def create_product(body: OcopProductCreate, who: CurrentUser,
                   session: SessionDep) -> dict[str, Any]:
    product = register_product(session, who, body)
    org = session.get(Organisation, product.organisation_id)
    assert org is not None
    session.commit()
    return product_view(product, org)


@router.get("/products/{product_id}", response_model=OcopProductDetail)
def get_product(product_id: int, who: CurrentUser, session: SessionDep) -> dict[str, Any]:
    product, org = load_product(session, who, product_id)
    dossiers = session.exec(select(OcopDossier).where(OcopDossier.product_id == product.id)
                            .order_by(col(OcopDossier.id))).all()
    cs = session.exec(select(OcopCertificate).where(OcopCertificate.product_id == product.id)
                      .order_by(col(OcopCertificate.issued_on))).all()
    return {**product_view(product, org),
            "dossiers": [{"id": d.id, "status": d.status.value, "level": d.level}
                         for d in dossiers],
            "certificates": [certificate_view(c, _today()) for c in cs]}


@router.post("/products/{product_id}/dossiers", status_code=201, **_DOSSIER)
def create_dossier(product_id: int, who: CurrentUser, session: SessionDep) -> dict[str, Any]:
    product, org = load_product(session, who, product_id)
    dossier = workflow.open_dossier(session, who, product, org, _today())
    session.commit()
    return dossier_view(session, dossier, product, org, _today())


@router.get("/dossiers", response_model=list[DossierListItem])
def list_dossiers(who: CurrentUser, session: SessionDep) -> list[dict[str, Any]]:
    """Dossiers ``who`` may see (admins: all; evaluators: their provinces'; co-ops: own)."""
    out = []
    provinces = evaluator_provinces(session, who)
    for product, org in visible_products(session, who):
        rows = session.exec(select(OcopDossier).where(OcopDossier.product_id == product.id)
                            .order_by(col(OcopDossier.id))).all()
        for d in rows:
            out.append({"id": d.id, "product_id": product.id, "product": product.name,
                        "organisation": org.name, "status": d.status.value,
                        "status_vi": workflow.STATUS_VI[d.status], "level": d.level,
                        "to_evaluate": org.province_code in provinces
                        and org.id not in who.roles
                        and d.status.value in ("precheck", "council", "approved")})
    return out


@router.get("/dossiers/{dossier_id}", **_DOSSIER)
def get_dossier(dossier_id: int, who: CurrentUser, session: SessionDep) -> dict[str, Any]:
    dossier, product, org = load_dossier(session, who, dossier_id)
    return dossier_view(session, dossier, product, org, _today())


@router.put("/dossiers/{dossier_id}/self-assessment", response_model=AssessmentView)
def put_self_assessment(dossier_id: int, body: AnswersIn, who: CurrentUser,
                        session: SessionDep) -> dict[str, Any]:
    dossier, _, org = load_dossier(session, who, dossier_id)
    result = workflow.save_self_assessment(session, who, dossier, org,
                                           workflow.parse_answers(body.answers))
    session.commit()
    return result_view(result)


@router.post("/dossiers/{dossier_id}/documents", response_model=DocumentUploaded,
             status_code=201)
def upload_document(dossier_id: int, who: CurrentUser, session: SessionDep,
                    settings: SettingsDep, file: UploadFile = File(),
                    kind: str = Form(default="other", max_length=32)) -> dict[str, Any]:
    dossier, _, org = load_dossier(session, who, dossier_id)
    doc = save_document(session, settings, who, dossier, org, kind, file.filename or "",
                        file.file)
    return {"id": doc.id, "kind": doc.kind, "title": doc.title, "size": doc.size,
            "content_type": doc.content_type, "sha256": doc.sha256}


_PDF: dict[str, Any] = {"response_class": Response, "responses": {200: {"content": {
    "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}}


@router.get("/dossiers/{dossier_id}/dossier.pdf", **_PDF)
def get_dossier_pdf(dossier_id: int, who: CurrentUser, session: SessionDep) -> Response:
    """The registration form and product dossier with the self-assessment table, printable."""
    dossier, _, _ = load_dossier(session, who, dossier_id)
    return Response(paper.dossier_pdf(session, dossier), media_type="application/pdf",
                    headers={"Content-Disposition":
                             f'inline; filename="ho-so-ocop-{dossier_id}.pdf"'})


@router.get("/dossiers/{dossier_id}/minutes.pdf", **_PDF)
def get_minutes_pdf(dossier_id: int, who: CurrentUser, session: SessionDep,
                    level: Annotated[str | None, Query(max_length=16)] = None) -> Response:
    """The council's minutes: every member's score and the result (409 before closing)."""
    dossier, _, _ = load_dossier(session, who, dossier_id)
    return Response(paper.minutes_pdf(session, dossier, level), media_type="application/pdf",
                    headers={"Content-Disposition":
                             f'inline; filename="bien-ban-ocop-{dossier_id}.pdf"'})


@router.get("/dossiers/{dossier_id}/documents/{document_id}", response_class=FileResponse,
            responses={200: {"content": {"application/octet-stream": {
                "schema": {"type": "string", "format": "binary"}}}}})
def download_document(dossier_id: int, document_id: int, who: CurrentUser,
                      session: SessionDep, settings: SettingsDep) -> FileResponse:
    load_dossier(session, who, dossier_id)
    doc = session.get(OcopDocument, document_id)
    if doc is None or doc.dossier_id != dossier_id:
        raise NotFound("Tài liệu không tồn tại.")
    return FileResponse(document_path(settings, doc), media_type=doc.content_type,
                        filename=doc.title, content_disposition_type="attachment")


def _step_view(session: SessionDep, dossier_id: int, who: CurrentUser) -> dict[str, Any]:
    session.commit()
    dossier, product, org = load_dossier(session, who, dossier_id)
    return dossier_view(session, dossier, product, org, _today())


@router.post("/dossiers/{dossier_id}/submit", **_DOSSIER)
def submit_dossier(dossier_id: int, who: CurrentUser, session: SessionDep) -> dict[str, Any]:
    dossier, _, org = load_dossier(session, who, dossier_id)
    workflow.submit(session, who, dossier, org, _today())
    return _step_view(session, dossier_id, who)


@router.post("/dossiers/{dossier_id}/precheck", **_DOSSIER)
def precheck_dossier(dossier_id: int, body: PrecheckIn, who: CurrentUser,
                     session: SessionDep) -> dict[str, Any]:
    dossier, _, org = load_dossier(session, who, dossier_id)
    workflow.precheck(session, who, dossier, org, body.model_dump(exclude={"note"}), body.note)
    return _step_view(session, dossier_id, who)


@router.post("/dossiers/{dossier_id}/return", **_DOSSIER)
def return_dossier(dossier_id: int, body: ReasonIn, who: CurrentUser,
                   session: SessionDep) -> dict[str, Any]:
    dossier, _, org = load_dossier(session, who, dossier_id)
    workflow.return_dossier(session, who, dossier, org, body.reason)
    return _step_view(session, dossier_id, who)


@router.post("/dossiers/{dossier_id}/resubmit", **_DOSSIER)
def resubmit_dossier(dossier_id: int, who: CurrentUser, session: SessionDep) -> dict[str, Any]:
    dossier, _, org = load_dossier(session, who, dossier_id)
    workflow.resubmit(session, who, dossier, org)
    return _step_view(session, dossier_id, who)


@router.put("/dossiers/{dossier_id}/scores", response_model=AssessmentView)
def put_scores(dossier_id: int, body: AnswersIn, who: CurrentUser,
               session: SessionDep) -> dict[str, Any]:
    dossier, _, org = load_dossier(session, who, dossier_id)
    result = workflow.record_scores(session, who, dossier, org,
                                    workflow.parse_answers(body.answers))
    session.commit()
    return result_view(result)


@router.post("/dossiers/{dossier_id}/close", **_DOSSIER)
def close_dossier_council(dossier_id: int, who: CurrentUser, session: SessionDep,
                          body: CloseIn | None = None) -> dict[str, Any]:
    dossier, _, org = load_dossier(session, who, dossier_id)
    workflow.close_council(session, who, dossier, org, body.present if body else None)
    return _step_view(session, dossier_id, who)


@router.post("/dossiers/{dossier_id}/certify", response_model=OcopCertificateView,
             status_code=201)
def certify_dossier(dossier_id: int, body: CertifyIn, who: CurrentUser,
                    session: SessionDep) -> dict[str, Any]:
    dossier, product, org = load_dossier(session, who, dossier_id)
    cert = certs.certify(session, who, dossier, product, org, _today(), body.number,
                         body.issued_on)
    session.commit()
    return certificate_view(cert, _today())


@router.get("/certificates/{certificate_id}", response_model=OcopCertificateView)
def get_certificate(certificate_id: int, who: CurrentUser,
                    session: SessionDep) -> dict[str, Any]:
    cert, _, _ = certs.load_certificate(session, who, certificate_id)
    return certificate_view(cert, _today())


@router.post("/certificates/{certificate_id}/revoke", response_model=OcopCertificateView)
def revoke_certificate(certificate_id: int, body: ReasonIn, who: CurrentUser,
                       session: SessionDep) -> dict[str, Any]:
    cert, _, org = certs.load_certificate(session, who, certificate_id)
    certs.revoke(session, who, cert, org, body.reason, _today())
    session.commit()
    return certificate_view(cert, _today())


@router.get("/notifications", response_model=list[NotificationView])
def list_notifications(who: CurrentUser, session: SessionDep,
                       unread: bool = False) -> list[dict[str, Any]]:
    stmt = (select(OcopNotification).where(col(OcopNotification.kind).not_in(RECEIPT_KINDS))
            .order_by(col(OcopNotification.id).desc()))  # e-mail receipts are not notifications
    if not who.is_admin:
        stmt = stmt.where(col(OcopNotification.organisation_id).in_(who.org_ids()))
    if unread:
        stmt = stmt.where(col(OcopNotification.read_at).is_(None))
    return [{"id": n.id, "kind": n.kind, "message": n.message, "due_on": n.due_on.isoformat(),
             "organisation_id": n.organisation_id, "certificate_id": n.certificate_id,
             "read": n.read_at is not None} for n in session.exec(stmt.limit(200)).all()]


@router.post("/notifications/{notification_id}/read", status_code=204)
def read_notification(notification_id: int, who: CurrentUser, session: SessionDep) -> None:
    note = session.get(OcopNotification, notification_id)
    if note is None or not (who.is_admin or note.organisation_id in who.roles):
        raise NotFound("Thông báo không tồn tại.")
    note.read_at = utcnow()
    session.add(note)
    session.commit()
