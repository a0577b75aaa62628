"""Versioned OCOP criteria sets, one module per decision and product set.

- ``qd148_fresh_produce``: Decision 148/QĐ-TTg (24/02/2023), "Rau, củ, quả, hạt tươi",
  parts 40/25/35 — the set in force for new evaluations.
- ``qd1048_fresh_produce``: Decision 1048/QĐ-TTg (21/08/2019), same subgroup, parts
  35/25/40 — legacy, for records made before 24/02/2023.
- ``qd148_processed_produce`` (set 7: dried lychee, dried longan, carrot products),
  ``qd148_honey`` (set 4: honey and other sweet products), ``qd148_other_alcoholic``
  (set 15: fruit wine), ``qd148_other_soft_drinks`` (set 17: juices),
  ``qd148_processed_animal_honey`` (set 8: honey products), ``qd148_white_spirits``
  (set 14: lychee spirit), ``qd148_herbal_tea`` (set 12: herbal and flower teas; section 6
  read as 16 points, see its module): 148/2023 sheets
  written in sheet notation (:mod:`ocop.criteria._sheet`); every criterion cites its
  annex, set, part, section and item (``Criterion.source_ref``) and says what could not be
  checked against the printed text (``Criterion.source_note``).

Not recorded: no 1048/2019 sheets for sets other than fresh produce (no record
before 24/02/2023 of those sets exists here).

Every set runs its self-check when its module is imported, so bad data fails at import.
Records should store the set's ``key`` (e.g. ``"qd148-2023/fresh-produce"``) with the
scores, and re-score with :func:`get_criteria_set` — never with "the current" set.
"""

from __future__ import annotations

import datetime

from ocop.criteria.qd148_fresh_produce import CRITERIA as QD148_FRESH_PRODUCE
from ocop.criteria.qd148_herbal_tea import CRITERIA as QD148_HERBAL_TEA
from ocop.criteria.qd148_honey import CRITERIA as QD148_HONEY
from ocop.criteria.qd148_other_alcoholic import CRITERIA as QD148_OTHER_ALCOHOLIC
from ocop.criteria.qd148_other_soft_drinks import CRITERIA as QD148_OTHER_SOFT_DRINKS
from ocop.criteria.qd148_processed_animal_honey import CRITERIA as QD148_PROCESSED_HONEY
from ocop.criteria.qd148_processed_produce import CRITERIA as QD148_PROCESSED_PRODUCE
from ocop.criteria.qd148_white_spirits import CRITERIA as QD148_WHITE_SPIRITS
from ocop.criteria.qd1048_fresh_produce import CRITERIA as QD1048_FRESH_PRODUCE
from ocop.errors import InvalidDateError, NoCriteriaSetError
from ocop.groups import Subgroup
from ocop.model import CriteriaSet

__all__ = [
    "CRITERIA_SETS",
    "QD148_FRESH_PRODUCE",
    "QD148_HERBAL_TEA",
    "QD148_HONEY",
    "QD148_OTHER_ALCOHOLIC",
    "QD148_OTHER_SOFT_DRINKS",
    "QD148_PROCESSED_HONEY",
    "QD148_PROCESSED_PRODUCE",
    "QD148_WHITE_SPIRITS",
    "QD1048_FRESH_PRODUCE",
    "criteria_set_for",
    "get_criteria_set",
]

CRITERIA_SETS: dict[str, CriteriaSet] = {
    s.key: s
    for s in (
        QD148_FRESH_PRODUCE,
        QD1048_FRESH_PRODUCE,
        QD148_PROCESSED_PRODUCE,
        QD148_HONEY,
        QD148_OTHER_ALCOHOLIC,
        QD148_OTHER_SOFT_DRINKS,
        QD148_PROCESSED_HONEY,
        QD148_WHITE_SPIRITS,
        QD148_HERBAL_TEA,
    )
}


def get_criteria_set(key: str) -> CriteriaSet:
    """The criteria set stored under ``key``; :class:`NoCriteriaSetError` if unknown."""
    try:
        return CRITERIA_SETS[key]
    except (KeyError, TypeError):
        raise NoCriteriaSetError(f"no OCOP criteria set {key!r}") from None


def criteria_set_for(subgroup: Subgroup, on: datetime.date) -> CriteriaSet:
    """The criteria set in force for ``subgroup`` on day ``on``.

    148/QĐ-TTg from 24/02/2023; 1048/QĐ-TTg from 21/08/2019 to 23/02/2023. Raises
    :class:`NoCriteriaSetError` when no set is recorded for that subgroup and day.
    """
    if not isinstance(on, datetime.date):
        raise InvalidDateError(f"expected a date, got {type(on).__name__}")
    day = on.date() if isinstance(on, datetime.datetime) else on
    for candidate in CRITERIA_SETS.values():
        if candidate.subgroup == subgroup and candidate.applies_on(day):
            return candidate
    raise NoCriteriaSetError(
        f"no OCOP criteria set for {getattr(subgroup, 'value', subgroup)!r} on {day}"
    )
