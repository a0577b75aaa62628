"""Response models of the OCOP API (``/api/v1/ocop/...``), so that ``/docs`` shows them.

The views in :mod:`server.ocop_workflow.views` build plain dicts (the pages use them too);
the routes declare these models as ``response_model``. Every model forbids extra keys, so a
view that grows a key without its model fails the tests instead of silently losing it.
Dates are ISO strings in JSON (``date`` fields), exactly as the views wrote them before.
"""

from __future__ import annotations

from datetime import date

from pydantic import ConfigDict
from sqlmodel import SQLModel

__all__ = [
    "CatalogueEntryPublic", "CatalogueLot", "CriteriaOption", "CriteriaItem", "CriteriaSection",
    "CriteriaPart",
    "CriteriaSetPublic", "OcopProductView", "DossierBrief", "OcopProductDetail",
    "AssessmentView", "CouncilSheetView", "CouncilView", "DocumentView", "DocumentUploaded",
    "DossierEventView", "OcopCertificateView", "DossierView", "DossierListItem",
    "NotificationView", "CouncilSeatView",
]


class _View(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]


class CatalogueLot(_View):
    """A stamped lot of a catalogue product: its GS1 Digital Link page."""

    code: str
    harvested_on: date | None
    url: str


class CatalogueEntryPublic(_View):
    """A product with a certificate valid today (the public catalogue)."""

    product_id: int
    name: str
    description: str | None
    organisation: str
    subject_type: str
    subject_type_vi: str
    group: str
    group_vi: str
    subgroup: str
    subgroup_vi: str
    province_code: str
    commune_code: str | None
    gtin: str | None
    stars: int
    certificate_number: str
    issued_on: date
    expires_on: date
    level: str
    url: str
    #: Official names (Decision 19/2025 list) of the product's province and commune.
    province_name: str | None = None
    commune_name: str | None = None
    #: Stamped lots, only when the co-op allows it (``show_lots``); newest first.
    lots: list[CatalogueLot] = []


class CriteriaOption(_View):
    code: str
    title: str
    points: float


class CriteriaItem(_View):
    code: str
    label: str
    title: str
    max_points: float
    mandatory_for_3_stars: bool
    #: Minimum points of this criterion for 3, 4 or 5 stars (keys ``"3"``…``"5"``).
    min_points_for_stars: dict[str, float]
    note: str
    #: Where the criterion is printed (decision, annex, product set, part, section, item).
    source_ref: str = ""
    #: What could not be checked against the printed text, or was corrected.
    source_note: str = ""
    options: list[CriteriaOption]


class CriteriaSection(_View):
    number: int
    title: str
    max_points: float
    criteria: list[CriteriaItem]


class CriteriaPart(_View):
    part: str
    title_vi: str
    title_en: str
    max_points: float
    sections: list[CriteriaSection]


class CriteriaSetPublic(_View):
    """One criteria set of :mod:`ocop.criteria` (a decision's scoring sheet)."""

    key: str
    decision: str
    decision_date: date
    effective_from: date
    effective_to: date | None
    subgroup: str
    subgroup_vi: str
    source: str
    notes: str
    parts: list[CriteriaPart]


class OcopProductView(_View):
    """An OCOP product with its subject (the organisation) and Vietnamese labels."""

    id: int
    name: str
    organisation_id: int
    organisation: str
    subject_type: str
    subject_type_vi: str
    group: str
    group_vi: str
    subgroup: str
    subgroup_vi: str
    description: str | None
    gtin: str | None
    commune_code: str | None
    province_code: str


class DossierBrief(_View):
    id: int
    status: str
    level: str | None


class AssessmentView(_View):
    """A scored sheet (self-assessment, a council member's, or the council average)."""

    part_a: float
    part_b: float
    part_c: float
    total: float
    stars: int
    uncapped_stars: int
    capped: bool
    unmet_mandatory: list[str]
    #: How many criteria have no answer.
    unanswered: int
    complete: bool


class OcopCertificateView(_View):
    id: int
    number: str
    product_id: int
    dossier_id: int | None
    stars: int
    total: float
    level: str
    level_vi: str
    criteria_set: str
    issued_on: date
    expires_on: date
    revoked_on: date | None
    revoked_reason: str | None
    #: Issued, not expired, not revoked today.
    valid: bool


class OcopProductDetail(OcopProductView):
    dossiers: list[DossierBrief]
    certificates: list[OcopCertificateView]


class CouncilSheetView(AssessmentView):
    evaluator_id: int
    evaluator: str


class CouncilView(_View):
    level: str | None
    sheets: list[CouncilSheetView]
    #: Present once at least one member has scored at this level.
    average: AssessmentView | None = None


class DocumentView(_View):
    id: int
    kind: str
    kind_vi: str
    title: str
    content_type: str
    size: int
    #: ISO 8601, as stored.
    uploaded_at: str


class DocumentUploaded(_View):
    id: int
    kind: str
    title: str
    size: int
    content_type: str
    sha256: str


class DossierEventView(_View):
    step: str
    step_vi: str
    from_status: str | None
    to_status: str
    level: str | None
    actor_id: int | None
    actor: str | None
    #: ISO 8601, as stored.
    at: str
    note: str | None


class DossierView(_View):
    """Everything a client needs about one dossier."""

    id: int
    product: OcopProductView
    criteria_set: str
    decision: str
    status: str
    status_vi: str
    level: str | None
    level_vi: str | None
    rules_date: date | None
    self_assessment: AssessmentView
    result_total: float | None
    result_stars: int | None
    #: Maximum points of parts A, B and C.
    part_max: dict[str, float]
    council: CouncilView
    documents: list[DocumentView]
    events: list[DossierEventView]
    certificates: list[OcopCertificateView]


class CouncilSeatView(_View):
    """A seat on an OCOP council (issue 19)."""

    id: int
    user_id: int
    full_name: str
    level: str
    level_vi: str
    role: str
    role_vi: str
    commune_code: str | None
    active: bool


class DossierListItem(_View):
    id: int
    product_id: int
    product: str
    organisation: str
    status: str
    status_vi: str
    level: str | None
    #: The caller is an evaluator who may act on it now.
    to_evaluate: bool


class NotificationView(_View):
    id: int
    kind: str
    message: str
    due_on: date
    organisation_id: int
    certificate_id: int | None
    read: bool
