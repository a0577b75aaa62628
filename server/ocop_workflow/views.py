"""JSON-ready views of products and dossiers, shared by the API and the pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from ocop.criteria import get_criteria_set
from ocop.groups import ProductGroup, Subgroup
from ocop.model import Part
from ocop.scoring import AssessmentResult, average_assessments, score_assessment
from server.deps import Principal
from server.models import Organisation, User
from server.models.ocop import (
    OcopCertificate,
    OcopDocument,
    OcopDossier,
    OcopProduct,
)
from server.ocop_workflow.access import evaluator_provinces, seat_provinces, subject_type
from server.ocop_workflow.certs import certificate_is_valid
from server.ocop_workflow.uploads import DOC_KINDS
from server.ocop_workflow.workflow import (
    STATUS_VI,
    STEP_VI,
    council_sheets,
    events,
    self_result,
)

__all__ = ["result_view", "product_view", "certificate_view", "dossier_view",
           "visible_products", "LEVEL_VI"]

LEVEL_VI = {"commune": "Cấp xã", "district": "Cấp huyện", "province": "Cấp tỉnh",
            "central": "Trung ương"}


def result_view(result: AssessmentResult) -> dict[str, Any]:
    return {"part_a": result.part_a, "part_b": result.part_b, "part_c": result.part_c,
            "total": round(result.total, 2), "stars": result.stars,
            "uncapped_stars": result.uncapped_stars, "capped": result.capped,
            "unmet_mandatory": list(result.unmet_mandatory),
            "unanswered": len(result.unanswered), "complete": result.complete}


def certificate_view(cert: OcopCertificate, on: date) -> dict[str, Any]:
    return {"id": cert.id, "number": cert.number, "product_id": cert.product_id,
            "dossier_id": cert.dossier_id, "stars": cert.stars, "total": cert.total,
            "level": cert.level, "level_vi": LEVEL_VI.get(cert.level, cert.level),
            "criteria_set": cert.criteria_set, "issued_on": cert.issued_on.isoformat(),
            "expires_on": cert.expires_on.isoformat(),
            "revoked_on": cert.revoked_on.isoformat() if cert.revoked_on else None,
            "revoked_reason": cert.revoked_reason, "valid": certificate_is_valid(cert, on)}


def product_view(product: OcopProduct, org: Organisation) -> dict[str, Any]:
    sub = Subgroup(product.subgroup)
    return {"id": product.id, "name": product.name, "organisation_id": org.id,
            "organisation": org.name, "subject_type": subject_type(org).value,
            "subject_type_vi": subject_type(org).vi, "group": product.product_group,
            "group_vi": ProductGroup(product.product_group).vi, "subgroup": sub.value,
            "subgroup_vi": sub.vi, "description": product.description, "gtin": product.gtin,
            "commune_code": product.commune_code, "province_code": org.province_code}


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.exec(select(User).where(col(User.id).in_(ids))).all()
    return {u.id: u.full_name for u in rows if u.id is not None}


def dossier_view(session: Session, dossier: OcopDossier, product: OcopProduct,
                 org: Organisation, on: date) -> dict[str, Any]:
    """Everything a page or client needs about one dossier."""
    sheets = council_sheets(session, dossier) if dossier.level else {}
    council: dict[str, Any] = {"level": dossier.level, "sheets": []}
    for evaluator, answers in sheets.items():
        council["sheets"].append({"evaluator_id": evaluator,
                                  **result_view(score_assessment(dossier.criteria_set,
                                                                 answers))})
    if sheets:
        council["average"] = result_view(average_assessments(dossier.criteria_set,
                                                             list(sheets.values())))
    evs = events(session, dossier)
    names = _names(session, {e.actor_id for e in evs if e.actor_id} | set(sheets))
    for sheet in council["sheets"]:
        sheet["evaluator"] = names.get(sheet["evaluator_id"], "?")
    docs = session.exec(select(OcopDocument).where(OcopDocument.dossier_id == dossier.id)
                        .order_by(col(OcopDocument.id))).all()
    certs = session.exec(select(OcopCertificate).where(
        OcopCertificate.dossier_id == dossier.id)).all()
    criteria = get_criteria_set(dossier.criteria_set)
    return {
        "id": dossier.id, "product": product_view(product, org),
        "criteria_set": dossier.criteria_set, "decision": criteria.decision,
        "status": dossier.status.value, "status_vi": STATUS_VI[dossier.status],
        "level": dossier.level, "level_vi": LEVEL_VI.get(dossier.level or "", None),
        "rules_date": dossier.rules_date.isoformat() if dossier.rules_date else None,
        "self_assessment": result_view(self_result(session, dossier)),
        "result_total": dossier.result_total, "result_stars": dossier.result_stars,
        "part_max": {p.value: criteria.part_max[p] for p in Part},
        "council": council,
        "documents": [{"id": d.id, "kind": d.kind, "kind_vi": DOC_KINDS.get(d.kind, d.kind),
                       "title": d.title, "content_type": d.content_type, "size": d.size,
                       "uploaded_at": d.uploaded_at.isoformat()} for d in docs],
        "events": [{"step": e.step, "step_vi": STEP_VI.get(e.step, e.step),
                    "from_status": e.from_status, "to_status": e.to_status, "level": e.level,
                    "actor_id": e.actor_id, "actor": names.get(e.actor_id or 0),
                    "at": e.at.isoformat(), "note": e.note} for e in evs],
        "certificates": [certificate_view(c, on) for c in certs],
    }


def visible_products(session: Session, who: Principal) -> list[tuple[OcopProduct, Organisation]]:
    """Products ``who`` may see: admins all; members their orgs'; evaluators their provinces'."""
    stmt = (select(OcopProduct, Organisation)
            .join(Organisation, col(Organisation.id) == OcopProduct.organisation_id)
            .order_by(col(OcopProduct.id)))
    seats, central = seat_provinces(session, who)
    if not who.is_admin and not central:
        provinces = evaluator_provinces(session, who) | seats
        cond: Any = col(Organisation.id).in_(who.org_ids())
        if provinces:
            cond = cond | col(Organisation.province_code).in_(provinces)
        stmt = stmt.where(cond)
    return [(p, o) for p, o in session.exec(stmt).all()]
