"""Column helpers shared by the tables, and the one check of human-entered names."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

__all__ = ["utcnow", "created_at_field", "ProvinceCode", "CommuneCode", "Name", "clean_name",
           "clean_optional_name", "PROVINCES", "check_province"]


def utcnow() -> datetime:
    return datetime.now(UTC)


def created_at_field() -> Any:
    return Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True), nullable=False)


# Decision 19/2025/QĐ-TTg: 2-digit province code, 5-digit commune code (since 1 July 2025).
PROVINCE_PATTERN = r"^\d{2}$"
COMMUNE_PATTERN = r"^\d{5}$"

#: Vietnam's provinces since 1 July 2025 (Resolution 202/2025/QH15; codes of Decision
#: 19/2025/QĐ-TTg): 34 provinces and centrally-run cities.
PROVINCES: dict[str, str] = {
    "01": "Thành phố Hà Nội", "04": "Cao Bằng", "08": "Tuyên Quang", "11": "Điện Biên",
    "12": "Lai Châu", "14": "Sơn La", "15": "Lào Cai", "19": "Thái Nguyên", "20": "Lạng Sơn",
    "22": "Quảng Ninh", "24": "Bắc Ninh", "25": "Phú Thọ", "31": "Thành phố Hải Phòng",
    "33": "Hưng Yên", "37": "Ninh Bình", "38": "Thanh Hóa", "40": "Nghệ An", "42": "Hà Tĩnh",
    "44": "Quảng Trị", "46": "Thành phố Huế", "48": "Thành phố Đà Nẵng", "51": "Quảng Ngãi",
    "52": "Gia Lai", "56": "Khánh Hòa", "66": "Đắk Lắk", "68": "Lâm Đồng", "75": "Đồng Nai",
    "79": "Thành phố Hồ Chí Minh", "80": "Tây Ninh", "82": "Đồng Tháp", "86": "Vĩnh Long",
    "91": "An Giang", "92": "Thành phố Cần Thơ", "96": "Cà Mau",
}


def check_province(code: str | None) -> str | None:
    """``code`` if it names a province today; ValueError otherwise (for pydantic validators)."""
    if code is not None and code not in PROVINCES:
        raise ValueError(f"province code {code!r} is not one of the 34 provinces since "
                         "1 July 2025 (Decision 19/2025/QĐ-TTg)")
    return code


ProvinceCode = str
CommuneCode = str
Name = str

#: Bidirectional embeddings/overrides/isolates (U+202A–U+202E, U+2066–U+2069) turn a name
#: into a lie on screen ("HTX ‮ài‬v" shows as another co-op); C0/C1 controls break lists.
_REFUSED = re.compile(r"[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]")


def clean_name(value: str) -> str:
    """A name as stored: Unicode NFC, no control or bidi-override characters (else ValueError).

    Vietnamese typed on different keyboards arrives composed or decomposed ("ả" as one code
    point or "a" + U+0309); NFC makes equal names equal for search and uniqueness.
    """
    bad = _REFUSED.search(value)
    if bad:
        raise ValueError(f"contains the control character U+{ord(bad.group()):04X}; "
                         "names may not contain control or text-direction characters")
    return unicodedata.normalize("NFC", value)


def clean_optional_name(value: str | None) -> str | None:
    return None if value is None else clean_name(value)
