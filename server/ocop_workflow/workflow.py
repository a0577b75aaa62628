"""The state machine of an OCOP dossier (hồ sơ), by level and by the rules of the day.

States (:class:`~server.models.ocop.DossierStatus`)::

    draft ──submit──► precheck (commune, since 06/07/2025) ──precheck ok──► council (province)
      ▲                 │ fails → rejected                                   │
      │                 └──────────── return ──► returned ◄── return ───────┤
      └── (co-op edits) ◄──────────── resubmit ─┘                            │
    council ──score (each evaluator)… close──► council (next level) | approved | rejected
    approved ──certify──► certified

- Since 06/07/2025 (Decision 1489/QĐ-TTg): commune pre-check (origin, local raw material
  and labour, product idea, cultural identity) → province council certifies 3★ and 4★ → a product rated
  5★ (90 points or more) is sent on to the central level.
- 24/02/2023 – 30/06/2025 (148/QĐ-TTg): district 3★, province 4★, central 5★.
- 01–05/07/2025: 148 still in force but districts abolished: the province council takes
  the district's work; dossiers held by a district are rerouted there
  (:mod:`server.ocop_workflow.levels`).
- Earlier (1048/QĐ-TTg): district pre-evaluates, province 3★–4★, central 5★.

The level that certifies a rating is :func:`ocop.scoring.evaluation_level` on the day of
first submission (``rules_date``); the path is :func:`ocop.scoring.evaluation_path`. The
council result is :func:`ocop.scoring.average_assessments` of the members' sheets. Every
step is recorded in ``ocop_events`` with who and when; a step out of order raises
:class:`~server.errors.Conflict` (409) saying which states allow it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import date

from sqlmodel import Session, col, delete, select

from ocop.certificates import EvaluationLevel, first_level, level_exists
from ocop.criteria import criteria_set_for
from ocop.errors import OcopError
from ocop.groups import Subgroup
from ocop.scoring import (
    Answer,
    AnswerValue,
    AssessmentResult,
    average_assessments,
    criterion_points,
    evaluation_level,
    evaluation_path,
    score_assessment,
)
from server.deps import Principal
from server.errors import Conflict, Invalid
from server.models import Organisation, utcnow
from server.models.ocop import (
    DossierStatus,
    OcopAnswer,
    OcopCouncilScore,
    OcopDossier,
    OcopEvent,
    OcopProduct,
)
from server.ocop_workflow import council, levels
from server.ocop_workflow.access import require_coop_admin, subject_type

__all__ = [
    "PRECHECK_ITEMS", "STATUS_VI", "STEP_VI", "LEVEL_ORDER", "open_dossier",
    "save_self_assessment", "submit", "precheck", "return_dossier", "resubmit",
    "record_scores", "close_council", "self_result", "council_sheets", "events",
    "parse_answers", "OPEN_STATUSES", "record_step", "expect",
]

log = logging.getLogger(__name__)

S = DossierStatus
LEVEL_ORDER = [EvaluationLevel.COMMUNE, EvaluationLevel.DISTRICT, EvaluationLevel.PROVINCE,
               EvaluationLevel.CENTRAL]
OPEN_STATUSES = (S.draft, S.precheck, S.council, S.returned, S.approved)

STATUS_VI = {S.draft: "Bản nháp", S.precheck: "Chờ xã kiểm tra", S.council: "Hội đồng đánh giá",
             S.returned: "Trả lại bổ sung hồ sơ", S.approved: "Đạt, chờ cấp giấy chứng nhận",
             S.certified: "Đã cấp giấy chứng nhận", S.rejected: "Không đạt"}
STEP_VI = {"open": "mở hồ sơ", "self_assessment": "lưu tự đánh giá", "submit": "nộp hồ sơ",
           "precheck": "kiểm tra sơ bộ cấp xã", "return": "trả lại hồ sơ",
           "resubmit": "nộp lại hồ sơ", "score": "chấm điểm", "close": "kết luận hội đồng",
           "certify": "cấp giấy chứng nhận", "upload": "tải tài liệu lên",
           "reroute": "chuyển cấp đánh giá"}
#: Which states each step may start from.
ALLOWED_FROM: dict[str, tuple[DossierStatus, ...]] = {
    "self_assessment": (S.draft, S.returned), "upload": (S.draft, S.returned),
    "submit": (S.draft,), "precheck": (S.precheck,), "return": (S.precheck, S.council),
    "resubmit": (S.returned,), "score": (S.council,), "close": (S.council,),
    "certify": (S.approved,),
}


def expect(dossier: OcopDossier, step: str) -> None:
    """Refuse ``step`` unless the dossier is in a state that allows it (409)."""
    allowed = ALLOWED_FROM[step]
    if dossier.status not in allowed:
        wanted = ", ".join(f"«{STATUS_VI[s]}»" for s in allowed)
        raise Conflict(f"Không thể {STEP_VI[step]}: hồ sơ đang ở trạng thái "
                       f"«{STATUS_VI[dossier.status]}»; bước này chỉ làm được khi hồ sơ ở "
                       f"trạng thái {wanted}.")


def record_step(session: Session, dossier: OcopDossier, step: str, who: Principal | None,
            to: DossierStatus, note: str | None = None) -> OcopEvent:
    assert dossier.id is not None
    event = OcopEvent(dossier_id=dossier.id, step=step, from_status=dossier.status.value,
                      to_status=to.value, level=dossier.level,
                      actor_id=who.id if who else None, note=note)
    dossier.status = to
    dossier.updated_at = utcnow()
    session.add(event)
    session.add(dossier)
    log.info("dossier %s: %s → %s (%s) by %s", dossier.id, event.from_status, to.value,
             step, event.actor_id)
    return event


def parse_answers(raw: Mapping[str, object]) -> dict[str, AnswerValue]:
    """Answers from JSON or a form: ``"1.1.3"`` (option), a number, or ``{option, points}``."""
    out: dict[str, AnswerValue] = {}
    for code, value in raw.items():
        if isinstance(value, dict):
            out[code] = Answer(option=value.get("option"), points=value.get("points"))
        elif isinstance(value, str | int | float) and not isinstance(value, bool):
            out[code] = value
        else:
            raise Invalid(f"Câu trả lời cho tiêu chí {code!r} không hợp lệ.")
    return out


def _split(answer: AnswerValue) -> str | None:
    if isinstance(answer, Answer):
        return answer.option
    return answer if isinstance(answer, str) else None


def open_dossier(session: Session, who: Principal, product: OcopProduct, org: Organisation,
                 today: date | None = None) -> OcopDossier:
    """Open a draft dossier (first evaluation, or re-evaluation to renew a certificate)."""
    require_coop_admin(who, org)
    subject_type(org)
    day = today or date.today()
    try:
        criteria = criteria_set_for(Subgroup(product.subgroup), day)
    except OcopError:
        raise Invalid("Chưa có bộ tiêu chí OCOP cho nhóm sản phẩm này vào ngày "
                      f"{day:%d/%m/%Y}.") from None
    busy = session.exec(select(OcopDossier).where(
        OcopDossier.product_id == product.id,
        col(OcopDossier.status).in_([s.value for s in OPEN_STATUSES]))).first()
    if busy is not None:
        raise Conflict(f"Sản phẩm đã có hồ sơ số {busy.id} đang xử lý "
                       f"(«{STATUS_VI[busy.status]}»).")
    assert product.id is not None
    dossier = OcopDossier(product_id=product.id, criteria_set=criteria.key, created_by=who.id)
    session.add(dossier)
    session.flush()
    assert dossier.id is not None
    session.add(OcopEvent(dossier_id=dossier.id, step="open", from_status=None,
                          to_status=S.draft.value, actor_id=who.id))
    return dossier


def self_result(session: Session, dossier: OcopDossier) -> AssessmentResult:
    rows = session.exec(select(OcopAnswer).where(OcopAnswer.dossier_id == dossier.id)).all()
    answers: dict[str, AnswerValue] = {
        r.criterion: Answer(option=r.option, points=r.points) for r in rows}
    return score_assessment(dossier.criteria_set, answers)


def save_self_assessment(session: Session, who: Principal, dossier: OcopDossier,
                         org: Organisation, answers: Mapping[str, AnswerValue]) -> AssessmentResult:
    """Replace the co-op's self-assessment; the server scores it with :mod:`ocop`."""
    require_coop_admin(who, org)
    expect(dossier, "self_assessment")
    try:
        points = criterion_points(dossier.criteria_set, answers)
        result = score_assessment(dossier.criteria_set, answers)
    except OcopError as exc:
        raise Invalid(f"Tự đánh giá không hợp lệ: {exc}") from None
    session.exec(delete(OcopAnswer).where(col(OcopAnswer.dossier_id) == dossier.id))
    assert dossier.id is not None
    for code, value in answers.items():
        session.add(OcopAnswer(dossier_id=dossier.id, criterion=code, option=_split(value),
                               points=points[code]))
    dossier.self_total, dossier.self_stars = result.total, result.stars
    record_step(session, dossier, "self_assessment", who, dossier.status,
            note=f"{result.total:g} điểm")
    return result


def submit(session: Session, who: Principal, dossier: OcopDossier, org: Organisation,
           today: date | None = None) -> OcopDossier:
    """Submit a complete self-assessment; the rules of ``today`` decide the first body.

    :func:`ocop.certificates.first_level`: from 06/07/2025 the commune pre-check
    (1489/QĐ-TTg); 01–05/07/2025 the province council (no district exists); until
    30/06/2025 the district council (148/QĐ-TTg).
    """
    require_coop_admin(who, org)
    expect(dossier, "submit")
    if dossier.self_total is None or not self_result(session, dossier).complete:
        missing = self_result(session, dossier).unanswered
        raise Invalid("Cần tự đánh giá đủ mọi tiêu chí trước khi nộp hồ sơ"
                      + (f" (còn thiếu {len(missing)} tiêu chí)." if missing else "."))
    day = today or date.today()
    dossier.rules_date = day
    level = first_level(day)
    dossier.level = level.value
    record_step(session, dossier, "submit", who,
                S.precheck if level is EvaluationLevel.COMMUNE else S.council,
                note=f"Chuyển {level.vi.lower()} theo quy định ngày {day:%d/%m/%Y}")
    return dossier


#: The commune's pre-check (1489/QĐ-TTg, Phụ lục II as amended): origin and local
#: resources, the product idea and the cultural identity of its story; see docs/ocop.md.
PRECHECK_ITEMS: dict[str, str] = {
    "origin": "xuất xứ sản phẩm tại địa phương",
    "raw_material": "nguồn gốc nguyên liệu địa phương",
    "labour": "lao động địa phương",
    "idea": "nguồn gốc ý tưởng sản phẩm",
    "cultural_identity": "bản sắc văn hóa, trí tuệ địa phương",
}


def precheck(session: Session, who: Principal, dossier: OcopDossier, org: Organisation,
             checks: Mapping[str, bool], note: str | None = None) -> OcopDossier:
    """Commune pre-check by a commune official of the applicant's commune.

    Every item of :data:`PRECHECK_ITEMS` must be given; any one failing rejects.
    """
    expect(dossier, "precheck")
    council.require_commune_official(session, who, org)
    unknown = sorted(set(checks) - set(PRECHECK_ITEMS))
    missing = [PRECHECK_ITEMS[k] for k in PRECHECK_ITEMS if k not in checks]
    if unknown or missing:
        raise Invalid("Kiểm tra sơ bộ phải ghi đủ các mục: " + ", ".join(PRECHECK_ITEMS.values())
                      + (f" (thiếu: {', '.join(missing)})" if missing else "")
                      + (f" (mục lạ: {', '.join(unknown)})" if unknown else "") + ".")
    failed = [PRECHECK_ITEMS[k] for k in PRECHECK_ITEMS if not checks[k]]
    text = ("Đạt: " + ", ".join(PRECHECK_ITEMS.values())) if not failed else (
        "Không đạt: " + ", ".join(failed))
    if note:
        text += f". {note}"
    if failed:
        record_step(session, dossier, "precheck", who, S.rejected, note=text)
        return dossier
    record_step(session, dossier, "precheck", who, S.council, note=text)
    dossier.level = EvaluationLevel.PROVINCE.value
    return dossier


def return_dossier(session: Session, who: Principal, dossier: OcopDossier, org: Organisation,
                   reason: str) -> OcopDossier:
    """Send the dossier back for more documents; it comes back to the same level.

    The commune official at the pre-check; the chair or secretary at a council.
    """
    expect(dossier, "return")
    if dossier.level == EvaluationLevel.COMMUNE.value:
        council.require_commune_official(session, who, org)
    else:
        assert dossier.level is not None
        council.require_closer(session, who, org, dossier.level)
    if not reason or not reason.strip():
        raise Invalid("Cần ghi lý do trả lại hồ sơ (tài liệu cần bổ sung).")
    record_step(session, dossier, "return", who, S.returned, note=reason.strip()[:2000])
    return dossier


def resubmit(session: Session, who: Principal, dossier: OcopDossier,
             org: Organisation) -> OcopDossier:
    require_coop_admin(who, org)
    expect(dossier, "resubmit")
    back = S.precheck if dossier.level == EvaluationLevel.COMMUNE.value else S.council
    record_step(session, dossier, "resubmit", who, back)
    return dossier


def record_scores(session: Session, who: Principal, dossier: OcopDossier, org: Organisation,
                  answers: Mapping[str, AnswerValue],
                  today: date | None = None) -> AssessmentResult:
    """One council member's sheet at the current level (replaces their earlier one)."""
    expect(dossier, "score")
    levels.reroute(session, dossier, today or date.today())
    assert dossier.level is not None
    council.require_scorer(session, who, org, dossier.level)
    try:
        points = criterion_points(dossier.criteria_set, answers)
        result = score_assessment(dossier.criteria_set, answers)
    except OcopError as exc:
        raise Invalid(f"Phiếu chấm không hợp lệ: {exc}") from None
    if not result.complete:
        raise Invalid(f"Phiếu chấm của hội đồng phải chấm đủ mọi tiêu chí (còn thiếu "
                      f"{len(result.unanswered)}).")
    assert dossier.id is not None and dossier.level is not None
    session.exec(delete(OcopCouncilScore).where(
        col(OcopCouncilScore.dossier_id) == dossier.id,
        col(OcopCouncilScore.level) == dossier.level,
        col(OcopCouncilScore.evaluator_id) == who.id))
    for code, value in answers.items():
        session.add(OcopCouncilScore(dossier_id=dossier.id, level=dossier.level,
                                     evaluator_id=who.id, criterion=code,
                                     option=_split(value), points=points[code]))
    record_step(session, dossier, "score", who, dossier.status, note=f"{result.total:g} điểm")
    return result


def council_sheets(session: Session, dossier: OcopDossier,
                   level: str | None = None) -> dict[int, dict[str, AnswerValue]]:
    """Each member's answers at ``level`` (default: the current one), by evaluator id."""
    rows = session.exec(select(OcopCouncilScore).where(
        OcopCouncilScore.dossier_id == dossier.id,
        OcopCouncilScore.level == (level or dossier.level))
        .order_by(col(OcopCouncilScore.evaluator_id))).all()
    sheets: dict[int, dict[str, AnswerValue]] = {}
    for r in rows:
        sheets.setdefault(r.evaluator_id, {})[r.criterion] = Answer(option=r.option,
                                                                    points=r.points)
    return sheets


def close_council(session: Session, who: Principal, dossier: OcopDossier, org: Organisation,
                  present: Sequence[int] | None = None,
                  today: date | None = None) -> AssessmentResult:
    """The chair or secretary closes the session under :mod:`ocop.council`'s rules.

    Refused (409) without quorum (3/4 of the eligible members with the chair), while a
    member present has no sheet, or when totals differ by more than 10 points (members
    re-score). The result is the mean of the present members' sheets; then the dossier
    moves on a level, is approved, or rejected (< 3★).
    """
    expect(dossier, "close")
    levels.reroute(session, dossier, today or date.today())
    assert dossier.level is not None
    council.require_closer(session, who, org, dossier.level)
    sheets = council_sheets(session, dossier)
    decided = council.decide(session, dossier, org, sheets, present, who)
    counted = [sheets[uid] for uid in decided.totals]
    result = average_assessments(dossier.criteria_set, counted)
    dossier.result_total, dossier.result_stars = result.total, result.stars
    note = (f"{decided.present} thành viên dự họp (cần {decided.quorum}); trung bình "
            f"{len(counted)} phiếu: {result.total:.2f} điểm, {result.stars}★; chênh lệch "
            f"{decided.spread:g} điểm")
    if result.stars < 3:
        record_step(session, dossier, "close", who, S.rejected, note=note)
        return result
    assert dossier.rules_date is not None
    here = EvaluationLevel(dossier.level)
    needed = evaluation_level(result.stars, dossier.rules_date)
    if not level_exists(needed, today or date.today()):
        needed = EvaluationLevel.PROVINCE  # the district's work passed to the province
    if LEVEL_ORDER.index(needed) > LEVEL_ORDER.index(here):
        path = evaluation_path(result.stars, dossier.rules_date)
        nxt = next(lv for lv in path if LEVEL_ORDER.index(lv) > LEVEL_ORDER.index(here))
        record_step(session, dossier, "close", who, S.council,
                    note=f"{note}; chuyển lên {nxt.vi}")
        dossier.level = nxt.value
        return result
    record_step(session, dossier, "close", who, S.approved, note=f"{note}; {needed.vi} cấp giấy")
    dossier.level = needed.value
    return result


def events(session: Session, dossier: OcopDossier) -> list[OcopEvent]:
    return list(session.exec(select(OcopEvent).where(OcopEvent.dossier_id == dossier.id)
                             .order_by(col(OcopEvent.id))).all())
