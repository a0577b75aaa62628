"""Server-rendered OCOP pages (Vietnamese, phone first).

Public: ``/ocop`` (the catalogue of certified products, filters stars/group/commune) and
``/catalogue/{product_id}`` (one certified product; the stamps issue adds its lots).
Logged in: ``/ocop/manage`` (products and dossiers), a dossier page with its steps, the
self-assessment form with running part scores, and the evaluators' side-by-side sheet.
Forms post with the csrf hidden field; errors use the app's Vietnamese error page.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import col, select

from ocop.criteria import get_criteria_set
from ocop.groups import ProductGroup, Subgroup
from server import admin_units
from server.deps import CurrentUser, OptionalUser, SessionDep, SettingsDep
from server.errors import Invalid, NotFound
from server.models import Organisation, OrgKind, Role
from server.models.ocop import OcopAnswer, OcopCertificate, OcopDossier, OcopProductCreate
from server.ocop_workflow import certs, workflow
from server.ocop_workflow.access import (
    evaluator_provinces,
    load_dossier,
    load_product,
    seat_provinces,
)
from server.ocop_workflow.catalogue import catalogue, catalogue_entry
from server.ocop_workflow.products import register_product
from server.ocop_workflow.uploads import DOC_KINDS, save_document
from server.ocop_workflow.views import dossier_view, visible_products
from server.templating import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _see(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/ocop", response_class=HTMLResponse)
def catalogue_page(request: Request, session: SessionDep, who: OptionalUser,
                   stars: str = "", group: str = "", commune: str = "", province: str = "",
                   subgroup: str = "") -> HTMLResponse:
    """Public catalogue; bad filter values are ignored rather than failing the page.

    Province and commune by name from the official list (or code); product set.
    """
    n = int(stars) if stars in ("3", "4", "5") else None
    g = group if group in {x.value for x in ProductGroup} else None
    sg = subgroup if subgroup in {x.value for x in Subgroup} else None
    p, c = province.strip()[:80] or None, commune.strip()[:80] or None
    entries = catalogue(session, date.today(), stars=n, group=g, commune=c, province=p,
                        subgroup=sg)
    return render(request, "ocop_catalogue.html", {
        "who": who, "entries": entries, "groups": list(ProductGroup),
        "subgroups": list(Subgroup), "provinces": admin_units.provinces(),
        "f": {"stars": n, "group": g, "commune": c or "", "province": p or "",
              "subgroup": sg}})


@router.get("/catalogue/{product_id}", response_class=HTMLResponse)
def product_public_page(product_id: int, request: Request, session: SessionDep,
                        who: OptionalUser) -> HTMLResponse:
    entry = catalogue_entry(session, product_id, date.today())
    if entry is None:
        raise NotFound("Sản phẩm chưa có hoặc không còn giấy chứng nhận OCOP hợp lệ.")
    return render(request, "ocop_product.html", {"who": who, "e": entry})


@router.get("/ocop/manage", response_class=HTMLResponse)
def manage_page(request: Request, who: CurrentUser, session: SessionDep) -> HTMLResponse:
    rows = []
    seats, central = seat_provinces(session, who)
    provinces = evaluator_provinces(session, who) | seats
    for product, org in visible_products(session, who):
        dossiers = session.exec(select(OcopDossier).where(OcopDossier.product_id == product.id)
                                .order_by(col(OcopDossier.id).desc())).all()
        cs = session.exec(select(OcopCertificate).where(
            OcopCertificate.product_id == product.id)
            .order_by(col(OcopCertificate.issued_on).desc())).all()
        rows.append({"product": product, "org": org, "dossiers": dossiers,
                     "certs": [(c, certs.certificate_is_valid(c, date.today())) for c in cs],
                     "mine": who.is_admin or who.role_in(org.id or 0) == Role.coop_admin,
                     "evaluate": (central or org.province_code in provinces)
                     and org.id not in who.roles})
    subjects = session.exec(select(Organisation).where(
        Organisation.kind != OrgKind.authority).order_by(col(Organisation.id))).all()
    own = [o for o in subjects if who.is_admin or who.role_in(o.id or 0) == Role.coop_admin]
    return render(request, "ocop_manage.html", {
        "who": who, "rows": rows, "own_orgs": own, "subgroups": list(Subgroup),
        "status_vi": workflow.STATUS_VI, "subgroup_vi": {s.value: s.vi for s in Subgroup}})


@router.post("/ocop/products")
def register_product_form(who: CurrentUser, session: SessionDep,
                          organisation_id: int = Form(), name: str = Form(max_length=200),
                          subgroup: str = Form(max_length=40),
                          gtin: str = Form(default="", max_length=20),
                          description: str = Form(default="", max_length=2000),
                          show_lots: bool = Form(default=False)) -> RedirectResponse:
    try:
        body = OcopProductCreate(organisation_id=organisation_id, name=name, subgroup=subgroup,
                                 gtin=gtin or None, description=description or None,
                                 show_lots=show_lots)
    except ValueError as exc:
        raise Invalid(f"Thông tin sản phẩm không hợp lệ: {exc}") from None
    register_product(session, who, body)
    session.commit()
    return _see("/ocop/manage")


@router.post("/ocop/products/{product_id}/dossiers")
def open_dossier_form(product_id: int, who: CurrentUser, session: SessionDep) -> RedirectResponse:
    product, org = load_product(session, who, product_id)
    dossier = workflow.open_dossier(session, who, product, org, date.today())
    session.commit()
    return _see(f"/ocop/dossiers/{dossier.id}/self")


@router.get("/ocop/dossiers/{dossier_id}", response_class=HTMLResponse)
def dossier_page(dossier_id: int, request: Request, who: CurrentUser,
                 session: SessionDep) -> HTMLResponse:
    dossier, product, org = load_dossier(session, who, dossier_id)
    view = dossier_view(session, dossier, product, org, date.today())
    is_coop = who.is_admin or who.role_in(org.id or 0) == Role.coop_admin
    seats, central = seat_provinces(session, who)
    evaluator = org.id not in who.roles and (
        who.is_admin or central or org.province_code in seats
        or org.province_code in evaluator_provinces(session, who))
    return render(request, "ocop_dossier.html", {
        "who": who, "d": view, "is_coop": is_coop, "evaluator": evaluator,
        "doc_kinds": DOC_KINDS, "today": date.today().isoformat()})


def _sheet_rows(criteria_key: str) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = get_criteria_set(criteria_key).as_dict()["parts"]
    return parts


@router.get("/ocop/dossiers/{dossier_id}/self", response_class=HTMLResponse)
def self_page(dossier_id: int, request: Request, who: CurrentUser,
              session: SessionDep) -> HTMLResponse:
    dossier, product, org = load_dossier(session, who, dossier_id)
    chosen = {code: a.option for code, a in _answers(session, dossier).items()}
    return render(request, "ocop_self.html", {
        "who": who, "dossier": dossier, "product": product, "parts": _sheet_rows(
            dossier.criteria_set), "chosen": chosen,
        "editable": dossier.status in (workflow.S.draft, workflow.S.returned)})


def _answers(session: SessionDep, dossier: OcopDossier) -> dict[str, OcopAnswer]:
    rows = session.exec(select(OcopAnswer).where(OcopAnswer.dossier_id == dossier.id)).all()
    return {r.criterion: r for r in rows}


async def _form_answers(request: Request) -> dict[str, str]:
    form = await request.form()
    out: dict[str, str] = {}
    for key, value in form.multi_items():
        if key.startswith("c_") and isinstance(value, str) and value:
            out[key[2:]] = value
    return out


@router.post("/ocop/dossiers/{dossier_id}/self")
async def self_submit(dossier_id: int, request: Request, who: CurrentUser,
                      session: SessionDep) -> RedirectResponse:
    answers = await _form_answers(request)
    dossier, _, org = load_dossier(session, who, dossier_id)
    workflow.save_self_assessment(session, who, dossier, org, answers)
    session.commit()
    return _see(f"/ocop/dossiers/{dossier_id}")


@router.get("/ocop/dossiers/{dossier_id}/score", response_class=HTMLResponse)
def score_page(dossier_id: int, request: Request, who: CurrentUser,
               session: SessionDep) -> HTMLResponse:
    dossier, product, org = load_dossier(session, who, dossier_id)
    self_answers = _answers(session, dossier)
    sheets = workflow.council_sheets(session, dossier) if dossier.level else {}
    view = dossier_view(session, dossier, product, org, date.today())
    mine = {code: getattr(a, "option", None) for code, a in sheets.get(who.id, {}).items()}
    others = {ev: {code: getattr(a, "points", None) for code, a in sheet.items()}
              for ev, sheet in sheets.items() if ev != who.id}
    return render(request, "ocop_score.html", {
        "who": who, "d": view, "dossier": dossier, "parts": _sheet_rows(dossier.criteria_set),
        "self_answers": self_answers, "mine": mine, "others": others,
        "names": {s["evaluator_id"]: s["evaluator"] for s in view["council"]["sheets"]}})


@router.post("/ocop/dossiers/{dossier_id}/score")
async def score_submit(dossier_id: int, request: Request, who: CurrentUser,
                       session: SessionDep) -> RedirectResponse:
    answers = await _form_answers(request)
    dossier, _, org = load_dossier(session, who, dossier_id)
    workflow.record_scores(session, who, dossier, org, answers)
    session.commit()
    return _see(f"/ocop/dossiers/{dossier_id}")


@router.post("/ocop/dossiers/{dossier_id}/documents")
def upload_form(dossier_id: int, who: CurrentUser, session: SessionDep, settings: SettingsDep,
                file: UploadFile = File(), kind: str = Form(default="other", max_length=32)
                ) -> RedirectResponse:
    dossier, _, org = load_dossier(session, who, dossier_id)
    save_document(session, settings, who, dossier, org, kind, file.filename or "", file.file)
    return _see(f"/ocop/dossiers/{dossier_id}")


@router.post("/ocop/dossiers/{dossier_id}/step")
def step_form(dossier_id: int, who: CurrentUser, session: SessionDep,
              step: str = Form(max_length=16), reason: str = Form(default="", max_length=1000),
              origin: bool = Form(default=False), raw_material: bool = Form(default=False),
              labour: bool = Form(default=False), idea: bool = Form(default=False),
              cultural_identity: bool = Form(default=False),
              number: str = Form(default="", max_length=60)) -> RedirectResponse:
    dossier, product, org = load_dossier(session, who, dossier_id)
    today = date.today()
    if step == "submit":
        workflow.submit(session, who, dossier, org, today)
    elif step == "resubmit":
        workflow.resubmit(session, who, dossier, org)
    elif step == "precheck":
        checks = {"origin": origin, "raw_material": raw_material, "labour": labour,
                  "idea": idea, "cultural_identity": cultural_identity}
        workflow.precheck(session, who, dossier, org, checks, reason or None)
    elif step == "return":
        workflow.return_dossier(session, who, dossier, org, reason)
    elif step == "close":
        workflow.close_council(session, who, dossier, org)
    elif step == "certify":
        certs.certify(session, who, dossier, product, org, today, number or None)
    else:
        raise Invalid(f"Bước {step!r} không tồn tại.")
    session.commit()
    return _see(f"/ocop/dossiers/{dossier_id}")


@router.post("/ocop/certificates/{certificate_id}/revoke")
def revoke_form(certificate_id: int, who: CurrentUser, session: SessionDep,
                reason: str = Form(max_length=1000)) -> RedirectResponse:
    cert, _, org = certs.load_certificate(session, who, certificate_id)
    certs.revoke(session, who, cert, org, reason, date.today())
    session.commit()
    return _see("/ocop/manage")
