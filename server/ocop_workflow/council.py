"""OCOP councils: rosters, who may pre-check, score and close, and the council's decision.

The rules are :mod:`ocop.council` (quorum 3/4 with the chair, spread ≤ 10 points,
final score the members' mean, no member of the applicant); this module finds the
roster a dossier is judged by and turns a broken rule into a clear 409/403:

- province council: seats at level ``province`` of authorities in the applicant's
  province (chair, members, secretary); the chair or the secretary closes the session;
- central council: seats at level ``central``; while none is recorded, platform admins
  record the ministry's result on its behalf (the ministry runs its own council);
- commune pre-check: seats with role ``commune_official`` at level ``commune`` for the
  applicant's commune (the seat's ``commune_code``, else its authority's);
- district councils (148/2023, until 30/06/2025): seats at level ``district`` of
  authorities in the province.

Anyone who is a member of the applicant organisation is left out of its roster.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlmodel import Session, col, select

from ocop.certificates import EvaluationLevel
from ocop.council import (
    PROVINCIAL,
    SCORING_ROLES,
    CouncilError,
    CouncilResult,
    CouncilRole,
    check_conflict,
    council_result,
)
from ocop.scoring import AnswerValue, score_assessment
from server.deps import Principal
from server.errors import Conflict, Forbidden
from server.models import Membership, Organisation
from server.models.ocop import OcopCouncilMember, OcopDossier

__all__ = ["commune_officials", "decide", "level_roster", "require_closer",
           "require_commune_official", "require_scorer", "seat_of"]

_CENTRAL = EvaluationLevel.CENTRAL.value
_COMMUNE = EvaluationLevel.COMMUNE.value


def _applicant_members(session: Session, org: Organisation) -> set[int]:
    rows = session.exec(select(Membership.user_id).where(
        Membership.organisation_id == org.id)).all()
    return set(rows)


def _seats(session: Session, level: str, org: Organisation) -> list[OcopCouncilMember]:
    query = (select(OcopCouncilMember, Organisation)
             .join(Organisation, col(Organisation.id) == OcopCouncilMember.organisation_id)
             .where(OcopCouncilMember.level == level, col(OcopCouncilMember.active).is_(True))
             .order_by(col(OcopCouncilMember.id)))
    out = []
    for seat, authority in session.exec(query).all():
        if level == _CENTRAL:
            out.append(seat)
        elif level == _COMMUNE:
            commune = seat.commune_code or authority.commune_code
            if commune is not None and commune == org.commune_code:
                out.append(seat)
        elif authority.province_code == org.province_code:
            out.append(seat)
    return out


def level_roster(session: Session, level: str, org: Organisation) -> list[OcopCouncilMember]:
    """Scoring seats judging ``org``'s dossiers at ``level``, its own members left out."""
    own = _applicant_members(session, org)
    return [s for s in _seats(session, level, org)
            if s.role in SCORING_ROLES and s.user_id not in own]


def commune_officials(session: Session, org: Organisation) -> list[OcopCouncilMember]:
    """Commune officials who pre-check ``org``'s dossiers (never its own members)."""
    own = _applicant_members(session, org)
    return [s for s in _seats(session, _COMMUNE, org)
            if s.role == CouncilRole.COMMUNE_OFFICIAL and s.user_id not in own]


def seat_of(session: Session, who: Principal, level: str,
            org: Organisation) -> OcopCouncilMember | None:
    for seat in _seats(session, level, org):
        if seat.user_id == who.id:
            return seat
    return None


def _no_conflict(who: Principal, org: Organisation) -> None:
    assert org.id is not None
    try:
        check_conflict(who.roles.keys(), org.id)
    except CouncilError as exc:
        raise Forbidden(str(exc)) from None


def _admin_records_central(session: Session, who: Principal, level: str,
                           org: Organisation) -> bool:
    return level == _CENTRAL and who.is_admin and not level_roster(session, level, org)


def require_commune_official(session: Session, who: Principal, org: Organisation) -> None:
    """Only a commune official of the applicant's commune pre-checks (403 otherwise)."""
    _no_conflict(who, org)
    seat = seat_of(session, who, _COMMUNE, org)
    if seat is None or seat.role != CouncilRole.COMMUNE_OFFICIAL:
        raise Forbidden("Chỉ cán bộ UBND cấp xã nơi chủ thể đăng ký mới kiểm tra sơ bộ hồ sơ "
                        f"(xã {org.commune_code or 'chưa ghi'}).")


def require_scorer(session: Session, who: Principal, org: Organisation, level: str) -> None:
    """Only a scoring member of the council at ``level`` hands in a sheet (403 otherwise)."""
    _no_conflict(who, org)
    if _admin_records_central(session, who, level, org):
        return
    seat = seat_of(session, who, level, org)
    if seat is None or seat.role not in SCORING_ROLES:
        raise Forbidden(f"Chỉ thành viên Hội đồng OCOP {EvaluationLevel(level).vi.lower()} "
                        "có quyền chấm điểm mới nộp được phiếu chấm.")


def require_closer(session: Session, who: Principal, org: Organisation, level: str) -> None:
    """Only the chair or the secretary closes the session (403 otherwise)."""
    _no_conflict(who, org)
    if _admin_records_central(session, who, level, org):
        return
    seat = seat_of(session, who, level, org)
    if seat is None or seat.role not in (CouncilRole.CHAIR, CouncilRole.SECRETARY):
        raise Forbidden("Chỉ Chủ tịch hoặc Thư ký Hội đồng mới kết luận phiên đánh giá.")


def decide(session: Session, dossier: OcopDossier, org: Organisation,
           sheets: Mapping[int, Mapping[str, AnswerValue]], present: Sequence[int] | None,
           who: Principal) -> CouncilResult:
    """Apply the council rules to the sheets at the dossier's level (409 with the reason).

    ``present`` are the user ids at the session; by default, the members who handed in a
    sheet. Sheets of people not on the roster do not count.
    """
    assert dossier.level is not None
    totals = {uid: score_assessment(dossier.criteria_set, answers).total
              for uid, answers in sheets.items()}
    if _admin_records_central(session, who, dossier.level, org):
        here = sorted(totals)
        return council_result(PROVINCIAL, here, here, here, totals)
    roster = level_roster(session, dossier.level, org)
    members = [s.user_id for s in roster]
    chairs = [s.user_id for s in roster if s.role in (CouncilRole.CHAIR, CouncilRole.CENTRAL)]
    attending = list(present) if present is not None else [u for u in totals if u in members]
    try:
        return council_result(PROVINCIAL, members, chairs, attending, totals)
    except CouncilError as exc:
        refused = Conflict(str(exc))
        refused.code = exc.reason  # no_quorum, scores_missing, spread
        raise refused from None
