"""Scoring of OCOP assessments, the star table, certificate expiry and rules.

Star table (148/QĐ-TTg): 90–100 → 5★, 70–<90 → 4★, 50–<70 → 3★, 30–<50 → 2★,
below 30 → 1★. Only 3★ and above are certified (:func:`is_certifiable`).

An assessment maps criterion codes of a :class:`~ocop.model.CriteriaSet` to answers:

- an option code (``"10.1.3"``): that option's points;
- a number of points: any value from 0 to the criterion's maximum (council members may
  give points directly);
- an :class:`Answer` with an option and, optionally, fewer points than that option is
  worth (partial credit).

A criterion left out scores 0 and is listed in ``unanswered``.

Mandatory criteria. A criterion is *met* for a rating when its points reach the option the
decision marks for that rating (``***`` for 3★, ``****`` for 4★, ``*****`` for 5★; see
:attr:`ocop.model.Criterion.min_points_for_stars`). It is *not met* when a lower option
was chosen, fewer points were given, or it was left out. A 3★ requirement not met caps
the result at 2★ (below certification) whatever the total; a 4★ or 5★ requirement not met
caps it at 3★ or 4★.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import math
import numbers
import types
from collections.abc import Mapping, Sequence

from ocop._dates import add_months, as_date
from ocop.certificates import (
    CERTIFICATE_VALIDITY_MONTHS,
    REMINDER_DAYS_BEFORE,
    EvaluationLevel,
    evaluation_level,
    evaluation_path,
    is_certifiable,
    is_valid,
    reminder_dates,
)
from ocop.criteria import get_criteria_set
from ocop.errors import (
    InvalidAnswerError,
    InvalidTotalError,
    UnknownCriterionError,
    UnknownOptionError,
)
from ocop.model import CriteriaSet, Criterion, Part

__all__ = [
    "CERTIFICATE_VALIDITY_MONTHS",
    "REMINDER_DAYS_BEFORE",
    "Answer",
    "AnswerValue",
    "AssessmentResult",
    "EvaluationLevel",
    "UnmetRequirement",
    "average_assessments",
    "certificate_expiry",
    "criterion_points",
    "evaluation_level",
    "evaluation_path",
    "is_certifiable",
    "is_valid",
    "reminder_dates",
    "score_assessment",
    "stars",
]

_BANDS: tuple[tuple[float, int], ...] = ((90.0, 5), (70.0, 4), (50.0, 3), (30.0, 2))


def _as_float(value: object) -> float | None:
    """``value`` as a float when it is a real number (``Decimal`` included), else None."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real | decimal.Decimal):
        return None
    try:
        return float(value)
    except (ValueError, OverflowError):  # e.g. Decimal("sNaN")
        return math.nan


def _check_total(total: object) -> float:
    value = _as_float(total)
    if value is None:
        raise InvalidTotalError(f"total must be a number, got {type(total).__name__}")
    if not 0.0 <= value <= 100.0:  # also refuses NaN
        raise InvalidTotalError(f"total must be between 0 and 100, got {total!r}")
    return value


def stars(total: float) -> int:
    """Star rating for a total score from 0 to 100.

    90–100 → 5, 70–89.x → 4, 50–69.x → 3, 30–49.x → 2, below 30 → 1. A total outside
    0–100, NaN, infinite or not a number raises :class:`~ocop.errors.InvalidTotalError`
    (a ``ValueError``).
    """
    value = _check_total(total)
    for floor, rating in _BANDS:
        if value >= floor:
            return rating
    return 1


def certificate_expiry(issued: datetime.date) -> datetime.date:
    """Expiry of a certificate issued on ``issued``: 36 months later, same day.

    When that day does not exist in the target month the expiry falls back to the
    month's last day. As 36 months is exactly three years this only happens for an issue
    on 29 February: 2024-02-29 → 2027-02-28. Month ends otherwise keep their day
    (2023-01-31 → 2026-01-31). A ``datetime`` counts by its date part; anything else
    raises :class:`~ocop.errors.InvalidDateError`.
    """
    return add_months(as_date(issued, "issued"), CERTIFICATE_VALIDITY_MONTHS)


@dataclasses.dataclass(frozen=True, slots=True)
class Answer:
    """An answer: a chosen option, points, or an option with partial points."""

    option: str | None = None
    points: float | None = None


AnswerValue = str | int | float | decimal.Decimal | Answer


@dataclasses.dataclass(frozen=True, slots=True)
class UnmetRequirement:
    """A marked criterion whose points fall short of a star rating's minimum."""

    criterion: str
    stars: int
    required: float
    awarded: float


@dataclasses.dataclass(frozen=True, slots=True)
class AssessmentResult:
    """Result of scoring an assessment (immutable)."""

    criteria_set: str
    points: Mapping[str, float]
    part_a: float
    part_b: float
    part_c: float
    total: float
    stars: int
    uncapped_stars: int
    capped: bool
    unmet_mandatory: tuple[str, ...]
    unmet_requirements: tuple[UnmetRequirement, ...]
    unanswered: tuple[str, ...]

    @property
    def part_totals(self) -> dict[Part, float]:
        """Points per part."""
        return {Part.A: self.part_a, Part.B: self.part_b, Part.C: self.part_c}

    @property
    def certifiable(self) -> bool:
        """Whether the (capped) rating can be certified: 3 stars and above."""
        return self.stars >= 3

    @property
    def complete(self) -> bool:
        """Whether every criterion was answered."""
        return not self.unanswered


def _number(value: object, where: str) -> float:
    number = _as_float(value)
    if number is None:
        raise InvalidAnswerError(f"{where}: points must be a number, got {value!r}")
    if not math.isfinite(number) or number < 0:
        raise InvalidAnswerError(f"{where}: points must be finite and >= 0, got {value!r}")
    return number


def _score_one(criterion: Criterion, value: object) -> float:
    where = f"criterion {criterion.code}"
    option_code: object
    points: object
    if isinstance(value, str):
        option_code, points = value, None
    elif isinstance(value, Answer):
        option_code, points = value.option, value.points
        if option_code is None and points is None:
            raise InvalidAnswerError(f"{where}: an Answer needs an option or points")
    else:
        option_code, points = None, value
    limit = criterion.max_points
    if option_code is not None:
        if not isinstance(option_code, str):
            raise InvalidAnswerError(f"{where}: option must be a code string")
        try:
            limit = criterion.option(option_code).points
        except KeyError:
            raise UnknownOptionError(f"{where} has no option {option_code!r}") from None
        if points is None:
            return limit
    number = _number(points, where)
    if number > limit:
        raise InvalidAnswerError(f"{where}: {number} points exceed the maximum {limit}")
    return number


def _resolve(criteria_set: CriteriaSet | str) -> CriteriaSet:
    if isinstance(criteria_set, CriteriaSet):
        return criteria_set
    return get_criteria_set(criteria_set)


def criterion_points(
    criteria_set: CriteriaSet | str, answers: Mapping[str, AnswerValue]
) -> dict[str, float]:
    """Validate ``answers`` and return the points of each answered criterion.

    Raises :class:`~ocop.errors.UnknownCriterionError`, :class:`UnknownOptionError` or
    :class:`InvalidAnswerError` (all ``ValueError``) on the first bad answer.
    """
    chosen = _resolve(criteria_set)
    if not isinstance(answers, Mapping):
        raise InvalidAnswerError("answers must be a mapping of criterion code to answer")
    result: dict[str, float] = {}
    for code, value in answers.items():
        try:
            criterion = chosen.criterion(code)
        except (KeyError, TypeError):
            raise UnknownCriterionError(
                f"{chosen.key} has no criterion {code!r}"
            ) from None
        result[code] = _score_one(criterion, value)
    return result


def _result(
    chosen: CriteriaSet, awarded: Mapping[str, float], unanswered: Sequence[str]
) -> AssessmentResult:
    points = {c.code: awarded.get(c.code, 0.0) for c in chosen.criteria}
    parts = {
        part: math.fsum(points[c.code] for c in chosen.criteria_in(part)) for part in Part
    }
    total = min(math.fsum(parts.values()), 100.0)
    uncapped = stars(total)
    unmet = tuple(
        UnmetRequirement(c.code, level, minimum, points[c.code])
        for c in chosen.criteria
        for level, minimum in sorted(c.min_points_for_stars.items())
        if points[c.code] < minimum
    )
    ceiling = min((u.stars for u in unmet), default=6) - 1
    rating = min(uncapped, ceiling)
    return AssessmentResult(
        criteria_set=chosen.key,
        points=types.MappingProxyType(points),
        part_a=parts[Part.A],
        part_b=parts[Part.B],
        part_c=parts[Part.C],
        total=total,
        stars=rating,
        uncapped_stars=uncapped,
        capped=rating < uncapped,
        unmet_mandatory=tuple(u.criterion for u in unmet if u.stars == 3),
        unmet_requirements=unmet,
        unanswered=tuple(unanswered),
    )


def score_assessment(
    criteria_set: CriteriaSet | str, answers: Mapping[str, AnswerValue]
) -> AssessmentResult:
    """Score one filled assessment against a criteria set (or its key).

    Returns part totals, total, the star rating after mandatory-criterion caps, whether
    it was capped, and the unmet requirements. Invalid answers raise a ``ValueError``
    subclass from :mod:`ocop.errors`.
    """
    chosen = _resolve(criteria_set)
    awarded = criterion_points(chosen, answers)
    missing = [c.code for c in chosen.criteria if c.code not in awarded]
    return _result(chosen, awarded, missing)


def average_assessments(
    criteria_set: CriteriaSet | str, assessments: Sequence[Mapping[str, AnswerValue]]
) -> AssessmentResult:
    """Council result: the mean of several evaluators' points, criterion by criterion.

    Each assessment is validated as in :func:`score_assessment` (a criterion left out
    counts 0). The total is the mean of the evaluators' totals; a mandatory criterion is
    met when its mean points reach the minimum. ``unanswered`` lists criteria that at
    least one evaluator left out.
    """
    chosen = _resolve(criteria_set)
    if isinstance(assessments, Mapping) or not assessments:
        raise InvalidAnswerError("average_assessments needs a non-empty list of answers")
    scored = [criterion_points(chosen, answers) for answers in assessments]
    count = len(scored)
    mean = {
        c.code: math.fsum(s.get(c.code, 0.0) for s in scored) / count
        for c in chosen.criteria
    }
    missing = [c.code for c in chosen.criteria if any(c.code not in s for s in scored)]
    return _result(chosen, mean, missing)
