"""The star table at every boundary, and totals that must be refused."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest

from ocop.errors import InvalidTotalError, OcopError
from ocop.scoring import stars


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        (0, 1),
        (0.0, 1),
        (-0.0, 1),
        (29.99, 1),
        (29.999999, 1),
        (30, 2),
        (49.99, 2),
        (50, 3),
        (69.99, 3),
        (70, 4),
        (89.99, 4),
        (90, 5),
        (99.5, 5),
        (100, 5),
        (100.0, 5),
        (Fraction(179, 2), 4),
        (Decimal("69.5"), 3),
    ],
)
def test_star_table(total: float, expected: int) -> None:
    assert stars(total) == expected


@pytest.mark.parametrize(
    "total",
    [-0.01, -1, 100.01, 100.0000001, 101, 1e9, -math.inf, math.inf, math.nan],
)
def test_out_of_range_totals_refused(total: float) -> None:
    with pytest.raises(InvalidTotalError):
        stars(total)


@pytest.mark.parametrize("total", ["80", None, True, False, [50], complex(50, 0)])
def test_non_numbers_refused_with_value_error(total: object) -> None:
    with pytest.raises(ValueError):
        stars(total)  # type: ignore[arg-type]


def test_errors_are_value_errors() -> None:
    assert issubclass(InvalidTotalError, OcopError)
    assert issubclass(OcopError, ValueError)
