"""The zone page's "Cây trồng và hệ thống tưới" form: crop, variety, sowing or season date,
area and drip line — what the crop calendar (``calendar.py``) and the water sizing
(``sizing.py``) read. A co-op admin changes them here (``POST /zones/{id}/crop`` in
``pages.py``) or through ``PATCH /api/v1/zones/{id}``: the same check for both; a bad value
shows the form again with the reason and changes nothing."""

from __future__ import annotations

from typing import Any

from server.irrigation.profiles import check_variety
from server.models import ZoneUpdate

__all__ = ["FIELDS", "apply_zone_update"]

#: The form's fields: (name, Vietnamese label, input type).
FIELDS = [("variety", "Giống / trà", "select"), ("season_date", "Ngày gieo hoặc ngày thu hoạch vụ",
                                                  "date"),
          ("area_m2", "Diện tích (m²)", "decimal"), ("emitters", "Số béc nhỏ giọt", "numeric"),
          ("emitter_lph", "Lưu lượng một béc (lít/giờ)", "decimal"),
          ("measured_lpm", "Lưu lượng đo được của đường ống (lít/phút)", "decimal")]


def apply_zone_update(zone: Any, body: ZoneUpdate) -> str | None:
    """Apply ``body`` to ``zone`` unless the variety does not belong to the crop (the reason
    then, nothing changed)."""
    changes = body.model_dump(exclude_unset=True)
    reason = check_variety(changes.get("crop", zone.crop), changes.get("variety", zone.variety))
    if reason is None:
        zone.sqlmodel_update(changes)
    return reason
