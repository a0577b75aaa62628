"""Irrigation tables (issue 6): per-zone settings, valve commands (leases), the irrigation
log, alerts, the webhook endpoints alerts are delivered to and the webhook outbox; with
their Base → table → Public (and Create/Update) ladder for the API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import ConfigDict, HttpUrl
from sqlmodel import Field, SQLModel

from server.models.common import created_at_field
from server.models.telemetry import JSONType

__all__ = ["ZoneIrrigationBase", "ZoneIrrigation", "ZoneIrrigationPublic", "ZoneIrrigationUpdate",
           "CommandCounter", "ValveCommandBase", "ValveCommand", "ValveCommandPublic",
           "IrrigationLogBase", "IrrigationLog", "IrrigationLogPublic", "AlertBase", "Alert",
           "AlertPublic", "AlertWebhookBase", "AlertWebhook", "AlertWebhookCreate",
           "AlertWebhookPublic", "AlertWebhookCreated", "WebhookDelivery", "ControllerCursor"]


def _ts(**kw: Any) -> Any:
    return Field(sa_type=sa.DateTime(timezone=True), **kw)


class ZoneIrrigationBase(SQLModel):
    """A zone's irrigation settings, filled from its crop profile and editable per zone.

    Moisture values are on the probe's calibrated % scale (docs/protocol.md ``m``); the
    kPa values of the profile are kept alongside for reference."""

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


class ZoneIrrigation(ZoneIrrigationBase, table=True):
    __tablename__ = "irrigation_zones"
    zone_id: int = Field(primary_key=True, foreign_key="zones.id", ondelete="CASCADE",
                         sa_column_kwargs={"autoincrement": False})


class ZoneIrrigationPublic(ZoneIrrigationBase):
    zone_id: int


class ZoneIrrigationUpdate(SQLModel):
    """A partial settings change (PUT); unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]
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


class CommandCounter(SQLModel, table=True):
    """The last command id issued to a device: ids are strictly increasing per device."""

    __tablename__ = "irrigation_cmd_counters"
    device_id: int = Field(primary_key=True, foreign_key="devices.id", ondelete="CASCADE",
                           sa_column_kwargs={"autoincrement": False})
    last_id: int = Field(default=0, sa_type=sa.BigInteger)


class ValveCommandBase(SQLModel):
    cmd_id: int = Field(sa_type=sa.BigInteger)
    op: str = Field(max_length=8)
    dur_s: int | None = None
    expires_at: datetime = _ts()
    status: str = Field(default="pending", max_length=16)
    reason: str | None = Field(default=None, max_length=64)
    trigger: str = Field(max_length=16)
    litres: float | None = None


class ValveCommand(ValveCommandBase, table=True):
    """One valve command (lease) and what became of it.

    ``status``: pending (not yet published) → sent → accepted → done, or rejected / expired /
    superseded."""

    __tablename__ = "irrigation_commands"
    __table_args__ = (sa.UniqueConstraint("device_id", "cmd_id", name="uq_irrigation_cmd"),
                      sa.Index("ix_irrigation_commands_status", "status"))
    id: int | None = Field(default=None, primary_key=True)
    device_id: int = Field(foreign_key="devices.id", ondelete="CASCADE")
    zone_id: int = Field(foreign_key="zones.id", index=True, ondelete="CASCADE")
    user_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = created_at_field()
    sent_at: datetime | None = _ts(default=None)
    attempts: int = 0
    acked_at: datetime | None = _ts(default=None)
    granted_s: int | None = None
    done_at: datetime | None = _ts(default=None)
    run_s: int | None = None
    log_id: int | None = Field(default=None, foreign_key="irrigation_log.id", ondelete="SET NULL")


class ValveCommandPublic(ValveCommandBase):
    id: int


class IrrigationLogBase(SQLModel):
    """Every watering: start, end, litres, trigger (auto / manual / fallback) and who."""

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


class IrrigationLog(IrrigationLogBase, table=True):
    __tablename__ = "irrigation_log"
    __table_args__ = (sa.Index("ix_irrigation_log_zone_start", "zone_id", "started_at"),
                      sa.UniqueConstraint("device_id", "event_seq", name="uq_irrigation_log_event"))
    id: int | None = Field(default=None, primary_key=True)
    #: A fallback run: the ``seq`` of the device's ``open`` event that started it. Unique per
    #: device, so reading the same events again (a controller restart, a new leader) logs
    #: the run once. None for runs the controller started.
    event_seq: int | None = Field(default=None, sa_type=sa.BigInteger)


class IrrigationLogPublic(IrrigationLogBase):
    id: int


class AlertBase(SQLModel):
    """open → acknowledged → resolved; one unresolved alert per ``key`` at a time."""

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


_UNRESOLVED = sa.text("state != 'resolved'")


class Alert(AlertBase, table=True):
    __tablename__ = "alerts"
    #: ``uq_alerts_open_key``: at most one unresolved alert per key, whoever opens it.
    __table_args__ = (sa.Index("ix_alerts_key_state", "key", "state"),
                      sa.Index("ix_alerts_org_state", "organisation_id", "state"),
                      sa.Index("uq_alerts_open_key", "key", unique=True,
                               postgresql_where=_UNRESOLVED, sqlite_where=_UNRESOLVED))
    id: int | None = Field(default=None, primary_key=True)


class AlertPublic(AlertBase):
    id: int


class AlertWebhookBase(SQLModel):
    """An HTTPS endpoint (e.g. a Zalo or SMS gateway) that receives an organisation's alerts,
    signed with HMAC-SHA256 using ``secret``."""

    url: str = Field(max_length=500)


class AlertWebhook(AlertWebhookBase, table=True):
    __tablename__ = "alert_webhooks"
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    secret: str = Field(max_length=200)
    active: bool = True
    #: The last delivery: HTTP status (None when no answer), our own short error text (never
    #: the remote's body or error detail), when it last succeeded and failed.
    last_status: int | None = None
    last_error: str | None = Field(default=None, max_length=300)
    last_success_at: datetime | None = _ts(default=None)
    last_failure_at: datetime | None = _ts(default=None)
    extra: dict[str, Any] | None = Field(default=None, sa_type=JSONType)


class AlertWebhookCreate(SQLModel):
    url: HttpUrl
    secret: str | None = Field(default=None, min_length=16, max_length=200)


class AlertWebhookPublic(AlertWebhookBase):
    """A hook as listed: the secret masked, the last result as a status class (``2xx``)."""

    id: int
    organisation_id: int
    secret: str
    active: bool
    last_status: str | None = None
    last_error: str | None = None
    last_success_at: datetime | None = None
    last_failure_at: datetime | None = None
    extra: dict[str, Any] | None = None


class AlertWebhookCreated(AlertWebhookPublic):
    """The answer to a registration: the only time the full signing secret is shown."""


class WebhookDelivery(SQLModel, table=True):
    """The webhook outbox: one row per (hook, alert event), written in the alert's transaction
    and sent later by the webhook sender (``server/irrigation/outbox.py``).

    ``status``: pending → delivered, or failed after ``attempts`` reached the maximum."""

    __tablename__ = "alert_webhook_deliveries"
    __table_args__ = (sa.Index("ix_alert_webhook_deliveries_due", "status", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    hook_id: int = Field(foreign_key="alert_webhooks.id", index=True, ondelete="CASCADE")
    alert_id: int = Field(foreign_key="alerts.id", ondelete="CASCADE")
    #: ``opened`` | ``resolved``
    event: str = Field(max_length=16)
    #: The JSON body exactly as it is sent (and signed).
    payload: str = Field(sa_type=sa.Text)
    attempts: int = 0
    next_attempt_at: datetime = _ts()
    status: str = Field(default="pending", max_length=16)
    last_error: str | None = Field(default=None, max_length=300)
    created_at: datetime = created_at_field()
    delivered_at: datetime | None = _ts(default=None)


class ControllerCursor(SQLModel, table=True):
    """How far the leading controller has read an append-only table (``acks``: the last
    ``device_acks.id`` applied; ``events``: the last valve event's ``received_at`` in
    microseconds since the epoch), so a new leader goes on where the old one stopped."""

    __tablename__ = "irrigation_cursors"
    name: str = Field(primary_key=True, max_length=32)
    value: int = Field(default=0, sa_type=sa.BigInteger)
