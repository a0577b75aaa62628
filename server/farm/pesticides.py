"""The spraying form's product list: trade name, active ingredient, pre-harvest interval.

Read from the traceability package's checked list (``server/trace/data/pesticides.json``:
PHI as printed on each registered label, Thông tư 21/2015/TT-BNNPTNT Điều 6), the same list
the pre-harvest checks use. The form fills in the PHI and the farmer may correct it from
the bottle in hand; a product not in the list is typed in ("Khác").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = ["Pesticide", "pesticides", "FERTILISERS", "ACTIVITIES"]

LIST = Path(__file__).resolve().parents[1] / "trace" / "data" / "pesticides.json"


@dataclass(frozen=True, slots=True)
class Pesticide:
    name: str
    active_ingredient: str
    phi_days: int
    crops: tuple[str, ...]


@cache
def pesticides() -> tuple[Pesticide, ...]:
    """The products of the list (empty if the file is missing or unreadable)."""
    try:
        data = json.loads(LIST.read_text("utf-8"))
        return tuple(Pesticide(p["trade_name"], p["active_ingredient"], int(p["phi_days"]),
                               tuple(p.get("crops", ()))) for p in data["products"])
    except (OSError, ValueError, KeyError, TypeError):
        return ()


FERTILISERS: tuple[str, ...] = (
    "NPK 16-16-8", "NPK 20-20-15", "Đạm urê", "Kali clorua (KCl)", "Lân supe",
    "Phân chuồng hoai", "Phân hữu cơ vi sinh",
)

#: What the page offers → (the diary's kind, the Vietnamese label).
ACTIVITIES: dict[str, tuple[str, str]] = {
    "spraying": ("spraying", "Phun thuốc BVTV"),
    "fertilising": ("fertilising", "Bón phân"),
    "pruning": ("other", "Tỉa cành"),
    "flowering": ("other", "Quan sát ra hoa"),
    "fruit_set": ("other", "Quan sát đậu quả"),
    "harvest": ("other", "Thu hoạch"),
}
