"""Property tests (hypothesis) for the star table, scoring and expiry."""

from __future__ import annotations

import calendar
import datetime
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from ocop.criteria import CRITERIA_SETS
from ocop.errors import OcopError
from ocop.model import CriteriaSet, Part
from ocop.scoring import Answer, AnswerValue, certificate_expiry, score_assessment, stars

# No example database: nothing is written into the work tree; no deadline: the suite
# runs in parallel with others on a small machine.
FAST = settings(max_examples=100, deadline=None, database=None)

valid_totals = st.floats(min_value=0.0, max_value=100.0, allow_nan=False)
invalid_totals = st.one_of(
    st.floats(max_value=-1e-9, allow_nan=False),
    st.floats(min_value=100.0 + 1e-9, allow_nan=False),
    st.just(math.nan),
    st.sampled_from([math.inf, -math.inf]),
)
criteria_sets = st.sampled_from(sorted(CRITERIA_SETS.values(), key=lambda c: c.key))


@FAST
@given(valid_totals, valid_totals)
def test_stars_monotone_in_total(a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert stars(low) <= stars(high)


@FAST
@given(valid_totals)
def test_stars_never_raise_for_valid_totals(total: float) -> None:
    rating = stars(total)
    assert 1 <= rating <= 5
    assert rating == 1 + sum(total >= floor for floor in (30, 50, 70, 90))


@FAST
@given(invalid_totals)
def test_stars_always_raise_value_error_for_invalid_totals(total: float) -> None:
    try:
        stars(total)
    except ValueError as error:
        assert isinstance(error, OcopError)
    else:
        raise AssertionError(f"{total!r} accepted")


@st.composite
def assessments(draw: st.DrawFn, criteria: CriteriaSet) -> dict[str, AnswerValue]:
    answers: dict[str, AnswerValue] = {}
    for criterion in criteria.criteria:
        kind = draw(st.sampled_from(["skip", "option", "points", "partial"]))
        if kind == "option":
            answers[criterion.code] = draw(st.sampled_from(criterion.options)).code
        elif kind == "points":
            answers[criterion.code] = draw(
                st.floats(min_value=0, max_value=criterion.max_points, allow_nan=False)
            )
        elif kind == "partial":
            option = draw(st.sampled_from(criterion.options))
            points = draw(st.floats(min_value=0, max_value=option.points, allow_nan=False))
            answers[criterion.code] = Answer(option=option.code, points=points)
    return answers


@FAST
@given(st.data())
def test_scoring_never_raises_for_valid_input(data: st.DataObject) -> None:
    criteria = data.draw(criteria_sets)
    answers = data.draw(assessments(criteria))
    result = score_assessment(criteria, answers)
    assert 0 <= result.total <= 100
    for part in Part:
        assert 0 <= result.part_totals[part] <= criteria.part_max[part] + 1e-9
    assert math.isclose(result.total, result.part_a + result.part_b + result.part_c)
    assert result.uncapped_stars == stars(result.total)
    assert result.stars <= result.uncapped_stars
    assert result.capped == (result.stars < result.uncapped_stars)
    if result.unmet_mandatory:
        assert result.stars <= 2
    assert set(result.unanswered) == {c.code for c in criteria.criteria} - set(answers)


@FAST
@given(st.data())
def test_scoring_monotone_in_points(data: st.DataObject) -> None:
    criteria = data.draw(criteria_sets)
    answers = data.draw(assessments(criteria))
    before = score_assessment(criteria, answers)
    criterion = data.draw(st.sampled_from(criteria.criteria))
    current = before.points[criterion.code]
    raised = data.draw(
        st.floats(min_value=current, max_value=criterion.max_points, allow_nan=False)
    )
    after = score_assessment(criteria, {**answers, criterion.code: raised})
    assert after.total >= before.total
    assert after.stars >= before.stars
    assert after.uncapped_stars >= before.uncapped_stars


bad_points = st.one_of(
    st.floats(max_value=-1e-9, allow_nan=False),
    st.just(math.nan),
    st.sampled_from([math.inf, -math.inf]),
    st.floats(min_value=5.000001, max_value=1e12),  # above every criterion's maximum
)


@FAST
@given(st.data())
def test_scoring_always_raises_value_error_for_invalid_input(data: st.DataObject) -> None:
    criteria = data.draw(criteria_sets)
    answers = data.draw(assessments(criteria))
    kind = data.draw(st.sampled_from(["points", "unknown criterion", "unknown option"]))
    if kind == "points":
        code = data.draw(st.sampled_from(criteria.criteria)).code
        answers[code] = data.draw(bad_points)
    elif kind == "unknown criterion":
        codes = {c.code for c in criteria.criteria}
        code = data.draw(st.text(max_size=6).filter(lambda t: t not in codes))
        answers[code] = 0
    else:
        criterion = data.draw(st.sampled_from(criteria.criteria))
        options = {o.code for o in criterion.options}
        answers[criterion.code] = data.draw(st.text(max_size=8).filter(lambda t: t not in options))
    try:
        score_assessment(criteria, answers)
    except ValueError as error:
        assert isinstance(error, OcopError)
    else:
        raise AssertionError(f"accepted {kind}")


@FAST
@given(st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(9990, 12, 31)))
def test_expiry_is_same_day_three_years_later_or_month_end(issued: datetime.date) -> None:
    expiry = certificate_expiry(issued)
    assert (expiry.year, expiry.month) == (issued.year + 3, issued.month)
    last = calendar.monthrange(expiry.year, expiry.month)[1]
    assert expiry.day == min(issued.day, last)
    assert expiry > issued
    assert 1094 <= (expiry - issued).days <= 1096
