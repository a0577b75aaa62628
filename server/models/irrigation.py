"""Irrigation tables (issue 6): per-zone settings, valve commands (leases), the irrigation
log, alerts and the webhook endpoints alerts are delivered to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from server.models.common import created_at_field
from server.models.telemetry import JSONType

__all__ = ["ZoneIrrigation", "CommandCounter", "ValveCommand", "IrrigationLog", "Alert",
           "AlertWebhook"]


def _ts(**kw: Any) -> Any:
    return Field(sa_type=sa.DateTime(timezone=True), **kw)


class ZoneIrrigation(SQLModel, table=True):
    """A zone's irrigation settings, filled from its crop profile and editable per zone.

    Moisture values are on the probe's calibrated % scale (docs/protocol.md ``m``); the
    kPa values of the profile are kept alongside for reference."""

    __tablename__ = "irrigation_zones"
    zone_id: int = Field(primary_key=True, foreign_key="zones.id", ondelete="CASCADE",
                         sa_column_kwargs={"autoincrement": False})
    #: ``off`` | ``threshold`` | ``et``
    mode: str = Field(default="threshold", max_length=16)
    profile: str = Field(default="", max_length=40)
    stage: str = Field(default="", max_length=40)
    start_kpa: float | None = None
    max_kpa: float | None = None
    on_pct: float = 40.0
    off_pct: float = 55.0
    dry_alert_pct: float = 30.0
    wet_alert_pct: float = 80.0
    #: Allowed local-time windows, e.g. ``05:00-09:30,16:00-18:30`` (Asia/Ho_Chi_Minh).
    windows: str = Field(default="05:00-09:30,16:00-18:30", max_length=200)
    max_litres_day: float = 2000.0
    max_run_s: int = 2700
    lease_s: int = 600
    #: Nominal drip flow of the zone, litres per minute (to turn litres into minutes).
    flow_lpm: float = 20.0
    #: Skip a start when this much rain (mm) fell in the last 24 h or is forecast for the next 24 h.
    rain_skip_mm: float = 5.0
    kc: float = 1.0
    #: ET mode: water when the deficit reaches this many mm; default ET₀ when no forecast.
    deficit_trigger_mm: float = 10.0
    et0_mm_day: float = 4.0
    deficit_mm: float = 0.0
    deficit_at: datetime | None = _ts(default=None)
    updated_at: datetime = created_at_field()


class CommandCounter(SQLModel, table=True):
    """The last command id issued to a device: ids are strictly increasing per device."""

    __tablename__ = "irrigation_cmd_counters"
    device_id: int = Field(primary_key=True, foreign_key="devices.id", ondelete="CASCADE",
                           sa_column_kwargs={"autoincrement": False})
    last_id: int = Field(default=0, sa_type=sa.BigInteger)


class ValveCommand(SQLModel, table=True):
    """One valve command (lease) and what became of it.

    ``status``: pending (not yet published) → sent → accepted → done, or rejected / expired /
    superseded."""

    __tablename__ = "irrigation_commands"
    __table_args__ = (sa.UniqueConstraint("device_id", "cmd_id", name="uq_irrigation_cmd"),
                      sa.Index("ix_irrigation_commands_status", "status"))
    id: int | None = Field(default=None, primary_key=True)
    device_id: int = Field(foreign_key="devices.id", ondelete="CASCADE")
    zone_id: int = Field(foreign_key="zones.id", index=True, ondelete="CASCADE")
    cmd_id: int = Field(sa_type=sa.BigInteger)
    op: str = Field(max_length=8)
    dur_s: int | None = None
    expires_at: datetime = _ts()
    status: str = Field(default="pending", max_length=16)
    reason: str | None = Field(default=None, max_length=64)
    trigger: str = Field(max_length=16)
    user_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = created_at_field()
    sent_at: datetime | None = _ts(default=None)
    attempts: int = 0
    acked_at: datetime | None = _ts(default=None)
    granted_s: int | None = None
    done_at: datetime | None = _ts(default=None)
    run_s: int | None = None
    litres: float | None = None
    log_id: int | None = Field(default=None, foreign_key="irrigation_log.id", ondelete="SET NULL")


class IrrigationLog(SQLModel, table=True):
    """Every watering: start, end, litres, trigger (auto / manual / fallback) and who."""

    __tablename__ = "irrigation_log"
    __table_args__ = (sa.Index("ix_irrigation_log_zone_start", "zone_id", "started_at"),)
    id: int | None = Field(default=None, primary_key=True)
    zone_id: int = Field(foreign_key="zones.id", ondelete="CASCADE")
    device_id: int | None = Field(default=None, foreign_key="devices.id", ondelete="SET NULL")
    started_at: datetime = _ts()
    ended_at: datetime | None = _ts(default=None)
    litres: float | None = None
    #: ``auto`` | ``manual`` | ``fallback`` (the device's local rule)
    trigger: str = Field(max_length=16)
    user_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    why: str | None = Field(default=None, max_length=64)
    #: Flow-meter litres (since the node's power-on) at the start of a fallback run.
    meter_start: float | None = None


class Alert(SQLModel, table=True):
    """open → acknowledged → resolved; one unresolved alert per ``key`` at a time."""

    __tablename__ = "alerts"
    __table_args__ = (sa.Index("ix_alerts_key_state", "key", "state"),
                      sa.Index("ix_alerts_org_state", "organisation_id", "state"))
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", ondelete="CASCADE")
    zone_id: int | None = Field(default=None, foreign_key="zones.id", ondelete="CASCADE")
    device_id: int | None = Field(default=None, foreign_key="devices.id", ondelete="CASCADE")
    kind: str = Field(max_length=32)
    key: str = Field(max_length=120)
    state: str = Field(default="open", max_length=16)
    message: str = Field(max_length=300)
    value: float | None = None
    opened_at: datetime = _ts()
    last_seen_at: datetime = _ts()
    acknowledged_at: datetime | None = _ts(default=None)
    acknowledged_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    resolved_at: datetime | None = _ts(default=None)


class AlertWebhook(SQLModel, table=True):
    """An HTTPS endpoint (e.g. a Zalo or SMS gateway) that receives an organisation's alerts,
    signed with HMAC-SHA256 using ``secret``."""

    __tablename__ = "alert_webhooks"
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    url: str = Field(max_length=500)
    secret: str = Field(max_length=200)
    active: bool = True
    last_status: int | None = None
    last_error: str | None = Field(default=None, max_length=300)
    extra: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
