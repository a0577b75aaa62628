"""Date helpers shared by the scoring and certificate rules (private)."""

from __future__ import annotations

import calendar
import datetime

from ocop.errors import InvalidDateError

__all__ = ["add_months", "as_date"]


def as_date(value: object, name: str = "date") -> datetime.date:
    """``value`` as a plain ``date`` (a ``datetime`` gives its date part).

    Anything else raises :class:`InvalidDateError`.
    """
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    raise InvalidDateError(f"{name} must be a datetime.date, got {type(value).__name__}")


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` moved by ``months`` calendar months, clamped to the target month's end.

    2024-02-29 + 36 months is 2027-02-28 (February 2027 has no 29th); 2023-05-31 +
    1 month is 2023-06-30. Raises :class:`InvalidDateError` past year 9999.
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    if not datetime.MINYEAR <= year <= datetime.MAXYEAR:
        raise InvalidDateError(f"{day} moved by {months} months leaves the calendar")
    month = month0 + 1
    last = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, min(day.day, last))
