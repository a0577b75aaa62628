"""Farmer pages: "Tưới ngay" / "Dừng" forms, alert acknowledgement, a zone's settings and log.

Plain HTML forms (CSRF token in a hidden field, checked app-wide); no framework."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlmodel import col, select

from server.deps import CurrentUser, SessionDep, load_zone
from server.errors import Invalid, NotFound
from server.irrigation import alerts as alerts_mod
from server.irrigation import log as irrlog
from server.irrigation import stages
from server.irrigation.api import ACTORS, SettingsUpdate, change_settings
from server.irrigation.commands import stop_zone, water_now
from server.irrigation.profiles import CROPS
from server.irrigation.status import zone_status
from server.irrigation.windows import local_day
from server.irrigation.zone_form import FIELDS as CROP_FIELDS
from server.irrigation.zone_form import apply_zone_update
from server.irrigation.zone_state import ensure_settings
from server.models import Role, ZoneUpdate
from server.models.irrigation import Alert, ValveCommand
from server.templating import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

#: The mode select's options (value, Vietnamese label).
MODES_VI = [("threshold", "Theo độ ẩm đất (ngưỡng)"), ("et", "Theo bốc thoát hơi (ET₀ × Kc)"),
            ("off", "Tắt tưới tự động")]
#: Number fields (the form shows them with ``inputmode="decimal"``); "windows" is text.
FIELDS_VI = [
    ("mode", "Chế độ tưới"), ("on_pct", "Bắt đầu tưới khi độ ẩm dưới (%)"),
    ("off_pct", "Dừng tưới khi độ ẩm đạt (%)"), ("dry_alert_pct", "Báo quá khô dưới (%)"),
    ("wet_alert_pct", "Báo quá ướt trên (%)"), ("windows", "Khung giờ được tưới"),
    ("max_litres_day", "Tối đa lít mỗi ngày"), ("max_run_s", "Tối đa mỗi lần tưới (giây)"),
    ("lease_s", "Độ dài mỗi lệnh mở van (giây)"), ("flow_lpm", "Lưu lượng (lít/phút)"),
    ("rain_skip_mm", "Bỏ tưới khi mưa từ (mm)"), ("kc", "Hệ số cây trồng Kc"),
    ("deficit_trigger_mm", "Tưới khi thiếu nước (mm)"), ("et0_mm_day", "ET₀ mặc định (mm/ngày)"),
    ("start_kpa", "Ngưỡng bắt đầu (kPa, tham khảo)"), ("max_kpa", "Ngưỡng tối đa (kPa, tham khảo)"),
]


EVENT_VI = {"calendar": "theo lịch mùa vụ", "override": "nông dân chọn", "reset": "về theo lịch",
            "settings": "sửa ngưỡng"}


def _back(zone_id: int, ok: str) -> RedirectResponse:
    return RedirectResponse(f"/farm?ok={ok}#zone-{zone_id}", status_code=303)


@router.post("/zones/{zone_id}/water")
def water_submit(zone_id: int, who: CurrentUser, session: SessionDep,
                 minutes: int = Form(ge=1, le=240)) -> RedirectResponse:
    load_zone(session, who, zone_id, *ACTORS)
    water_now(session, zone_id, minutes, who.user.id)
    session.commit()
    return _back(zone_id, "water")


@router.post("/zones/{zone_id}/stop")
def stop_submit(zone_id: int, who: CurrentUser, session: SessionDep) -> RedirectResponse:
    load_zone(session, who, zone_id, *ACTORS)
    stop_zone(session, zone_id, who.user.id)
    session.commit()
    return _back(zone_id, "stop")


@router.post("/alerts/{alert_id}/ack")
def alert_ack_submit(alert_id: int, who: CurrentUser, session: SessionDep) -> RedirectResponse:
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(f"Alert {alert_id} does not exist.")
    who.require(alert.organisation_id, *ACTORS)
    alerts_mod.acknowledge(session, alert_id, who.user.id)
    session.commit()
    return _back(alert.zone_id or 0, "ack")


def _zone_page(request: Request, who: Any, session: Any, zone_id: int, error: str | None = None,
               status: int = 200) -> HTMLResponse:
    zone, farm = load_zone(session, who, zone_id)
    st = zone_status(session, zone)
    cmds = session.exec(select(ValveCommand).where(ValveCommand.zone_id == zone_id)
                        .order_by(col(ValveCommand.id).desc()).limit(10)).all()
    ctx = {"who": who, "zone": zone, "farm": farm, "st": st, "fields": FIELDS_VI,
           "modes": MODES_VI, "stage_log": stages.events(session, zone_id, 10),
           "stage_vi": stages.STAGE_VI, "event_vi": EVENT_VI,
           "log": irrlog.recent(session, zone_id, 7), "trigger_vi": irrlog.TRIGGER_VI,
           "cmds": cmds, "error": error, "crop_fields": CROP_FIELDS,
           "varieties": [(v.key, v.name_vi) for v in getattr(CROPS.get(zone.crop), "varieties", ())],
           "may_edit_zone": who.is_admin or who.role_in(farm.organisation_id) == Role.coop_admin}
    return render(request, "irrigation_zone.html", ctx, status)  # reads only: a GET never writes


@router.get("/zones/{zone_id}/irrigation", response_class=HTMLResponse)
def zone_page(zone_id: int, request: Request, who: CurrentUser, session: SessionDep) -> HTMLResponse:
    return _zone_page(request, who, session, zone_id)


@router.post("/zones/{zone_id}/irrigation", response_class=HTMLResponse)
async def zone_settings_submit(zone_id: int, request: Request, who: CurrentUser,
                               session: SessionDep) -> Any:
    zone, _farm = load_zone(session, who, zone_id, *ACTORS)
    form = await request.form()
    data = {k: (str(v).strip() or None) for k, v in form.items()
            if k in {f for f, _ in FIELDS_VI} | {"stage"}}
    if data.get("windows") is None and "windows" in data:
        data["windows"] = ""
    if data.get("stage") is None:
        data.pop("stage", None)
    try:
        change_settings(session, zone, SettingsUpdate.model_validate(data), who.user.id)
    except (ValidationError, Invalid) as exc:
        session.rollback()
        msg = "; ".join(str(e.get("loc", [""])[-1]) + ": " + e["msg"] for e in exc.errors()) \
            if isinstance(exc, ValidationError) else exc.detail
        return _zone_page(request, who, session, zone_id, f"Giá trị không hợp lệ — {msg}", 422)
    session.commit()
    return RedirectResponse(f"/zones/{zone_id}/irrigation?saved=1", status_code=303)


@router.post("/zones/{zone_id}/crop", response_class=HTMLResponse)
async def zone_crop_submit(zone_id: int, request: Request, who: CurrentUser,
                           session: SessionDep) -> Any:
    """The crop, variety, season date, area and drip line (co-op admin)."""
    zone, _farm = load_zone(session, who, zone_id, Role.coop_admin)
    form = await request.form()
    data = {k: (str(form[k]).strip() or None) for k, _l, _t in CROP_FIELDS if k in form}
    try:
        reason = apply_zone_update(zone, ZoneUpdate.model_validate(data))
    except ValidationError as exc:
        reason = "; ".join(str(e.get("loc", [""])[-1]) + ": " + e["msg"] for e in exc.errors())
    if reason is not None:
        session.rollback()
        return _zone_page(request, who, session, zone_id, f"Giá trị không hợp lệ — {reason}", 422)
    session.add(zone)
    session.commit()
    return RedirectResponse(f"/zones/{zone_id}/irrigation?saved=1", status_code=303)


@router.get("/coop/irrigation", response_class=HTMLResponse)
def coop_irrigation_page(request: Request, who: CurrentUser, session: SessionDep) -> HTMLResponse:
    """All the co-op's zones at once: moisture, stage, the week's water against plan, alerts."""
    from datetime import UTC, datetime

    from server.irrigation.coop import coop_overview

    rows = coop_overview(session, None if who.is_admin else who.org_ids(), datetime.now(UTC))
    return render(request, "irrigation_coop.html", {"who": who, "rows": rows})


@router.post("/zones/{zone_id}/irrigation/stage-reset")
def stage_reset_submit(zone_id: int, who: CurrentUser, session: SessionDep) -> RedirectResponse:
    """"Theo lịch": back to the crop calendar's stage now (ends the farmer's override)."""
    from datetime import UTC, datetime

    zone, _farm = load_zone(session, who, zone_id, *ACTORS)
    now = datetime.now(UTC)
    row = ensure_settings(session, zone, local_day(now), now)
    stages.reset(session, zone, row, who.user.id, now, local_day(now))
    session.commit()
    return RedirectResponse(f"/zones/{zone_id}/irrigation?saved=1", status_code=303)
