"""Council rules: who scores, quorum, allowed spread, final score, conflicts of interest.

Sources, newest national text first (see docs/ocop.md for the full reading):

- Decision 148/QĐ-TTg (24/02/2023), Phụ lục II mục 4, as amended by Decision
  1489/QĐ-TTg (06/07/2025): each level's People's Committee founds the council and issues
  its working rules (quy chế); each member scores the product on the scoring sheet
  (phiếu đánh giá) on their own; the council discusses the qualitative criteria; the
  result is the members' average (tổng điểm trung bình), which gives the stars. Since
  1489 the commune (UBND cấp xã) only pre-checks the dossier; the province council
  scores 3★–4★ and sends ≥ 90 points to the ministry's central council (5★).
- The national texts leave quorum and spread to each province's quy chế. The provincial
  rules found agree: at least three quarters of the members present, the chair among
  them; members' totals may not differ by more than 10 points, otherwise the council
  discusses and the members re-score; the result is the arithmetic mean of the members'
  totals (Tây Ninh and Đồng Tháp council rules). Those values are :data:`PROVINCIAL`.
- A member of the applicant (HTX, DN, THT, hộ SXKD) never scores its product: the
  council's independence (khách quan, công tâm) in the same rules; such a member is left
  out of the roster counted for that dossier, so quorum is counted without them.

Pure functions over plain numbers; the server stores rosters and sheets.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Collection, Mapping

from ocop.errors import OcopError

__all__ = [
    "PROVINCIAL",
    "SCORING_ROLES",
    "ConflictOfInterestError",
    "CouncilError",
    "CouncilRole",
    "CouncilRules",
    "CouncilResult",
    "MissingSheetsError",
    "NoQuorumError",
    "SpreadError",
    "check_conflict",
    "council_result",
]


class CouncilError(OcopError):
    """A council step the rules refuse; ``reason`` is a short stable code."""

    reason = "council"


class NoQuorumError(CouncilError):
    """Fewer members present than the quorum, or the chair absent."""

    reason = "no_quorum"


class SpreadError(CouncilError):
    """Members' totals differ by more than the allowed spread: they must re-score."""

    reason = "spread"

    def __init__(self, message: str, low: int, high: int, spread: float) -> None:
        super().__init__(message)
        self.low, self.high, self.spread = low, high, spread


class MissingSheetsError(CouncilError):
    """A member present has not handed in a score sheet."""

    reason = "scores_missing"


class ConflictOfInterestError(CouncilError):
    """A member of the applicant tried to score or pre-check its product."""

    reason = "conflict_of_interest"


class CouncilRole(enum.StrEnum):
    """Roles in OCOP evaluation (each a separate duty, never one catch-all evaluator)."""

    COMMUNE_OFFICIAL = "commune_official"  # cán bộ UBND cấp xã: pre-check only
    CHAIR = "chair"  # Chủ tịch Hội đồng: scores; must be present
    MEMBER = "member"  # Ủy viên: scores
    SECRETARY = "secretary"  # Ủy viên kiêm Thư ký: scores, keeps the minutes, closes
    CENTRAL = "central"  # thành viên Hội đồng cấp trung ương (Bộ NN&MT): scores 5★

    @property
    def vi(self) -> str:
        """Vietnamese name."""
        return _ROLE_VI[self]


_ROLE_VI = {
    CouncilRole.COMMUNE_OFFICIAL: "Cán bộ UBND cấp xã (kiểm tra sơ bộ)",
    CouncilRole.CHAIR: "Chủ tịch Hội đồng",
    CouncilRole.MEMBER: "Ủy viên Hội đồng",
    CouncilRole.SECRETARY: "Ủy viên kiêm Thư ký Hội đồng",
    CouncilRole.CENTRAL: "Thành viên Hội đồng cấp trung ương",
}

#: Roles whose members hand in score sheets.
SCORING_ROLES = frozenset(
    {CouncilRole.CHAIR, CouncilRole.MEMBER, CouncilRole.SECRETARY, CouncilRole.CENTRAL})


@dataclasses.dataclass(frozen=True, slots=True)
class CouncilRules:
    """Quorum and spread of one council."""

    quorum_numerator: int = 3
    quorum_denominator: int = 4
    chair_required: bool = True
    max_spread: float = 10.0
    source: str = ""

    def quorum(self, roster: int) -> int:
        """Members who must be present out of ``roster`` eligible members (rounded up)."""
        return max(1, math.ceil(roster * self.quorum_numerator / self.quorum_denominator))


PROVINCIAL = CouncilRules(
    source=("Quy chế hoạt động Hội đồng đánh giá, phân hạng sản phẩm OCOP cấp tỉnh "
            "(Tây Ninh; Đồng Tháp): ít nhất 3/4 thành viên dự họp, có Chủ tịch Hội đồng; "
            "điểm các thành viên không chênh lệch quá 10 điểm, quá thì thảo luận và chấm "
            "lại; kết quả là điểm trung bình cộng. QĐ 148/QĐ-TTg Phụ lục II mục 4 (sửa "
            "đổi bởi QĐ 1489/QĐ-TTg): thành viên chấm theo phiếu, lấy tổng điểm trung bình."))


@dataclasses.dataclass(frozen=True, slots=True)
class CouncilResult:
    """The members' totals and their mean (the council's final score)."""

    totals: Mapping[int, float]
    mean: float
    spread: float
    present: int
    quorum: int


def check_conflict(member_orgs: Collection[int], applicant_org: int) -> None:
    """Refuse a member of the applicant organisation (:class:`ConflictOfInterestError`)."""
    if applicant_org in member_orgs:
        raise ConflictOfInterestError(
            "Thành viên của chủ thể không được chấm điểm hay kiểm tra sản phẩm của chính "
            "chủ thể mình (xung đột lợi ích).")


def council_result(rules: CouncilRules, roster: Collection[int], chairs: Collection[int],
                   present: Collection[int], totals: Mapping[int, float]) -> CouncilResult:
    """Check the session and return the final score, or raise the first broken rule.

    ``roster`` are the eligible scoring members (conflicted members already left out),
    ``chairs`` the chair(s) among them, ``present`` who attended, ``totals`` each sheet's
    total by member. Order: quorum, chair, sheets of everyone present, spread.
    """
    eligible = set(roster)
    here = set(present) & eligible
    needed = rules.quorum(len(eligible))
    if not eligible:
        raise NoQuorumError("Hội đồng chưa có thành viên nào được chấm hồ sơ này.")
    if len(here) < needed:
        raise NoQuorumError(
            f"Không đủ số thành viên dự họp: có {len(here)}/{len(eligible)}, cần ít nhất "
            f"{needed} ({rules.quorum_numerator}/{rules.quorum_denominator}).")
    if rules.chair_required and not here & set(chairs):
        raise NoQuorumError("Phiên đánh giá phải có Chủ tịch Hội đồng dự họp.")
    missing = sorted(here - set(totals))
    if missing:
        raise MissingSheetsError(
            f"Còn {len(missing)} thành viên dự họp chưa nộp phiếu chấm điểm.")
    counted = {m: float(totals[m]) for m in sorted(here)}
    low = min(counted, key=lambda m: (counted[m], m))
    high = max(counted, key=lambda m: (counted[m], -m))
    spread = counted[high] - counted[low]
    if spread > rules.max_spread + 1e-9:
        raise SpreadError(
            f"Điểm các thành viên chênh lệch {spread:.2f} điểm (thấp nhất {counted[low]:g}, "
            f"cao nhất {counted[high]:g}), quá {rules.max_spread:g} điểm cho phép: Hội đồng "
            "thảo luận và các thành viên chấm lại.", low, high, spread)
    mean = math.fsum(counted.values()) / len(counted)
    return CouncilResult(totals=counted, mean=mean, spread=spread, present=len(here),
                         quorum=needed)
