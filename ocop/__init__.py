"""OCOP (One Commune One Product, Mỗi xã một sản phẩm): criteria, scoring, certificates.

A leaf library: pure Python, no database, no web framework, nothing imported from the
rest of the repository.

- :mod:`ocop.criteria` — versioned criteria sets (148/QĐ-TTg 2023; legacy 1048/QĐ-TTg).
- :mod:`ocop.scoring` — star table, assessment scoring, certificate expiry and rules.
- :mod:`ocop.groups` — product groups, subgroups (product sets) and subject types.
- :mod:`ocop.council` — council roles, quorum, allowed spread, final score, conflicts.
- :mod:`ocop.errors` — every error, all ``ValueError`` subclasses.
"""

from __future__ import annotations

from ocop.criteria import CRITERIA_SETS, criteria_set_for, get_criteria_set
from ocop.errors import OcopError
from ocop.groups import ProductGroup, Subgroup, SubjectType
from ocop.model import CriteriaSet, Criterion, Option, Part, Section
from ocop.scoring import (
    Answer,
    AssessmentResult,
    certificate_expiry,
    score_assessment,
    stars,
)

__all__ = [
    "CRITERIA_SETS",
    "Answer",
    "AssessmentResult",
    "CriteriaSet",
    "Criterion",
    "OcopError",
    "Option",
    "Part",
    "ProductGroup",
    "Section",
    "SubjectType",
    "Subgroup",
    "certificate_expiry",
    "criteria_set_for",
    "get_criteria_set",
    "score_assessment",
    "stars",
]
