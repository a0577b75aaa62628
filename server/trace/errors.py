"""Domain errors of the traceability package (mapped to HTTP by :mod:`server.errors`)."""

from __future__ import annotations

from server.errors import Conflict

__all__ = ["LotNotStampable"]


class LotNotStampable(Conflict):
    """The lot carries a stamp-block flag (e.g. harvest inside a pre-harvest interval) that no
    inspector has overridden yet: it may not get consumer stamps."""

    code = "lot_blocked"
    title_vi = "Lô hàng đang bị chặn in tem"

    def __init__(self, detail: str, lot_id: int, flag_ids: list[int]) -> None:
        super().__init__(detail)
        self.lot_id = lot_id
        self.flag_ids = flag_ids
