"""Certificate expiry: 36 months, month ends and leap days."""

from __future__ import annotations

import datetime

import pytest

from ocop._dates import add_months
from ocop.errors import InvalidDateError
from ocop.scoring import certificate_expiry

D = datetime.date


@pytest.mark.parametrize(
    ("issued", "expected"),
    [
        (D(2024, 3, 15), D(2027, 3, 15)),
        (D(2023, 2, 24), D(2026, 2, 24)),
        (D(2024, 2, 29), D(2027, 2, 28)),  # leap day, no 29 Feb in 2027
        (D(2020, 2, 29), D(2023, 2, 28)),
        (D(2025, 2, 28), D(2028, 2, 28)),  # 2028 is a leap year: stays on the 28th
        (D(2023, 1, 31), D(2026, 1, 31)),
        (D(2023, 4, 30), D(2026, 4, 30)),
        (D(2022, 11, 30), D(2025, 11, 30)),
        (D(2022, 12, 31), D(2025, 12, 31)),
        (D(2025, 7, 6), D(2028, 7, 6)),
        (D(2024, 1, 1), D(2027, 1, 1)),
    ],
)
def test_expiry(issued: datetime.date, expected: datetime.date) -> None:
    assert certificate_expiry(issued) == expected


def test_expiry_of_datetime_uses_its_date() -> None:
    when = datetime.datetime(2024, 2, 29, 23, 59)
    result = certificate_expiry(when)
    assert result == D(2027, 2, 28)
    assert type(result) is datetime.date


@pytest.mark.parametrize("bad", ["2024-01-01", None, 20240101])
def test_expiry_refuses_non_dates(bad: object) -> None:
    with pytest.raises(InvalidDateError):
        certificate_expiry(bad)  # type: ignore[arg-type]


def test_expiry_past_year_9999_refused() -> None:
    with pytest.raises(InvalidDateError):
        certificate_expiry(D(9998, 6, 1))


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2023, 1, 31), 1, D(2023, 2, 28)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2023, 5, 31), 1, D(2023, 6, 30)),
        (D(2023, 12, 31), 2, D(2024, 2, 29)),
        (D(2023, 3, 31), -1, D(2023, 2, 28)),
        (D(2023, 1, 15), -13, D(2021, 12, 15)),
    ],
)
def test_add_months_clamps_to_month_end(
    day: datetime.date, months: int, expected: datetime.date
) -> None:
    assert add_months(day, months) == expected
