"""Scoring filled assessments: validation, part totals, caps by mandatory criteria."""

from __future__ import annotations

import math
from collections.abc import Mapping

import pytest

from ocop.criteria import QD148_FRESH_PRODUCE, QD1048_FRESH_PRODUCE
from ocop.errors import (
    InvalidAnswerError,
    NoCriteriaSetError,
    OcopError,
    UnknownCriterionError,
    UnknownOptionError,
)
from ocop.model import CriteriaSet, Part
from ocop.scoring import (
    Answer,
    AnswerValue,
    AssessmentResult,
    UnmetRequirement,
    average_assessments,
    criterion_points,
    score_assessment,
)

Q = QD148_FRESH_PRODUCE


def best(criteria: CriteriaSet) -> dict[str, AnswerValue]:
    return {c.code: max(c.options, key=lambda o: o.points).code for c in criteria.criteria}


def test_full_marks() -> None:
    result = score_assessment(Q, best(Q))
    assert (result.part_a, result.part_b, result.part_c) == (40, 25, 35)
    assert result.part_totals == {Part.A: 40, Part.B: 25, Part.C: 35}
    assert result.total == 100
    assert result.stars == 5 and not result.capped and result.certifiable
    assert result.complete and result.unmet_mandatory == () and result.unanswered == ()
    assert result.criteria_set == "qd148-2023/fresh-produce"


def test_legacy_full_marks_by_key() -> None:
    result = score_assessment("qd1048-2019/fresh-produce", best(QD1048_FRESH_PRODUCE))
    assert (result.part_a, result.part_b, result.part_c) == (35, 25, 40)
    assert result.stars == 5


def test_empty_assessment_scores_zero() -> None:
    result = score_assessment(Q, {})
    assert result.total == 0 and result.stars == 1 and not result.capped
    assert set(result.unanswered) == {c.code for c in Q.criteria}
    assert set(result.unmet_mandatory) == {"5.2", "9.1", "10.1"}
    assert not result.complete and not result.certifiable


def test_options_points_and_partial_answers() -> None:
    answers: dict[str, AnswerValue] = {
        "1.1": "1.1.3",  # option: 5 points
        "1.2": 2,  # points
        "1.3": 1.5,  # fractional points
        "1.4": Answer(option="1.4.4", points=2.5),  # partial credit of a 3-point option
        "1.5": Answer(option="1.5.2"),  # option in an Answer
        "1.6": Answer(points=1),
    }
    points = criterion_points(Q, answers)
    assert points == {"1.1": 5, "1.2": 2, "1.3": 1.5, "1.4": 2.5, "1.5": 2, "1.6": 1}
    result = score_assessment(Q, answers)
    assert result.part_a == 14 and result.part_b == 0 and result.total == 14
    assert result.points["1.4"] == 2.5 and result.points["2.1"] == 0


def test_points_mapping_is_read_only() -> None:
    result = score_assessment(Q, {"1.1": "1.1.1"})
    with pytest.raises(TypeError):
        result.points["1.1"] = 5  # type: ignore[index]


@pytest.mark.parametrize(
    ("answers", "error"),
    [
        ({"99.1": 1}, UnknownCriterionError),
        ({"": 1}, UnknownCriterionError),
        ({"1.1": "1.1.9"}, UnknownOptionError),
        ({"1.1": "2.1.1"}, UnknownOptionError),
        ({"1.1": 5.01}, InvalidAnswerError),  # beyond the criterion's maximum
        ({"1.1": 6}, InvalidAnswerError),
        ({"1.1": -1}, InvalidAnswerError),
        ({"1.1": math.nan}, InvalidAnswerError),
        ({"1.1": math.inf}, InvalidAnswerError),
        ({"1.1": True}, InvalidAnswerError),
        ({"1.1": None}, InvalidAnswerError),
        ({"1.1": [1]}, InvalidAnswerError),
        ({"1.1": Answer()}, InvalidAnswerError),
        ({"1.1": Answer(option="1.1.1", points=2)}, InvalidAnswerError),  # > option's 1
        ({"1.1": Answer(option="1.1.2", points=-0.5)}, InvalidAnswerError),
        ({"1.1": Answer(option="nope")}, UnknownOptionError),
    ],
)
def test_invalid_answers_refused(
    answers: Mapping[str, AnswerValue], error: type[Exception]
) -> None:
    with pytest.raises(error):
        score_assessment(Q, answers)
    assert issubclass(error, OcopError) and issubclass(error, ValueError)


def test_decimal_points_and_odd_keys() -> None:
    from decimal import Decimal

    assert criterion_points(Q, {"1.1": Decimal("2.5")}) == {"1.1": 2.5}
    with pytest.raises(InvalidAnswerError):
        criterion_points(Q, {"1.1": Decimal("sNaN")})
    with pytest.raises(UnknownCriterionError):
        criterion_points(Q, {(1, 1): 1})  # type: ignore[dict-item]


def test_unknown_criteria_set_key() -> None:
    with pytest.raises(NoCriteriaSetError):
        score_assessment("nope", {})


def test_answers_must_be_a_mapping() -> None:
    with pytest.raises(InvalidAnswerError):
        score_assessment(Q, [("1.1", 1)])  # type: ignore[arg-type]


def _with(answers: dict[str, AnswerValue], **points: AnswerValue) -> dict[str, AnswerValue]:
    changed = dict(answers)
    changed.update({code.replace("_", "."): v for code, v in points.items()})
    return changed


def test_unmet_mandatory_caps_below_three_stars_whatever_the_total() -> None:
    # Everything at maximum except 9.1 (published standard): 98 points, but the
    # criterion marked *** for 3 stars is not met -> capped at 2 stars.
    answers = _with(best(Q), **{"9_1": "9.1.2"})  # "has a standard" (1), not published
    result = score_assessment(Q, answers)
    assert result.total == 99
    assert result.uncapped_stars == 5
    assert result.stars == 2 and result.capped and not result.certifiable
    assert result.unmet_mandatory == ("9.1",)
    assert UnmetRequirement("9.1", 3, 2.0, 1.0) in result.unmet_requirements


@pytest.mark.parametrize("code", ["5.2", "9.1", "10.1"])
def test_each_mandatory_criterion_left_out_caps(code: str) -> None:
    answers = best(Q)
    del answers[code]
    result = score_assessment(Q, answers)
    assert result.total >= 90
    assert result.stars == 2 and result.capped
    assert result.unmet_mandatory == (code,)
    assert result.unanswered == (code,)


def test_zero_points_on_mandatory_is_not_met() -> None:
    result = score_assessment(Q, _with(best(Q), **{"10_1": 0}))
    assert result.stars == 2 and "10.1" in result.unmet_mandatory


def test_partial_points_below_the_marked_option_are_not_met() -> None:
    result = score_assessment(Q, _with(best(Q), **{"5_2": 2.9}))
    assert result.stars == 2 and result.unmet_mandatory == ("5.2",)
    at_minimum = score_assessment(Q, _with(best(Q), **{"5_2": 3}))
    assert at_minimum.unmet_mandatory == ()
    # 3 points meets the 3-star minimum but not the 4-star one (5 points).
    assert at_minimum.stars == 3 and at_minimum.capped


def test_low_total_is_not_marked_capped() -> None:
    result = score_assessment(Q, {"1.1": "1.1.3"})
    assert result.stars == 1 and result.uncapped_stars == 1 and not result.capped
    assert result.unmet_mandatory == ("5.2", "9.1", "10.1")


def test_four_and_five_star_requirements_cap() -> None:
    # The 5-star marked option of 1.2 missed: 5 stars capped to 4.
    five = score_assessment(Q, _with(best(Q), **{"1_2": "1.2.2"}))
    assert five.total == 99 and five.stars == 4 and five.capped
    assert five.unmet_mandatory == ()
    assert [(u.criterion, u.stars) for u in five.unmet_requirements] == [("1.2", 5)]
    # The 4-star marked trademark criterion left out: capped to 3.
    answers = best(Q)
    del answers["3.6"]
    four = score_assessment(Q, answers)
    assert four.total == 98 and four.stars == 3 and four.capped


def test_legacy_mandatory_flag() -> None:
    answers = best(QD1048_FRESH_PRODUCE)
    answers["9.1"] = "9.1.2"
    result = score_assessment(QD1048_FRESH_PRODUCE, answers)
    assert result.stars == 2 and result.unmet_mandatory == ("9.1",)


def test_average_of_evaluators() -> None:
    top = best(Q)
    weaker = _with(top, **{"6_2": 1, "8_1": 1})  # 8 points fewer: 92
    result = average_assessments(Q, [top, weaker])
    assert result.total == 96 and result.stars == 5
    assert result.points["6.2"] == 3 and result.points["8.1"] == 3
    single: AssessmentResult = score_assessment(Q, weaker)
    assert average_assessments(Q, [weaker]) == single


def test_average_mandatory_uses_mean_points() -> None:
    top = best(Q)
    result = average_assessments(Q, [top, _with(top, **{"9_1": 0})])
    assert result.points["9.1"] == 1 and result.stars == 2
    assert result.unmet_mandatory == ("9.1",)


def test_average_lists_criteria_any_evaluator_left_out() -> None:
    top = best(Q)
    partial = {k: v for k, v in top.items() if k != "12.1"}
    result = average_assessments(Q, [top, partial])
    assert result.unanswered == ("12.1",) and result.points["12.1"] == 1.5


@pytest.mark.parametrize("bad", [[], {}, [{"1.1": 99}]])
def test_average_refuses_bad_input(bad: object) -> None:
    with pytest.raises(InvalidAnswerError):
        average_assessments(Q, bad)  # type: ignore[arg-type]
