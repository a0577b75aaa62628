"""OCOP certificate rules: who may be certified, validity, reminders, evaluating level.

The public names are re-exported by :mod:`ocop.scoring`, which is where callers import
them from; :func:`ocop.scoring.certificate_expiry` gives a certificate's expiry date.

Sources (see shared DESIGN.md): certificates are issued for 3 stars and above and are
valid 36 months [148/QĐ-TTg; danang.gov.vn]; the evaluating levels changed on
24/02/2023 (148/QĐ-TTg: district 3★, province 4★, central 5★) and on 06/07/2025
(1489/QĐ-TTg: commune pre-check, province council certifies 3★ and 4★, ministry 5★)
[quochoitv.vn, langngheviet.com.vn]. Under 1048/QĐ-TTg (before 24/02/2023) the district
council pre-evaluated, the province certified 3★ and 4★ and the ministry 5★
[nongthonmoihanoi.gov.vn, 2021].
"""

from __future__ import annotations

import datetime
import enum

from ocop._dates import as_date
from ocop.errors import InvalidDateError, InvalidStarsError, NotCertifiableError

__all__ = [
    "CERTIFICATE_VALIDITY_MONTHS",
    "DECISION_148_DATE",
    "DECISION_1489_DATE",
    "DISTRICTS_ABOLISHED_DATE",
    "MIN_CERTIFIED_STARS",
    "REMINDER_DAYS_BEFORE",
    "EvaluationLevel",
    "evaluation_level",
    "evaluation_path",
    "first_level",
    "level_exists",
    "is_certifiable",
    "is_valid",
    "reminder_dates",
]

CERTIFICATE_VALIDITY_MONTHS = 36
MIN_CERTIFIED_STARS = 3
REMINDER_DAYS_BEFORE: tuple[int, ...] = (90, 30)
DECISION_148_DATE = datetime.date(2023, 2, 24)
DECISION_1489_DATE = datetime.date(2025, 7, 6)
#: District-level government ended on 01/07/2025 (two-level local government: Resolution
#: 202/2025/QH15 on provincial mergers and the 2025 Law on Organisation of Local
#: Government, in force 01/07/2025). From that day no district council exists.
DISTRICTS_ABOLISHED_DATE = datetime.date(2025, 7, 1)


class EvaluationLevel(enum.StrEnum):
    """Administrative level that evaluates (and, where it is the last, certifies)."""

    COMMUNE = "commune"
    DISTRICT = "district"
    PROVINCE = "province"
    CENTRAL = "central"

    @property
    def vi(self) -> str:
        """Vietnamese name."""
        return _LEVEL_VI[self]


_LEVEL_VI: dict[EvaluationLevel, str] = {
    EvaluationLevel.COMMUNE: "Cấp xã",
    EvaluationLevel.DISTRICT: "Cấp huyện",
    EvaluationLevel.PROVINCE: "Cấp tỉnh",
    EvaluationLevel.CENTRAL: "Trung ương",
}


def _check_stars(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise InvalidStarsError(f"stars must be an integer from 1 to 5, got {value!r}")
    return value


def is_certifiable(stars: int) -> bool:
    """Whether a rating can be certified: 3 stars and above. 1–2 stars never are."""
    return _check_stars(stars) >= MIN_CERTIFIED_STARS


def is_valid(
    cert_issued: datetime.date,
    expiry: datetime.date,
    revoked: bool | datetime.date | None,
    on: datetime.date | None = None,
) -> bool:
    """Whether a certificate stands on day ``on`` (default: today).

    Valid from the issue day through the expiry day, both included. ``revoked`` is
    ``True`` (revoked, no date known: never valid), a date (valid only before that day)
    or ``False``/``None`` (not revoked). An expiry before the issue day raises
    :class:`InvalidDateError`.
    """
    issued = as_date(cert_issued, "cert_issued")
    ends = as_date(expiry, "expiry")
    day = datetime.date.today() if on is None else as_date(on, "on")
    if ends < issued:
        raise InvalidDateError(f"expiry {ends} is before issue {issued}")
    if revoked is True:
        return False
    if revoked is not None and revoked is not False:
        if day >= as_date(revoked, "revoked"):
            return False
    return issued <= day <= ends


def reminder_dates(expiry: datetime.date) -> tuple[datetime.date, ...]:
    """Days to remind the holder: 90 and 30 days before ``expiry``, earliest first."""
    ends = as_date(expiry, "expiry")
    try:
        return tuple(ends - datetime.timedelta(days=d) for d in REMINDER_DAYS_BEFORE)
    except OverflowError:
        raise InvalidDateError(f"no reminder dates before {ends}") from None


def evaluation_level(stars: int, on: datetime.date) -> EvaluationLevel:
    """The level that evaluates and certifies a ``stars`` rating on day ``on``.

    - From 06/07/2025 (1489/QĐ-TTg): 3★ and 4★ → province council; 5★ → central (the
      Ministry of Agriculture and Environment), for products scoring 90 or more.
    - 01/07/2025 to 05/07/2025 (148/QĐ-TTg still in force, districts gone): 3★ and
      4★ → province, 5★ → central — the body that exists takes the district's work.
    - 24/02/2023 to 30/06/2025 (148/QĐ-TTg): 3★ → district, 4★ → province,
      5★ → central.
    - Before 24/02/2023 (1048/QĐ-TTg): 3★ and 4★ → province, 5★ → central.

    Ratings below 3 stars are not certified: :class:`NotCertifiableError`.
    """
    return evaluation_path(stars, on)[-1]


def evaluation_path(stars: int, on: datetime.date) -> tuple[EvaluationLevel, ...]:
    """The levels a dossier passes through, in order, to be certified at ``stars``.

    Since 06/07/2025 every dossier starts with the commune's pre-check of local raw
    material, local labour and the product idea. Between 24/02/2023 and 05/07/2025 and
    under 1048 it started with the district council. The last level certifies.
    """
    rating = _check_stars(stars)
    day = as_date(on, "on")
    if rating < MIN_CERTIFIED_STARS:
        raise NotCertifiableError(f"{rating}-star products are not certified")
    c, d, p, n = (
        EvaluationLevel.COMMUNE,
        EvaluationLevel.DISTRICT,
        EvaluationLevel.PROVINCE,
        EvaluationLevel.CENTRAL,
    )
    if day >= DECISION_1489_DATE:
        return (c, p) if rating < 5 else (c, p, n)
    if day >= DISTRICTS_ABOLISHED_DATE:
        return (p,) if rating < 5 else (p, n)
    if day >= DECISION_148_DATE:
        return {3: (d,), 4: (d, p)}.get(rating, (d, p, n))
    return (d, p) if rating < 5 else (d, p, n)


def first_level(on: datetime.date) -> EvaluationLevel:
    """The body a dossier submitted on day ``on`` goes to first.

    From 06/07/2025 the commune's pre-check (1489/QĐ-TTg); 01–05/07/2025 the province
    council (148/QĐ-TTg, no district left); until 30/06/2025 the district council.
    """
    day = as_date(on, "on")
    if day >= DECISION_1489_DATE:
        return EvaluationLevel.COMMUNE
    if day >= DISTRICTS_ABOLISHED_DATE:
        return EvaluationLevel.PROVINCE
    return EvaluationLevel.DISTRICT


def level_exists(level: EvaluationLevel, on: datetime.date) -> bool:
    """Whether ``level``'s body exists on day ``on`` (districts end on 01/07/2025)."""
    day = as_date(on, "on")
    return not (level is EvaluationLevel.DISTRICT and day >= DISTRICTS_ABOLISHED_DATE)
