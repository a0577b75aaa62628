"""Column helpers shared by the tables."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

__all__ = ["utcnow", "created_at_field", "ProvinceCode", "CommuneCode", "Name"]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def created_at_field() -> Any:
    return Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True), nullable=False)


# Decision 19/2025/QĐ-TTg: 2-digit province code, 5-digit commune code (since 1 July 2025).
PROVINCE_PATTERN = r"^\d{2}$"
COMMUNE_PATTERN = r"^\d{5}$"

ProvinceCode = str
CommuneCode = str
Name = str
