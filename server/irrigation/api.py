"""JSON API: zone irrigation settings and status, water now / stop, log, alerts, webhooks."""

from __future__ import annotations

import secrets
from datetime import datetime, timezone
from typing import Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, HttpUrl
from sqlmodel import Session, col, select

from server.deps import CurrentUser, SessionDep, load_zone
from server.errors import Invalid, NotFound
from server.irrigation import alerts as alerts_mod
from server.irrigation import log as irrlog
from server.irrigation.controller import ensure_settings, parse_windows, stop_zone, water_now
from server.irrigation.profiles import PROFILES
from server.irrigation.status import zone_status
from server.models import Organisation, Role, Zone
from server.models.irrigation import Alert, AlertWebhook, ValveCommand, ZoneIrrigation

__all__ = ["router", "SettingsUpdate", "apply_settings"]

router = APIRouter(tags=["irrigation"])
ACTORS = (Role.farmer, Role.coop_admin)


class SettingsUpdate(BaseModel):
    model_config = {"extra": "forbid"}
    mode: Literal["off", "threshold", "et"] | None = None
    stage: str | None = Field(default=None, max_length=40)
    start_kpa: float | None = Field(default=None, ge=0, le=1500)
    max_kpa: float | None = Field(default=None, ge=0, le=1500)
    on_pct: float | None = Field(default=None, ge=0, le=100)
    off_pct: float | None = Field(default=None, ge=0, le=100)
    dry_alert_pct: float | None = Field(default=None, ge=0, le=100)
    wet_alert_pct: float | None = Field(default=None, ge=0, le=100)
    windows: str | None = Field(default=None, max_length=200)
    max_litres_day: float | None = Field(default=None, ge=0, le=1_000_000)
    max_run_s: int | None = Field(default=None, ge=60, le=86400)
    lease_s: int | None = Field(default=None, ge=60, le=86400)
    flow_lpm: float | None = Field(default=None, gt=0, le=10000)
    rain_skip_mm: float | None = Field(default=None, ge=0, le=500)
    kc: float | None = Field(default=None, ge=0, le=2)
    deficit_trigger_mm: float | None = Field(default=None, gt=0, le=200)
    et0_mm_day: float | None = Field(default=None, ge=0, le=20)


def apply_settings(row: ZoneIrrigation, upd: SettingsUpdate) -> ZoneIrrigation:
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
    row.updated_at = datetime.now(timezone.utc)
    return row


def _zone(session: Session, who: Any, zone_id: int, *roles: Role) -> Zone:
    zone, _farm = load_zone(session, who, zone_id, *roles)
    return zone


def _cmd_json(c: ValveCommand) -> dict[str, Any]:
    return {"id": c.id, "cmd_id": c.cmd_id, "op": c.op, "dur_s": c.dur_s, "status": c.status,
            "reason": c.reason, "trigger": c.trigger, "expires_at": c.expires_at,
            "litres": c.litres}


@router.get("/irrigation/profiles")
def profiles() -> dict[str, Any]:
    return {k: [s.__dict__ for s in v] for k, v in PROFILES.items()}


@router.get("/zones/{zone_id}/irrigation/status")
def get_zone_irrigation(zone_id: int, who: CurrentUser, session: SessionDep) -> dict[str, Any]:
    zone = _zone(session, who, zone_id)
    st = zone_status(session, zone)
    session.commit()
    return {"zone_id": zone_id, "settings": st["settings"].model_dump(),
            "moisture_pct": st["moisture_pct"], "valve": st["valve"]["key"], "plan": st["plan"],
            "last_watering": st["last_watering"],
            "alerts": [a.model_dump() for a in st["alerts"]]}


@router.put("/zones/{zone_id}/irrigation/settings")
def put_zone_irrigation(zone_id: int, body: SettingsUpdate, who: CurrentUser,
                        session: SessionDep) -> dict[str, Any]:
    zone = _zone(session, who, zone_id, *ACTORS)
    row = apply_settings(ensure_settings(session, zone), body)
    session.commit()
    return row.model_dump()


class WaterNow(BaseModel):
    minutes: int = Field(ge=1, le=240)


@router.post("/zones/{zone_id}/irrigation/water", status_code=202)
def post_water(zone_id: int, body: WaterNow, who: CurrentUser,
               session: SessionDep) -> list[dict[str, Any]]:
    _zone(session, who, zone_id, *ACTORS)
    cmds = water_now(session, zone_id, body.minutes, who.user.id)
    session.commit()
    return [_cmd_json(c) for c in cmds]


@router.post("/zones/{zone_id}/irrigation/stop", status_code=202)
def post_stop(zone_id: int, who: CurrentUser, session: SessionDep) -> list[dict[str, Any]]:
    _zone(session, who, zone_id, *ACTORS)
    cmds = stop_zone(session, zone_id, who.user.id)
    session.commit()
    return [_cmd_json(c) for c in cmds]


@router.get("/zones/{zone_id}/irrigation/log")
def get_log(zone_id: int, who: CurrentUser, session: SessionDep,
            days: int = Query(7, ge=1, le=366)) -> list[dict[str, Any]]:
    _zone(session, who, zone_id)
    return [e.model_dump() for e in irrlog.recent(session, zone_id, days, 500)]


@router.get("/zones/{zone_id}/irrigation/commands")
def get_commands(zone_id: int, who: CurrentUser, session: SessionDep) -> list[dict[str, Any]]:
    _zone(session, who, zone_id)
    rows = session.exec(select(ValveCommand).where(ValveCommand.zone_id == zone_id)
                        .order_by(col(ValveCommand.id).desc()).limit(100)).all()
    return [_cmd_json(c) for c in rows]


@router.get("/alerts")
def list_alerts(who: CurrentUser, session: SessionDep,
                state: Literal["unresolved", "open", "acknowledged", "resolved", "all"] = "unresolved",
                limit: int = Query(100, ge=1, le=1000)) -> list[dict[str, Any]]:
    stmt = select(Alert).order_by(col(Alert.opened_at).desc()).limit(limit)
    if not who.is_admin:
        stmt = stmt.where(col(Alert.organisation_id).in_(who.org_ids()))
    if state == "unresolved":
        stmt = stmt.where(Alert.state != "resolved")
    elif state != "all":
        stmt = stmt.where(Alert.state == state)
    return [a.model_dump() for a in session.exec(stmt).all()]


@router.post("/alerts/{alert_id}/acknowledge")
def ack_alert(alert_id: int, who: CurrentUser, session: SessionDep) -> dict[str, Any]:
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(f"Alert {alert_id} does not exist.")
    who.require(alert.organisation_id, *ACTORS)
    alert = alerts_mod.acknowledge(session, alert_id, who.user.id)
    session.commit()
    return alert.model_dump()


class WebhookCreate(BaseModel):
    url: HttpUrl
    secret: str | None = Field(default=None, min_length=16, max_length=200)


@router.get("/organisations/{org_id}/alert-webhooks")
def list_webhooks(org_id: int, who: CurrentUser, session: SessionDep) -> list[dict[str, Any]]:
    who.require(org_id, Role.coop_admin)
    rows = session.exec(select(AlertWebhook).where(AlertWebhook.organisation_id == org_id)).all()
    return [{**h.model_dump(exclude={"secret"}), "secret": "…" + h.secret[-4:]} for h in rows]


@router.post("/organisations/{org_id}/alert-webhooks", status_code=201)
def add_webhook(org_id: int, body: WebhookCreate, who: CurrentUser,
                session: SessionDep) -> dict[str, Any]:
    """Register an endpoint; the signing secret is returned once."""
    who.require(org_id, Role.coop_admin)
    if session.get(Organisation, org_id) is None:
        raise NotFound(f"Organisation {org_id} does not exist.")
    hook = AlertWebhook(organisation_id=org_id, url=str(body.url),
                        secret=body.secret or secrets.token_urlsafe(32))
    session.add(hook)
    session.commit()
    return hook.model_dump()
