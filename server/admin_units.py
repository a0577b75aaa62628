"""Vietnam's administrative units since 1 July 2025, from the official list.

Wraps the ``vietnam-provinces`` package (data of the General Statistics Office's list of
administrative units, as reorganised by Resolution 202/2025/QH15 and the Standing Committee's
resolutions of June 2025; codes per Decision 19/2025/QĐ-TTg): 34 provinces and centrally-run
cities (2-digit codes) and their communes, wards and special zones (5-digit codes). There is
no district level any more.

Codes are handled as the zero-padded strings the database stores ("31", "10813"). Addresses
from before the reorganisation (districts, old provinces) are not codes: they stay free text
(``legacy_address``) and are never checked here.

Everything is read from the package's in-memory tables; nothing is built at import time
beyond a lazily filled cache.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

from vietnam_provinces import Province, Ward
from vietnam_provinces import __data_version__ as DATA_VERSION  # noqa: N812

from server.errors import Invalid

__all__ = [
    "DATA_VERSION", "ProvinceUnit", "CommuneUnit", "AdminUnitError", "provinces", "province",
    "commune", "communes_of", "is_current_province", "commune_in_province", "check_location",
    "search_communes", "place_name", "require_location",
]


class AdminUnitError(ValueError):
    """A province or commune code that is not on the official list (or not where claimed)."""


@dataclass(frozen=True)
class ProvinceUnit:
    code: str  # 2 digits
    name: str  # "Thành phố Hải Phòng"
    kind: str  # "tỉnh" / "thành phố trung ương"


@dataclass(frozen=True)
class CommuneUnit:
    code: str  # 5 digits
    name: str  # "Xã Thanh Hà"
    kind: str  # "xã" / "phường" / "đặc khu"
    province_code: str

    @property
    def label(self) -> str:
        """"Xã Thanh Hà, Thành phố Hải Phòng" — what pages show."""
        return f"{self.name}, {_provinces()[self.province_code].name}"


@cache
def _provinces() -> dict[str, ProvinceUnit]:
    return {f"{p.code.value:02d}": ProvinceUnit(f"{p.code.value:02d}", p.name, p.division_type.value)
            for p in Province.iter_all()}


@cache
def _communes() -> dict[str, CommuneUnit]:
    return {f"{w.code.value:05d}": CommuneUnit(f"{w.code.value:05d}", w.name, w.division_type.value,
                                              f"{w.province_code.value:02d}")
            for w in Ward.iter_all()}


def provinces() -> list[ProvinceUnit]:
    """The 34 provinces and centrally-run cities, by code."""
    return sorted(_provinces().values(), key=lambda p: p.code)


def province(code: str | None) -> ProvinceUnit | None:
    """The current province with this 2-digit code, or None (unknown or abolished)."""
    return None if code is None else _provinces().get(code)


def commune(code: str | None) -> CommuneUnit | None:
    """The current commune/ward/special zone with this 5-digit code, or None."""
    return None if code is None else _communes().get(code)


def communes_of(province_code: str) -> list[CommuneUnit]:
    """Every current commune of a province, by name (for forms)."""
    return sorted((c for c in _communes().values() if c.province_code == province_code),
                  key=lambda c: _fold(c.name))


def is_current_province(code: str | None) -> bool:
    """True if ``code`` is one of the 34 provinces since 1 July 2025 (old codes such as 30
    Hải Dương, merged into Hải Phòng, are not)."""
    return province(code) is not None


def commune_in_province(commune_code: str, province_code: str) -> bool:
    """True if the commune exists today and belongs to that province."""
    c = commune(commune_code)
    return c is not None and c.province_code == province_code


def check_location(province_code: str | None, commune_code: str | None) -> None:
    """Raise AdminUnitError (with a message for a 422) unless the pair is on the official list.

    ``province_code`` None means "not given" (then only the commune itself is checked).
    """
    if province_code is not None and not is_current_province(province_code):
        raise AdminUnitError(f"province code {province_code!r} is not one of the 34 provinces "
                             "since 1 July 2025 (Decision 19/2025/QĐ-TTg); old addresses go in "
                             "legacy_address as free text")
    if commune_code is None:
        return
    c = commune(commune_code)
    if c is None:
        raise AdminUnitError(f"commune code {commune_code!r} is not a current commune, ward or "
                             "special zone (official list since 1 July 2025)")
    if province_code is not None and c.province_code != province_code:
        raise AdminUnitError(
            f"commune {commune_code} ({c.name}) belongs to province {c.province_code} "
            f"({_provinces()[c.province_code].name}), not to {province_code}")


def require_location(province_code: str | None, commune_code: str | None) -> None:
    """:func:`check_location` for API handlers: a bad pair is a 422 (nothing written)."""
    try:
        check_location(province_code, commune_code)
    except AdminUnitError as exc:
        raise Invalid(str(exc)) from None


def _fold(text: str) -> str:
    """Lower case without diacritics ("Thanh Hà" → "thanh ha"), for search and sorting."""
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def search_communes(query: str, province_code: str | None = None,
                    limit: int = 20) -> list[CommuneUnit]:
    """Communes whose name or code contains ``query`` (diacritics optional), for form pickers."""
    q = _fold(query.strip())
    pool = communes_of(province_code) if province_code else sorted(
        _communes().values(), key=lambda c: (c.province_code, _fold(c.name)))
    found = [c for c in pool if q in _fold(c.name) or c.code.startswith(q)] if q else pool
    return found[:max(0, limit)]


def place_name(province_code: str | None, commune_code: str | None) -> str | None:
    """"Xã Thanh Hà, Thành phố Hải Phòng" (or just the province), None if neither is known."""
    c = commune(commune_code)
    if c is not None:
        return c.label
    p = province(province_code)
    return p.name if p else None
