"""Self-checks of the criteria data: part maxima, codes, options, star requirements."""

from __future__ import annotations

import dataclasses
import datetime
import json
import math
import unicodedata

import pytest

from ocop.criteria import (
    CRITERIA_SETS,
    QD148_FRESH_PRODUCE,
    QD1048_FRESH_PRODUCE,
    criteria_set_for,
    get_criteria_set,
)
from ocop.errors import CriteriaDataError, InvalidDateError, NoCriteriaSetError
from ocop.groups import Subgroup
from ocop.model import CriteriaSet, Criterion, Option, Part

ALL_SETS = list(CRITERIA_SETS.values())


def _part_sum(criteria: CriteriaSet, part: Part) -> float:
    return math.fsum(c.max_points for c in criteria.criteria_in(part))


def test_148_part_maxima_are_40_25_35() -> None:
    sums = {part: _part_sum(QD148_FRESH_PRODUCE, part) for part in Part}
    assert sums == {Part.A: 40, Part.B: 25, Part.C: 35}
    assert dict(QD148_FRESH_PRODUCE.part_max) == sums


def test_1048_part_maxima_are_35_25_40() -> None:
    sums = {part: _part_sum(QD1048_FRESH_PRODUCE, part) for part in Part}
    assert sums == {Part.A: 35, Part.B: 25, Part.C: 40}
    assert dict(QD1048_FRESH_PRODUCE.part_max) == sums


@pytest.mark.parametrize("criteria", ALL_SETS, ids=lambda c: c.key)
def test_every_set_passes_self_check(criteria: CriteriaSet) -> None:
    criteria.self_check()
    assert criteria.max_total == 100
    assert math.fsum(c.max_points for c in criteria.criteria) == 100
    for section in criteria.sections:
        members = [c for c in criteria.criteria if c.section == section.number]
        assert math.fsum(c.max_points for c in members) == section.max_points


@pytest.mark.parametrize("criteria", ALL_SETS, ids=lambda c: c.key)
def test_codes_and_text(criteria: CriteriaSet) -> None:
    codes = [c.code for c in criteria.criteria]
    assert len(codes) == len(set(codes))
    for criterion in criteria.criteria:
        assert criterion.code.isascii()
        assert criterion.label in {"a", "b", "c", "d", "đ", "e"}
        texts = [criterion.title, criterion.note] + [o.title for o in criterion.options]
        for text in texts:
            # Precomposed Vietnamese (NFC), no leftover star markers or tick boxes.
            assert unicodedata.normalize("NFC", text) == text
            assert "*" not in text and "□" not in text
            assert text == text.strip()
        for option in criterion.options:
            assert option.code.startswith(criterion.code + ".")
            assert option.code.isascii()


def test_148_mandatory_for_3_stars() -> None:
    mandatory = {c.code: c.required_points(3) for c in QD148_FRESH_PRODUCE.mandatory_for_3_stars()}
    # 5.b story tied to origin (3 pts), 9.a published standard (2), 10.a internal
    # control with traceability (2): the options marked *** in the sheet.
    assert mandatory == {"5.2": 3.0, "9.1": 2.0, "10.1": 2.0}
    assert QD148_FRESH_PRODUCE.criterion("9.1").mandatory_for_3_stars
    assert not QD148_FRESH_PRODUCE.criterion("6.3").mandatory_for_3_stars


def test_requirements_grow_with_stars() -> None:
    story = QD148_FRESH_PRODUCE.criterion("5.2")
    assert story.required_points(2) is None
    assert story.required_points(3) == 3
    assert story.required_points(4) == 5
    assert story.required_points(5) == 5
    trademark = QD148_FRESH_PRODUCE.criterion("3.6")
    assert trademark.required_points(3) is None
    assert trademark.required_points(4) == 1


def test_real_titles_with_diacritics() -> None:
    titles = {c.code: c.title for c in QD148_FRESH_PRODUCE.criteria}
    assert titles["1.1"] == "Nguồn gốc sản phẩm"
    assert titles["3.3"] == "Sử dụng lao động địa phương"
    assert titles["5.2"] == "Trí tuệ/bản sắc địa phương"
    assert Part.A.vi == "Sản phẩm và sức mạnh cộng đồng"
    assert Part.B.vi == "Khả năng tiếp thị"
    assert Part.C.vi == "Chất lượng sản phẩm"


def test_lookup_by_key_and_date() -> None:
    assert get_criteria_set("qd148-2023/fresh-produce") is QD148_FRESH_PRODUCE
    fresh = Subgroup.FRESH_PRODUCE
    assert criteria_set_for(fresh, datetime.date(2023, 2, 24)) is QD148_FRESH_PRODUCE
    assert criteria_set_for(fresh, datetime.date(2026, 1, 1)) is QD148_FRESH_PRODUCE
    assert criteria_set_for(fresh, datetime.date(2023, 2, 23)) is QD1048_FRESH_PRODUCE
    assert criteria_set_for(fresh, datetime.date(2019, 8, 21)) is QD1048_FRESH_PRODUCE
    with pytest.raises(NoCriteriaSetError):
        criteria_set_for(fresh, datetime.date(2019, 8, 20))
    with pytest.raises(NoCriteriaSetError):
        criteria_set_for(Subgroup.FLOWERS, datetime.date(2024, 1, 1))
    with pytest.raises(NoCriteriaSetError):
        get_criteria_set("qd999/none")
    with pytest.raises(InvalidDateError):
        criteria_set_for(fresh, "2024-01-01")  # type: ignore[arg-type]


def test_as_dict_is_json_ready() -> None:
    data = QD148_FRESH_PRODUCE.as_dict()
    text = json.dumps(data, ensure_ascii=False)
    assert "Rau, củ, quả, hạt tươi" in text
    assert [p["max_points"] for p in data["parts"]] == [40.0, 25.0, 35.0]
    criteria = [c for p in data["parts"] for s in p["sections"] for c in s["criteria"]]
    assert len(criteria) == len(QD148_FRESH_PRODUCE.criteria)


def _broken(**changes: object) -> CriteriaSet:
    return dataclasses.replace(QD148_FRESH_PRODUCE, **changes)  # type: ignore[arg-type]


def test_self_check_catches_wrong_part_maximum() -> None:
    bad = _broken(part_max={Part.A: 41.0, Part.B: 24.0, Part.C: 35.0})
    with pytest.raises(CriteriaDataError):
        bad.self_check()


def test_self_check_catches_wrong_criterion_points() -> None:
    first = QD148_FRESH_PRODUCE.criteria[0]
    inflated = dataclasses.replace(
        first, options=first.options + (Option(f"{first.code}.9", "Thêm", 6.0),)
    )
    with pytest.raises(CriteriaDataError):
        _broken(criteria=(inflated,) + QD148_FRESH_PRODUCE.criteria[1:]).self_check()


@pytest.mark.parametrize(
    "change",
    [
        {"min_points_for_stars": {3: 4.0}},  # not an option's points
        {"min_points_for_stars": {2: 1.0}},  # no requirement for 2 stars
        {"min_points_for_stars": {3: 5.0, 4: 3.0}},  # decreasing
        {"code": "2.9"},  # code outside its section
    ],
)
def test_self_check_catches_bad_requirements(change: dict[str, object]) -> None:
    first: Criterion = QD148_FRESH_PRODUCE.criteria[0]
    bad = dataclasses.replace(first, **change)  # type: ignore[arg-type]
    with pytest.raises(CriteriaDataError):
        _broken(criteria=(bad,) + QD148_FRESH_PRODUCE.criteria[1:]).self_check()


def test_self_check_catches_duplicate_codes() -> None:
    doubled = QD148_FRESH_PRODUCE.criteria + (QD148_FRESH_PRODUCE.criteria[0],)
    with pytest.raises(CriteriaDataError):
        _broken(criteria=doubled).self_check()
