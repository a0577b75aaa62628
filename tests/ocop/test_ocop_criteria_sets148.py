"""The 148/2023 sheets added for issue 19: sums, star markers, citations, a scored example."""

from __future__ import annotations

import math

import pytest

from ocop.criteria import CRITERIA_SETS, criteria_set_for
from ocop.criteria._sheet import sheet_set
from ocop.errors import CriteriaDataError
from ocop.groups import Subgroup
from ocop.model import CriteriaSet, Part
from ocop.scoring import score_assessment

#: key → (set number, section maxima as printed, 3★-mandatory criteria, all markers).
EXPECTED: dict[str, tuple[int, dict[int, float], set[str], dict[str, dict[int, float]]]] = {
    "qd148-2023/processed-produce": (
        7, {1: 18, 2: 10, 3: 12, 4: 13, 5: 12, 6: 16, 7: 5, 8: 4, 9: 5, 10: 2, 11: 3},
        {"1.1", "5.2", "8.1", "9.1"},
        {"1.1": {3: 1}, "1.3": {4: 2, 5: 3}, "1.4": {4: 2, 5: 3}, "1.5": {4: 1},
         "2.1": {4: 4}, "2.2": {5: 3}, "2.3": {4: 3}, "3.4": {4: 2}, "3.6": {4: 1},
         "5.2": {3: 3, 4: 5}, "5.3": {5: 2}, "6.1": {4: 2}, "6.3": {4: 2, 5: 3},
         "6.4": {4: 2, 5: 4}, "6.5": {4: 3, 5: 5}, "7.1": {4: 3, 5: 5}, "8.1": {3: 2},
         "9.1": {3: 2, 4: 3, 5: 5}, "10.1": {5: 2}}),
    "qd148-2023/honey-other-raw": (
        4, {1: 18, 2: 10, 3: 12, 4: 13, 5: 12, 6: 13, 7: 2, 8: 5, 9: 5, 10: 5, 11: 2, 12: 3},
        {"5.2", "9.1", "10.1"},
        {"1.2": {5: 3}, "1.3": {4: 2, 5: 3}, "1.4": {4: 2, 5: 3}, "1.5": {4: 1},
         "2.1": {4: 4}, "2.2": {5: 3}, "2.3": {4: 3}, "3.4": {4: 2}, "3.6": {4: 1},
         "5.2": {3: 3, 4: 5}, "5.3": {5: 2}, "6.1": {5: 2}, "6.2": {4: 2},
         "6.3": {4: 2, 5: 4}, "6.4": {4: 3, 5: 5}, "8.1": {4: 3, 5: 5}, "9.1": {3: 2},
         "10.1": {3: 2, 4: 3, 5: 5}, "11.1": {5: 2}}),
    "qd148-2023/other-alcoholic": (
        15, {1: 18, 2: 10, 3: 12, 4: 13, 5: 12, 6: 16, 7: 5, 8: 4, 9: 5, 10: 5},
        {"1.1", "5.2", "8.1", "9.1"},
        {"1.1": {3: 1}, "1.3": {4: 2, 5: 3}, "1.4": {4: 2, 5: 3}, "1.5": {4: 1},
         "2.1": {4: 4}, "2.2": {5: 3}, "2.3": {4: 3}, "3.4": {4: 2}, "3.6": {4: 1},
         "5.2": {3: 3, 4: 5}, "5.3": {5: 2}, "6.2": {4: 1}, "7.1": {4: 3, 5: 5},
         "8.1": {3: 2}, "9.1": {3: 2, 4: 3, 5: 5}}),
    "qd148-2023/processed-meat-fish-eggs-milk-honey": (
        8, {1: 18, 2: 10, 3: 12, 4: 13, 5: 12, 6: 16, 7: 5, 8: 4, 9: 5, 10: 2, 11: 3},
        {"1.1", "5.2", "8.1", "9.1"},
        {"1.1": {3: 1}, "1.3": {4: 2, 5: 3}, "1.4": {4: 2, 5: 3}, "1.5": {4: 1},
         "2.1": {4: 4}, "2.2": {5: 3}, "2.3": {4: 3}, "3.4": {4: 2}, "3.6": {4: 1},
         "5.2": {3: 3, 4: 5}, "5.3": {5: 2}, "6.1": {4: 2}, "6.3": {4: 2, 5: 3},
         "6.4": {4: 2, 5: 3}, "6.5": {4: 3, 5: 5}, "7.1": {4: 3, 5: 5}, "8.1": {3: 2},
         "9.1": {3: 2, 4: 3, 5: 5}, "10.1": {5: 2}}),
    "qd148-2023/white-spirits": (
        14, {1: 18, 2: 10, 3: 12, 4: 13, 5: 12, 6: 16, 7: 5, 8: 4, 9: 5, 10: 5},
        {"1.1", "5.2", "8.1", "9.1"},
        {"1.1": {3: 1}, "1.3": {4: 2, 5: 3}, "1.4": {4: 2, 5: 3}, "1.5": {4: 1},
         "2.1": {4: 4}, "2.2": {5: 3}, "2.3": {4: 3}, "3.4": {4: 2}, "3.6": {4: 1},
         "5.2": {3: 3, 4: 5}, "5.3": {5: 2}, "7.1": {4: 3, 5: 5},
         "8.1": {3: 2}, "9.1": {3: 2, 4: 3, 5: 5}}),
    "qd148-2023/other-soft-drinks": (
        17, {1: 18, 2: 10, 3: 12, 4: 13, 5: 12, 6: 14, 7: 5, 8: 6, 9: 5, 10: 5},
        {"1.1", "5.2", "8.1", "9.1"},
        {"1.1": {3: 1}, "1.3": {4: 2, 5: 3}, "1.4": {4: 2, 5: 3}, "1.5": {4: 1},
         "2.1": {4: 4}, "2.2": {5: 3}, "2.3": {4: 3}, "3.4": {4: 2}, "3.6": {4: 1},
         "5.2": {3: 3, 4: 5}, "5.3": {5: 2}, "6.2": {4: 3}, "6.3": {4: 3},
         "7.1": {4: 3, 5: 5}, "8.1": {3: 3}, "9.1": {3: 2, 4: 3, 5: 5}}),
    "qd148-2023/herbal-tea": (
        12, {1: 18, 2: 10, 3: 12, 4: 13, 5: 12, 6: 16, 7: 5, 8: 4, 9: 5, 10: 2, 11: 3},
        {"1.1", "5.2", "8.1", "9.1"},
        {"1.1": {3: 3}, "1.3": {4: 2, 5: 3}, "1.4": {4: 2, 5: 3}, "1.5": {4: 1},
         "2.1": {4: 4}, "2.2": {5: 3}, "2.3": {4: 3}, "3.4": {4: 2}, "3.6": {4: 1},
         "5.2": {3: 3, 4: 5}, "5.3": {5: 2}, "6.1": {4: 2}, "6.3": {4: 2}, "6.4": {4: 2},
         "6.5": {4: 2}, "7.1": {4: 3, 5: 5}, "8.1": {3: 2}, "9.1": {3: 2, 4: 3, 5: 5},
         "10.1": {5: 2}}),
}


def _set(key: str) -> CriteriaSet:
    return CRITERIA_SETS[key]


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_parts_and_sections_add_up(key: str) -> None:
    criteria = _set(key)
    number, sections, _, _ = EXPECTED[key]
    assert criteria.subgroup.number == number
    parts = {p: math.fsum(c.max_points for c in criteria.criteria_in(p)) for p in Part}
    assert parts == {Part.A: 40, Part.B: 25, Part.C: 35}
    got = {s.number: s.max_points for s in criteria.sections}
    assert got == sections
    for section in criteria.sections:
        members = [c for c in criteria.criteria if c.section == section.number]
        assert math.fsum(c.max_points for c in members) == section.max_points


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_star_markers_and_mandatory_criteria_as_the_annex(key: str) -> None:
    criteria = _set(key)
    _, _, mandatory, markers = EXPECTED[key]
    assert {c.code for c in criteria.mandatory_for_3_stars()} == mandatory
    got = {c.code: dict(c.min_points_for_stars) for c in criteria.criteria
           if c.min_points_for_stars}
    assert got == markers


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_every_criterion_cites_annex_and_item(key: str) -> None:
    criteria = _set(key)
    number = EXPECTED[key][0]
    for c in criteria.criteria:
        assert c.source_ref.startswith("QĐ 148/QĐ-TTg ngày 24/02/2023, Phụ lục III, "
                                       f"bộ sản phẩm {number} «")
        assert c.source_ref.endswith(f"phần {c.part.value}, mục {c.section}, "
                                     f"tiêu chí {c.label})")
    assert criteria_set_for(criteria.subgroup, criteria.effective_from) is criteria


def test_the_unverified_items_say_so() -> None:
    smell = _set("qd148-2023/processed-produce").criterion("6.4")
    assert smell.title == "Mùi" and "Chưa đối chiếu" in smell.source_note
    tea = _set("qd148-2023/herbal-tea")
    tea_smell, tea_taste = tea.criterion("6.4"), tea.criterion("6.5")
    assert (tea_smell.title, tea_smell.max_points) == ("Mùi nước", 4)
    assert (tea_taste.title, tea_taste.max_points) == ("Vị nước", 5)
    for item in (tea_smell, tea_taste):
        assert item.source_note.startswith("Chưa đối chiếu được với bản in")
        assert "32/35" in item.source_note
    flagged = {id(smell), id(tea_smell), id(tea_taste)}
    others = [c for k in EXPECTED for c in _set(k).criteria if id(c) not in flagged]
    assert not [c.code for c in others if c.source_note]


def _best(criteria: CriteriaSet) -> dict[str, str]:
    return {c.code: max(c.options, key=lambda o: o.points).code for c in criteria.criteria}


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_scored_example(key: str) -> None:
    """Best boxes everywhere: 100 points, 5 stars; one 3★-mandatory criterion at 0 caps it."""
    criteria = _set(key)
    best = _best(criteria)
    result = score_assessment(key, best)
    assert (result.total, result.stars, result.capped) == (100, 5, False)
    mandatory = "5.2"  # "Trí tuệ/bản sắc địa phương": *** on "câu chuyện riêng"
    assert mandatory in EXPECTED[key][2]
    weakest = min(criteria.criterion(mandatory).options, key=lambda o: o.points)
    result = score_assessment(key, {**best, mandatory: weakest.code})
    # The total is still ≥ 90, but a 3★ requirement is missed: the rating is capped.
    assert result.total >= 90 and result.capped and result.stars < 3
    assert mandatory in result.unmet_mandatory


def test_dried_lychee_example() -> None:
    """A Thanh Hà dried-lychee co-op: part points from the sheet, 4 stars."""
    key = "qd148-2023/processed-produce"
    answers = {code: opt for code, opt in _best(_set(key)).items()}
    answers.update({"1.3": "1.3.2", "1.4": "1.4.3", "2.2": "2.2.3", "3.6": "3.6.1",
                    "4.1": "4.1.3", "4.3": "4.3.4", "5.1": "5.1.4", "5.3": "5.3.2",
                    "6.3": "6.3.3", "7.1": "7.1.3", "9.1": "9.1.4", "11.1": "11.1.1"})
    result = score_assessment(key, answers)
    assert (result.part_a, result.part_b, result.part_c) == (36, 19, 28)
    assert (result.total, result.stars, result.capped) == (83, 4, False)
    # Quality assurance without an ISO/GMP/HACCP certificate misses the 4★ minimum.
    capped = score_assessment(key, {**answers, "9.1": "9.1.3"})
    assert (capped.total, capped.stars, capped.capped) == (82, 3, True)


def test_lychee_flower_tea_example() -> None:
    """A Thanh Hà co-op's lychee-flower tea: part points from the sheet, 3 stars."""
    key = "qd148-2023/herbal-tea"
    answers = {code: opt for code, opt in _best(_set(key)).items()}
    answers.update({"1.1": "1.1.2", "1.2": "1.2.3", "1.3": "1.3.1", "1.4": "1.4.2",
                    "1.6": "1.6.1", "2.1": "2.1.3", "2.2": "2.2.3", "2.3": "2.3.2",
                    "3.4": "3.4.1", "4.1": "4.1.2", "4.2": "4.2.2", "4.3": "4.3.2",
                    "5.1": "5.1.3", "5.2": "5.2.3", "5.3": "5.3.2", "6.4": "6.4.3",
                    "6.5": "6.5.3", "7.1": "7.1.2", "9.1": "9.1.3", "10.1": "10.1.1",
                    "11.1": "11.1.1"})
    result = score_assessment(key, answers)
    # A: 10 + 7 + 11; B: 4 + 6; C: 11 + 1 + 4 + 2 + 1 + 1 (worked by hand from the sheet).
    assert (result.part_a, result.part_b, result.part_c) == (28, 10, 20)
    assert (result.total, result.stars, result.capped) == (58, 3, False)
    # Without a published quality declaration (8 a), a 3★ minimum) it is capped below 3★.
    capped = score_assessment(key, {**answers, "8.1": "8.1.2"})
    assert capped.total == 57 and capped.capped and capped.stars < 3
    assert "8.1" in capped.unmet_mandatory


def test_sheet_refuses_a_box_above_its_header() -> None:
    text = "S 1 A 40 | x\nC a 39 | y\nO 40 | z\n"
    with pytest.raises(CriteriaDataError, match="declares 39 points, best box 40"):
        sheet_set(key="t", subgroup=Subgroup.TEA, text=text, source="t")
