"""Certificate rules: certifiable ratings, validity, reminders, evaluating level by date."""

from __future__ import annotations

import datetime

import pytest

from ocop.errors import InvalidDateError, InvalidStarsError, NotCertifiableError
from ocop.scoring import (
    EvaluationLevel,
    certificate_expiry,
    evaluation_level,
    evaluation_path,
    is_certifiable,
    is_valid,
    reminder_dates,
)

D = datetime.date
ISSUED = D(2024, 3, 15)
EXPIRY = certificate_expiry(ISSUED)  # 2027-03-15


@pytest.mark.parametrize(
    ("rating", "ok"), [(1, False), (2, False), (3, True), (4, True), (5, True)]
)
def test_only_three_stars_and_above_are_certifiable(rating: int, ok: bool) -> None:
    assert is_certifiable(rating) is ok


@pytest.mark.parametrize("rating", [0, 6, -1, 3.0, True, "3", None])
def test_bad_star_values_refused(rating: object) -> None:
    with pytest.raises(InvalidStarsError):
        is_certifiable(rating)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("on", "valid"),
    [
        (D(2024, 3, 14), False),  # before issue
        (ISSUED, True),
        (D(2026, 1, 1), True),
        (EXPIRY, True),  # the expiry day itself still counts
        (EXPIRY + datetime.timedelta(days=1), False),
    ],
)
def test_validity_window(on: datetime.date, valid: bool) -> None:
    assert is_valid(ISSUED, EXPIRY, revoked=False, on=on) is valid
    assert is_valid(ISSUED, EXPIRY, None, on) is valid


def test_revocation() -> None:
    assert not is_valid(ISSUED, EXPIRY, revoked=True, on=D(2025, 1, 1))
    revoked_on = D(2025, 6, 1)
    assert is_valid(ISSUED, EXPIRY, revoked=revoked_on, on=D(2025, 5, 31))
    assert not is_valid(ISSUED, EXPIRY, revoked=revoked_on, on=revoked_on)
    assert not is_valid(ISSUED, EXPIRY, revoked=revoked_on, on=D(2026, 1, 1))


def test_validity_defaults_to_today() -> None:
    today = datetime.date.today()
    assert is_valid(today, certificate_expiry(today), revoked=False)
    assert not is_valid(D(2000, 1, 1), D(2003, 1, 1), revoked=False)


def test_validity_refuses_bad_dates() -> None:
    with pytest.raises(InvalidDateError):
        is_valid(EXPIRY, ISSUED, revoked=False, on=ISSUED)
    with pytest.raises(InvalidDateError):
        is_valid("2024-03-15", EXPIRY, revoked=False, on=ISSUED)  # type: ignore[arg-type]
    with pytest.raises(InvalidDateError):
        is_valid(ISSUED, EXPIRY, revoked="yes", on=ISSUED)  # type: ignore[arg-type]


def test_reminders_90_and_30_days_before_expiry() -> None:
    assert reminder_dates(D(2027, 3, 15)) == (D(2026, 12, 15), D(2027, 2, 13))
    assert reminder_dates(D(2027, 2, 28)) == (D(2026, 11, 30), D(2027, 1, 29))
    with pytest.raises(InvalidDateError):
        reminder_dates(D(1, 1, 2))


P, C, DI, CO = (
    EvaluationLevel.PROVINCE,
    EvaluationLevel.CENTRAL,
    EvaluationLevel.DISTRICT,
    EvaluationLevel.COMMUNE,
)


@pytest.mark.parametrize(
    ("rating", "on", "level"),
    [
        # Since 1489/QĐ-TTg (06/07/2025): province 3 and 4 stars, ministry 5 stars.
        (3, D(2025, 7, 6), P),
        (4, D(2025, 7, 6), P),
        (5, D(2025, 7, 6), C),
        (3, D(2026, 5, 1), P),
        # 148/QĐ-TTg (24/02/2023 – 30/06/2025): district 3, province 4, central 5;
        # 01–05/07/2025 no district exists: the province takes 3 stars too.
        (3, D(2025, 6, 30), DI),
        (3, D(2025, 7, 5), P),
        (4, D(2025, 7, 5), P),
        (5, D(2025, 7, 5), C),
        (3, D(2023, 2, 24), DI),
        # 1048/QĐ-TTg: province certifies 3 and 4 stars.
        (3, D(2023, 2, 23), P),
        (5, D(2021, 1, 1), C),
    ],
)
def test_evaluation_level_by_date(rating: int, on: datetime.date, level: EvaluationLevel) -> None:
    assert evaluation_level(rating, on) is level


def test_evaluation_paths() -> None:
    after = D(2025, 8, 1)
    assert evaluation_path(3, after) == (CO, P)
    assert evaluation_path(5, after) == (CO, P, C)
    between = D(2024, 8, 1)
    assert evaluation_path(3, between) == (DI,)
    assert evaluation_path(4, between) == (DI, P)
    assert evaluation_path(5, between) == (DI, P, C)
    assert EvaluationLevel.COMMUNE.vi == "Cấp xã"


@pytest.mark.parametrize("rating", [1, 2])
def test_no_level_certifies_below_three_stars(rating: int) -> None:
    with pytest.raises(NotCertifiableError):
        evaluation_level(rating, D(2025, 8, 1))


def test_evaluation_level_refuses_bad_input() -> None:
    with pytest.raises(InvalidStarsError):
        evaluation_level(6, D(2025, 8, 1))
    with pytest.raises(InvalidDateError):
        evaluation_level(4, "2025-08-01")  # type: ignore[arg-type]
