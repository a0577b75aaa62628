"""JSON API: zone irrigation settings and status, water now / stop, log, alerts, webhooks.

Every route declares its ``response_model`` (the Public models of
``server/models/irrigation.py`` and :mod:`server.irrigation.schemas`); a GET never writes."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Query
from sqlmodel import Session, col, func, select

from server.deps import CurrentUser, SessionDep, SettingsDep, load_zone
from server.errors import Conflict, Invalid, NotFound
from server.irrigation import alerts as alerts_mod
from server.irrigation import log as irrlog
from server.irrigation import stages
from server.irrigation.commands import stop_zone, water_now
from server.irrigation.coop import coop_overview
from server.irrigation.profiles import PROFILES, Stage
from server.irrigation.schemas import CoopZonePublic, IrrigationStatusPublic, WaterNow
from server.irrigation.status import zone_status
from server.irrigation.webhooks import check_registration, status_class
from server.irrigation.windows import local_day, parse_windows
from server.irrigation.zone_state import ensure_settings
from server.models import Organisation, Role, Zone
from server.models.crop import ZoneStageEvent, ZoneStageEventPublic
from server.models.irrigation import (
    Alert,
    AlertPublic,
    AlertWebhook,
    AlertWebhookCreate,
    AlertWebhookCreated,
    AlertWebhookPublic,
    IrrigationLog,
    IrrigationLogPublic,
    ValveCommand,
    ValveCommandPublic,
    ZoneIrrigation,
    ZoneIrrigationPublic,
    ZoneIrrigationUpdate,
)

__all__ = ["router", "SettingsUpdate", "apply_settings", "change_settings", "ACTORS"]

router = APIRouter(tags=["irrigation"])
ACTORS = (Role.farmer, Role.coop_admin)
#: The settings change body (kept under its old name for the pages).
SettingsUpdate = ZoneIrrigationUpdate


def apply_settings(row: ZoneIrrigation, upd: ZoneIrrigationUpdate) -> ZoneIrrigation:
    """Validate the combination, then write; nothing is changed on a bad value."""
    data = upd.model_dump(exclude_unset=True)
    merged = {**row.model_dump(), **data}
    if merged["on_pct"] >= merged["off_pct"]:
        raise Invalid("on_pct must be below off_pct (start below, stop at).")
    if merged["off_pct"] > merged["wet_alert_pct"]:
        raise Invalid("wet_alert_pct must not be below off_pct.")
    if merged["dry_alert_pct"] > merged["on_pct"]:
        raise Invalid("dry_alert_pct must not be above on_pct.")
    if "windows" in data:
        parse_windows(data["windows"] or "")
    for k, v in data.items():
        setattr(row, k, v)
    row.updated_at = datetime.now(UTC)
    return row


def change_settings(session: Session, zone: Zone, upd: ZoneIrrigationUpdate,
                    user_id: int | None) -> ZoneIrrigation:
    """A farmer's change: a new ``stage`` is an override (its numbers in force until the
    calendar's next stage), the other fields hand edits (logged; they hold until then)."""
    assert zone.id is not None
    now = datetime.now(UTC)
    day = local_day(now)
    row = ensure_settings(session, zone, day, now)
    data = upd.model_dump(exclude_unset=True)
    stage = data.pop("stage", None)
    if stage is not None and stage != row.stage:
        stages.override(session, zone, row, stage, user_id, now, day)
    before = row.model_dump()
    apply_settings(row, ZoneIrrigationUpdate.model_validate(data))
    stages.log_edit(session, zone.id, row.stage,
                    [k for k in data if before.get(k) != getattr(row, k)], user_id, now)
    return row


def _zone(session: Session, who: Any, zone_id: int, *roles: Role) -> Zone:
    zone, _farm = load_zone(session, who, zone_id, *roles)
    return zone



def _hook_public(h: AlertWebhook, secret: str | None = None) -> dict[str, Any]:
    """A hook as shown: the secret masked (unless given), the last answer's class only."""
    return {**h.model_dump(exclude={"secret", "last_status"}),
            "secret": secret if secret is not None else "…" + h.secret[-4:],
            "last_status": status_class(h.last_status)}


@router.get("/irrigation/profiles", response_model=dict[str, list[Stage]])
def profiles() -> dict[str, tuple[Stage, ...]]:
    """Each crop profile's growth stages and the settings a zone starts them with."""
    return PROFILES


@router.get("/irrigation/overview", response_model=list[CoopZonePublic])
def get_overview(who: CurrentUser, session: SessionDep) -> list[dict[str, Any]]:
    """Every zone of the caller's organisations (all for an administrator): moisture, stage,
    water used in the last 7 days against the crop's need, open alerts."""
    return coop_overview(session, None if who.is_admin else who.org_ids(), datetime.now(UTC))


@router.get("/zones/{zone_id}/irrigation/status", response_model=IrrigationStatusPublic)
def get_zone_irrigation(zone_id: int, who: CurrentUser, session: SessionDep) -> dict[str, Any]:
    """The zone's settings (its crop profile's defaults, not saved, when it has none yet),
    moisture, valve, plan, last watering and open alerts. Reads only."""
    zone = _zone(session, who, zone_id)
    st = zone_status(session, zone)
    return {"zone_id": zone_id, "settings": st["settings"].model_dump(),
            "moisture_pct": st["moisture_pct"], "valve": st["valve"]["key"], "plan": st["plan"],
            "last_watering": st["last_watering"],
            "alerts": [a.model_dump() for a in st["alerts"]],
            "season": {k: v for k, v in st["season"].items() if k != "stages"}}


@router.put("/zones/{zone_id}/irrigation/settings", response_model=ZoneIrrigationPublic)
def put_zone_irrigation(zone_id: int, body: ZoneIrrigationUpdate, who: CurrentUser,
                        session: SessionDep) -> ZoneIrrigation:
    zone = _zone(session, who, zone_id, *ACTORS)
    row = change_settings(session, zone, body, who.user.id)
    session.commit()
    session.refresh(row)
    return row


@router.post("/zones/{zone_id}/irrigation/stage/reset", response_model=ZoneIrrigationPublic)
def post_stage_reset(zone_id: int, who: CurrentUser, session: SessionDep) -> ZoneIrrigation:
    """Back to the crop calendar's stage (and its numbers) now: ends an override."""
    zone = _zone(session, who, zone_id, *ACTORS)
    now = datetime.now(UTC)
    row = ensure_settings(session, zone, local_day(now), now)
    stages.reset(session, zone, row, who.user.id, now, local_day(now))
    session.commit()
    session.refresh(row)
    return row


@router.get("/zones/{zone_id}/irrigation/stages", response_model=list[ZoneStageEventPublic])
def get_stage_events(zone_id: int, who: CurrentUser, session: SessionDep,
                     limit: int = Query(50, ge=1, le=500)) -> list[ZoneStageEvent]:
    """Stage changes (calendar), overrides, resets and hand edits, newest first."""
    _zone(session, who, zone_id)
    return stages.events(session, zone_id, limit)


@router.post("/zones/{zone_id}/irrigation/water", status_code=202,
             response_model=list[ValveCommandPublic])
def post_water(zone_id: int, body: WaterNow, who: CurrentUser,
               session: SessionDep) -> list[ValveCommand]:
    _zone(session, who, zone_id, *ACTORS)
    cmds = water_now(session, zone_id, body.minutes, who.user.id)
    session.commit()
    return cmds


@router.post("/zones/{zone_id}/irrigation/stop", status_code=202,
             response_model=list[ValveCommandPublic])
def post_stop(zone_id: int, who: CurrentUser, session: SessionDep) -> list[ValveCommand]:
    _zone(session, who, zone_id, *ACTORS)
    cmds = stop_zone(session, zone_id, who.user.id)
    session.commit()
    return cmds


@router.get("/zones/{zone_id}/irrigation/log", response_model=list[IrrigationLogPublic])
def get_log(zone_id: int, who: CurrentUser, session: SessionDep,
            days: int = Query(7, ge=1, le=366)) -> list[IrrigationLog]:
    _zone(session, who, zone_id)
    return irrlog.recent(session, zone_id, days, 500)


@router.get("/zones/{zone_id}/irrigation/commands", response_model=list[ValveCommandPublic])
def get_commands(zone_id: int, who: CurrentUser, session: SessionDep) -> list[ValveCommand]:
    _zone(session, who, zone_id)
    return list(session.exec(select(ValveCommand).where(ValveCommand.zone_id == zone_id)
                             .order_by(col(ValveCommand.id).desc()).limit(100)).all())


@router.get("/alerts", response_model=list[AlertPublic])
def list_alerts(who: CurrentUser, session: SessionDep,
                state: Literal["unresolved", "open", "acknowledged", "resolved", "all"] = "unresolved",
                limit: int = Query(100, ge=1, le=1000)) -> list[Alert]:
    stmt = select(Alert).order_by(col(Alert.opened_at).desc()).limit(limit)
    if not who.is_admin:
        stmt = stmt.where(col(Alert.organisation_id).in_(who.org_ids()))
    if state == "unresolved":
        stmt = stmt.where(Alert.state != "resolved")
    elif state != "all":
        stmt = stmt.where(Alert.state == state)
    return list(session.exec(stmt).all())


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertPublic)
def ack_alert(alert_id: int, who: CurrentUser, session: SessionDep) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(f"Alert {alert_id} does not exist.")
    who.require(alert.organisation_id, *ACTORS)
    alert = alerts_mod.acknowledge(session, alert_id, who.user.id)
    session.commit()
    session.refresh(alert)
    return alert


@router.get("/organisations/{org_id}/alert-webhooks", response_model=list[AlertWebhookPublic])
def list_webhooks(org_id: int, who: CurrentUser, session: SessionDep) -> list[dict[str, Any]]:
    """The organisation's hooks with their last delivery result (status class, our own error
    text, last success and failure times)."""
    who.require(org_id, Role.coop_admin)
    rows = session.exec(select(AlertWebhook).where(AlertWebhook.organisation_id == org_id)
                        .order_by(col(AlertWebhook.id))).all()
    return [_hook_public(h) for h in rows]


@router.post("/organisations/{org_id}/alert-webhooks", status_code=201,
             response_model=AlertWebhookCreated)
def add_webhook(org_id: int, body: AlertWebhookCreate, who: CurrentUser, session: SessionDep,
                settings: SettingsDep) -> dict[str, Any]:
    """Register an endpoint (a public http/https address; at most
    ``NONGSO_WEBHOOK_MAX_PER_ORG`` per organisation); the signing secret is returned once."""
    who.require(org_id, Role.coop_admin)
    if session.get(Organisation, org_id) is None:
        raise NotFound(f"Organisation {org_id} does not exist.")
    n = session.exec(select(func.count()).select_from(AlertWebhook)
                     .where(AlertWebhook.organisation_id == org_id)).one()
    if n >= settings.webhook_max_per_org:
        raise Conflict(f"Mỗi tổ chức chỉ được đăng ký tối đa {settings.webhook_max_per_org} "
                       "webhook cảnh báo.")
    check_registration(str(body.url), settings.webhook_allow_private)
    hook = AlertWebhook(organisation_id=org_id, url=str(body.url),
                        secret=body.secret or secrets.token_urlsafe(32))
    session.add(hook)
    session.commit()
    session.refresh(hook)
    return _hook_public(hook, secret=hook.secret)
