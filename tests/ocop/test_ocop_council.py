"""Council rules (ocop.council): quorum, chair, sheets, spread, mean, conflicts."""

from __future__ import annotations

import pytest

from ocop.council import (
    PROVINCIAL,
    ConflictOfInterestError,
    CouncilRole,
    MissingSheetsError,
    NoQuorumError,
    SpreadError,
    check_conflict,
    council_result,
)

ROSTER = [1, 2, 3, 4, 5, 6, 7, 8, 9]  # e.g. Quảng Nam 2021: chair, 2 vice-chairs, 6 members
CHAIRS = [1]


def test_quorum_is_three_quarters_rounded_up() -> None:
    assert [PROVINCIAL.quorum(n) for n in (1, 2, 3, 4, 5, 8, 9)] == [1, 2, 3, 3, 4, 6, 7]


def test_missing_quorum_is_refused_with_the_numbers() -> None:
    totals = dict.fromkeys(range(1, 7), 80.0)
    with pytest.raises(NoQuorumError, match="có 6/9, cần ít nhất 7"):
        council_result(PROVINCIAL, ROSTER, CHAIRS, list(totals), totals)


def test_the_chair_must_attend() -> None:
    totals = dict.fromkeys(range(2, 10), 80.0)
    with pytest.raises(NoQuorumError, match="Chủ tịch"):
        council_result(PROVINCIAL, ROSTER, CHAIRS, list(totals), totals)


def test_every_member_present_hands_in_a_sheet() -> None:
    totals = dict.fromkeys(range(1, 8), 80.0)
    with pytest.raises(MissingSheetsError, match="1 thành viên"):
        council_result(PROVINCIAL, ROSTER, CHAIRS, range(1, 9), totals)


def test_spread_beyond_ten_points_means_re_scoring() -> None:
    totals = {1: 78.0, 2: 80.0, 3: 81.0, 4: 88.5, 5: 79.0, 6: 77.0, 7: 82.0}
    with pytest.raises(SpreadError, match="chênh lệch 11.50 điểm") as caught:
        council_result(PROVINCIAL, ROSTER, CHAIRS, list(totals), totals)
    assert (caught.value.low, caught.value.high, caught.value.reason) == (6, 4, "spread")
    totals[4] = 87.0  # member 4 re-scores: spread exactly 10 is allowed
    result = council_result(PROVINCIAL, ROSTER, CHAIRS, list(totals), totals)
    assert result.spread == 10.0


def test_final_score_is_the_mean_of_the_members_present() -> None:
    totals = {1: 78.0, 2: 80.0, 3: 81.0, 4: 85.0, 5: 79.0, 6: 77.0, 7: 82.0, 99: 20.0}
    result = council_result(PROVINCIAL, ROSTER, CHAIRS, [1, 2, 3, 4, 5, 6, 7, 99], totals)
    # 99 is not on the roster: neither counted for quorum nor averaged
    assert result.mean == pytest.approx(562 / 7) and result.present == 7
    assert sorted(result.totals) == [1, 2, 3, 4, 5, 6, 7] and result.quorum == 7


def test_a_member_of_the_applicant_never_scores_it() -> None:
    check_conflict({10, 11}, 12)
    with pytest.raises(ConflictOfInterestError, match="xung đột lợi ích"):
        check_conflict({10, 12}, 12)


def test_roles_have_vietnamese_names() -> None:
    assert CouncilRole.SECRETARY.vi == "Ủy viên kiêm Thư ký Hội đồng"
    assert "xã" in CouncilRole.COMMUNE_OFFICIAL.vi


def test_levels_by_date_across_july_2025() -> None:
    import datetime

    from ocop.certificates import EvaluationLevel as L
    from ocop.certificates import evaluation_path, first_level, level_exists

    d = datetime.date
    assert [first_level(x) for x in (d(2025, 6, 30), d(2025, 7, 1), d(2025, 7, 6))] == [
        L.DISTRICT, L.PROVINCE, L.COMMUNE]
    assert evaluation_path(3, d(2025, 6, 30)) == (L.DISTRICT,)
    assert evaluation_path(3, d(2025, 7, 1)) == (L.PROVINCE,)
    assert evaluation_path(5, d(2025, 7, 5)) == (L.PROVINCE, L.CENTRAL)
    assert evaluation_path(4, d(2025, 7, 6)) == (L.COMMUNE, L.PROVINCE)
    assert level_exists(L.DISTRICT, d(2025, 6, 30)) and not level_exists(L.DISTRICT, d(2025, 7, 1))
