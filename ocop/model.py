"""Data model of an OCOP criteria set (bộ tiêu chí), with its self-check.

A criteria set belongs to one decision and one product set (:class:`ocop.groups.Subgroup`).
It has three parts (A, B, C); each part has numbered sections (mục, e.g. "1. Tổ chức sản
xuất"); each section has criteria (tiêu chí, lettered a, b, c, d, đ, e in the decision);
each criterion has options (the tick boxes of the scoring sheet) worth a number of points.

Codes are ASCII and stable: criterion ``"1.1"`` is section 1, first criterion (printed
"a)"); option ``"1.1.3"`` is its third option. The printed letter is kept in ``label``.

Star requirements. The 148 sheets mark some options with ``***``, ``****`` or ``*****``:
a product must reach at least that option in that criterion to be rated 3, 4 or 5 stars.
:attr:`Criterion.min_points_for_stars` holds them as ``{stars: minimum points}``; a
criterion is "mandatory for 3 stars" when it has an entry for 3.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import math
from collections.abc import Mapping
from typing import Any

from ocop.errors import CriteriaDataError
from ocop.groups import Subgroup

__all__ = ["CriteriaSet", "Criterion", "Option", "Part", "Section"]


class Part(enum.StrEnum):
    """The three parts of every OCOP criteria set."""

    A = "A"
    B = "B"
    C = "C"

    @property
    def vi(self) -> str:
        """Vietnamese title as printed in the decisions."""
        return _PART_VI[self]

    @property
    def en(self) -> str:
        """English title."""
        return _PART_EN[self]


_PART_VI: dict[Part, str] = {
    Part.A: "Sản phẩm và sức mạnh cộng đồng",
    Part.B: "Khả năng tiếp thị",
    Part.C: "Chất lượng sản phẩm",
}
_PART_EN: dict[Part, str] = {
    Part.A: "Product and community strength",
    Part.B: "Marketing capability",
    Part.C: "Product quality",
}


@dataclasses.dataclass(frozen=True, slots=True)
class Option:
    """One tick box of a criterion."""

    code: str
    title: str
    points: float


@dataclasses.dataclass(frozen=True, slots=True)
class Criterion:
    """One scored criterion: pick one option; its points count."""

    code: str
    label: str
    title: str
    part: Part
    section: int
    options: tuple[Option, ...]
    min_points_for_stars: Mapping[int, float] = dataclasses.field(default_factory=dict)
    note: str = ""
    #: Where the criterion is printed, e.g. "QĐ 148/QĐ-TTg, Phụ lục III, bộ 7, phần A,
    #: mục 1, tiêu chí a)"; empty for sets built before citations were recorded.
    source_ref: str = ""
    #: What could not be checked against the printed text, or was corrected (typing slips).
    source_note: str = ""

    @property
    def max_points(self) -> float:
        """Points of the best option."""
        return max(option.points for option in self.options)

    @property
    def mandatory_for_3_stars(self) -> bool:
        """True when the criterion must be met (bắt buộc đạt) for a 3-star rating."""
        return 3 in self.min_points_for_stars

    def required_points(self, stars: int) -> float | None:
        """Minimum points this criterion needs for a ``stars`` rating, or ``None``.

        A requirement for fewer stars also holds for more: a 4-star product must meet
        the 3-star minimum too.
        """
        needed = [p for s, p in self.min_points_for_stars.items() if s <= stars]
        return max(needed) if needed else None

    def option(self, code: str) -> Option:
        """The option with that code (raises ``KeyError`` when there is none)."""
        for candidate in self.options:
            if candidate.code == code:
                return candidate
        raise KeyError(code)


@dataclasses.dataclass(frozen=True, slots=True)
class Section:
    """A numbered section (mục) of a part, e.g. "1. Tổ chức sản xuất"."""

    number: int
    title: str
    part: Part
    max_points: float


@dataclasses.dataclass(frozen=True, slots=True)
class CriteriaSet:
    """A versioned criteria set: one decision, one product set.

    Build it with :meth:`checked`, which runs :meth:`self_check`.
    """

    key: str
    decision: str
    decision_date: datetime.date
    effective_from: datetime.date
    effective_to: datetime.date | None
    subgroup: Subgroup
    part_max: Mapping[Part, float]
    sections: tuple[Section, ...]
    criteria: tuple[Criterion, ...]
    source: str
    notes: str = ""
    _by_code: Mapping[str, Criterion] = dataclasses.field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_code", {c.code: c for c in self.criteria})

    @classmethod
    def checked(cls, **fields: Any) -> CriteriaSet:
        """Construct and self-check; raises :class:`CriteriaDataError` on bad data."""
        built = cls(**fields)
        built.self_check()
        return built

    @property
    def max_total(self) -> float:
        """Sum of the part maxima (100 for every published set)."""
        return math.fsum(self.part_max.values())

    def criterion(self, code: str) -> Criterion:
        """The criterion with that code (raises ``KeyError`` when there is none)."""
        return self._by_code[code]

    def criteria_in(self, part: Part) -> tuple[Criterion, ...]:
        """Criteria of one part, in sheet order."""
        return tuple(c for c in self.criteria if c.part is part)

    def mandatory_for_3_stars(self) -> tuple[Criterion, ...]:
        """Criteria that must be met for a 3-star rating."""
        return tuple(c for c in self.criteria if c.mandatory_for_3_stars)

    def applies_on(self, day: datetime.date) -> bool:
        """Whether the decision was in force for new evaluations on ``day``."""
        if day < self.effective_from:
            return False
        return self.effective_to is None or day <= self.effective_to

    def self_check(self) -> None:
        """Check the data; raise :class:`CriteriaDataError` naming the first problem.

        Checks: parts A, B, C present and summing to 100; every section's maximum is the
        sum of its criteria's maxima; every part's maximum is the sum of its sections';
        codes unique; options non-empty with finite, non-negative points and unique
        codes prefixed by their criterion; star requirements for 3–5 stars, each equal
        to the points of one of the criterion's options, and not decreasing with stars.
        """
        if set(self.part_max) != set(Part):
            raise CriteriaDataError(f"{self.key}: parts must be exactly A, B, C")
        if not math.isclose(self.max_total, 100.0):
            raise CriteriaDataError(f"{self.key}: part maxima sum to {self.max_total}")
        codes = [c.code for c in self.criteria]
        if len(set(codes)) != len(codes):
            raise CriteriaDataError(f"{self.key}: duplicate criterion codes")
        numbers = [s.number for s in self.sections]
        if len(set(numbers)) != len(numbers):
            raise CriteriaDataError(f"{self.key}: duplicate section numbers")
        for criterion in self.criteria:
            _check_criterion(self.key, criterion)
        for section in self.sections:
            members = [c for c in self.criteria if c.section == section.number]
            if not members or any(c.part is not section.part for c in members):
                raise CriteriaDataError(f"{self.key}: section {section.number} criteria")
            total = math.fsum(c.max_points for c in members)
            if not math.isclose(total, section.max_points):
                raise CriteriaDataError(
                    f"{self.key}: section {section.number} criteria sum to {total}, "
                    f"declared {section.max_points}"
                )
        if set(c.section for c in self.criteria) != set(numbers):
            raise CriteriaDataError(f"{self.key}: criterion in an undeclared section")
        for part, declared in self.part_max.items():
            total = math.fsum(s.max_points for s in self.sections if s.part is part)
            if not math.isclose(total, declared):
                raise CriteriaDataError(
                    f"{self.key}: part {part} sums to {total}, declared {declared}"
                )

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready description (for forms and the API)."""
        return {
            "key": self.key,
            "decision": self.decision,
            "decision_date": self.decision_date.isoformat(),
            "effective_from": self.effective_from.isoformat(),
            "effective_to": self.effective_to.isoformat() if self.effective_to else None,
            "subgroup": self.subgroup.value,
            "subgroup_vi": self.subgroup.vi,
            "source": self.source,
            "notes": self.notes,
            "parts": [
                {
                    "part": part.value,
                    "title_vi": part.vi,
                    "title_en": part.en,
                    "max_points": self.part_max[part],
                    "sections": [
                        {
                            "number": s.number,
                            "title": s.title,
                            "max_points": s.max_points,
                            "criteria": [
                                _criterion_dict(c)
                                for c in self.criteria
                                if c.section == s.number
                            ],
                        }
                        for s in self.sections
                        if s.part is part
                    ],
                }
                for part in Part
            ],
        }


def _criterion_dict(criterion: Criterion) -> dict[str, Any]:
    return {
        "code": criterion.code,
        "label": criterion.label,
        "title": criterion.title,
        "max_points": criterion.max_points,
        "mandatory_for_3_stars": criterion.mandatory_for_3_stars,
        "min_points_for_stars": {
            str(s): p for s, p in sorted(criterion.min_points_for_stars.items())
        },
        "note": criterion.note,
        "source_ref": criterion.source_ref,
        "source_note": criterion.source_note,
        "options": [
            {"code": o.code, "title": o.title, "points": o.points}
            for o in criterion.options
        ],
    }


def _check_criterion(key: str, criterion: Criterion) -> None:
    where = f"{key}: criterion {criterion.code}"
    if not criterion.code.startswith(f"{criterion.section}."):
        raise CriteriaDataError(f"{where}: code does not start with its section")
    if not criterion.title.strip() or not criterion.options:
        raise CriteriaDataError(f"{where}: needs a title and options")
    option_codes = [o.code for o in criterion.options]
    if len(set(option_codes)) != len(option_codes):
        raise CriteriaDataError(f"{where}: duplicate option codes")
    for option in criterion.options:
        if not option.code.startswith(f"{criterion.code}."):
            raise CriteriaDataError(f"{where}: option {option.code} is not under it")
        if not math.isfinite(option.points) or option.points < 0:
            raise CriteriaDataError(f"{where}: option {option.code} points")
        if not option.title.strip():
            raise CriteriaDataError(f"{where}: option {option.code} has no title")
    previous = -1.0
    for stars_needed, minimum in sorted(criterion.min_points_for_stars.items()):
        if stars_needed not in (3, 4, 5):
            raise CriteriaDataError(f"{where}: requirement for {stars_needed} stars")
        if minimum not in {o.points for o in criterion.options} or minimum <= 0:
            raise CriteriaDataError(f"{where}: requirement {minimum} is not an option")
        if minimum < previous:
            raise CriteriaDataError(f"{where}: requirements decrease with stars")
        previous = minimum
