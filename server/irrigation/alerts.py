"""Alerts: open → acknowledged → resolved, one unresolved alert per condition at a time.

:func:`evaluate` computes every condition that holds now; a condition without an unresolved
alert opens one (and is delivered), one that still holds only refreshes ``last_seen_at``, and
an unresolved alert whose condition no longer holds is resolved (and delivered).

Delivery goes through :class:`Notifier` with two channels: in-app (the alert row itself, shown
on the farmer page) and signed webhooks (``alert_webhooks``; HMAC-SHA256 of
``<timestamp>.<body>`` in ``X-Nongso-Signature: sha256=<hex>``), so a Zalo or SMS gateway can
be plugged in later. A webhook delivery is only queued here, in the alert's transaction
(:mod:`server.irrigation.outbox`); the webhook sender sends it later, outside any
transaction. Every message is Vietnamese and ends with one line of action.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from server.errors import Conflict, NotFound
from server.irrigation import outbox
from server.irrigation.zone_state import zone_moisture
from server.models import Device, DeviceRole, DeviceStatus, Farm, Zone
from server.models.irrigation import Alert, AlertWebhook, ValveCommand, ZoneIrrigation
from server.models.telemetry import DeviceState
from server.telemetry.queries import DEFAULT_INTERVAL_S
from server.timeutil import as_utc

__all__ = ["evaluate", "acknowledge", "Notifier", "Channel", "InAppChannel", "OutboxChannel",
           "KINDS", "BATTERY_LOW_MV", "NO_FLOW_S", "DROPS_QUIET_S"]

log = logging.getLogger(__name__)

BATTERY_LOW_MV = 3400
#: A valve open this long without flow raises "no flow".
NO_FLOW_S = 90
#: Litres counted while the valve is closed that mean a leak or a stuck valve.
LEAK_LITRES = 0.5
#: A "readings dropped" alert resolves after this long without new drops.
DROPS_QUIET_S = 86400

KINDS = {
    "too_dry": ("Đất {khu} quá khô ({v:.0f} %)", "tưới ngay hoặc kiểm tra van và lịch tưới"),
    "too_wet": ("Đất {khu} quá ướt ({v:.0f} %)", "tạm dừng tưới, kiểm tra rò rỉ và rãnh thoát nước"),
    "sensor_silent": ("Cảm biến {uid} ({khu}) không gửi số liệu đã {v:.0f} phút",
                      "kiểm tra pin và sóng Wi-Fi của cảm biến"),
    "no_flow": ("Van {khu} mở nhưng không có nước chảy", "kiểm tra bộ lọc, máy bơm và nguồn nước"),
    "flow_closed": ("Nước vẫn chảy khi van {khu} đóng ({v:.1f} lít)",
                    "kiểm tra rò rỉ đường ống hoặc van bị kẹt"),
    "battery_low": ("Pin thiết bị {uid} ({khu}) yếu ({v:.0f} mV)", "thay hoặc sạc pin trong tuần này"),
    "drops": ("Thiết bị {uid} ({khu}) đã mất {v:.0f} số đo vì bộ nhớ đầy",
              "kiểm tra Wi-Fi để thiết bị gửi kịp số liệu"),
    "device_offline": ("Thiết bị {uid} ({khu}) mất kết nối", "kiểm tra nguồn điện và Wi-Fi của thiết bị"),
}



def _khu(name: str) -> str:
    return name[0].lower() + name[1:] if name.lower().startswith("khu") else f"khu {name}"


def message(kind: str, zone_name: str, uid: str = "", value: float | None = None) -> str:
    text, action = KINDS[kind]
    return f"{text.format(khu=_khu(zone_name), uid=uid, v=value or 0)} — {action}"


# ---- delivery ---------------------------------------------------------------------------
class Channel(Protocol):
    def deliver(self, alert: Alert, event: str, now: datetime) -> None: ...


def payload(alert: Alert, event: str) -> dict[str, Any]:
    return {"event": event, "alert": {
        "id": alert.id, "kind": alert.kind, "state": alert.state, "message": alert.message,
        "organisation_id": alert.organisation_id, "zone_id": alert.zone_id,
        "device_id": alert.device_id, "opened_at": as_utc(alert.opened_at).isoformat(),
        "resolved_at": as_utc(alert.resolved_at).isoformat() if alert.resolved_at else None}}


class InAppChannel:
    """The alert row is the in-app message (farmer page, API); nothing more to send."""

    def deliver(self, alert: Alert, event: str, now: datetime) -> None:
        log.info("alert %s %s: %s", alert.id, event, alert.message)


@dataclass
class OutboxChannel:
    """A webhook: the delivery is queued in the outbox, in the alert's transaction."""

    session: Session
    hook_id: int

    def deliver(self, alert: Alert, event: str, now: datetime) -> None:
        assert alert.id is not None
        outbox.enqueue(self.session, self.hook_id, alert.id, event, payload(alert, event), now)


@dataclass
class Notifier:
    """One interface; in-app for everyone, webhooks per organisation."""

    in_app: Channel = field(default_factory=InAppChannel)
    webhooks: dict[int, list[Channel]] = field(default_factory=dict)

    @classmethod
    def from_db(cls, session: Session) -> Notifier:
        hooks: dict[int, list[Channel]] = {}
        for h in session.exec(select(AlertWebhook).where(col(AlertWebhook.active))
                              .order_by(col(AlertWebhook.id))).all():
            assert h.id is not None
            hooks.setdefault(h.organisation_id, []).append(OutboxChannel(session, h.id))
        return cls(webhooks=hooks)

    def deliver(self, alert: Alert, event: str, now: datetime) -> None:
        self.in_app.deliver(alert, event, now)
        for ch in self.webhooks.get(alert.organisation_id, []):
            ch.deliver(alert, event, now)


# ---- conditions ---------------------------------------------------------------------------
@dataclass
class Cond:
    key: str
    kind: str
    org_id: int
    zone_id: int
    device_id: int | None
    message: str
    value: float | None


def _flow(session: Session, device_id: int, since: datetime) -> tuple[int, float]:
    row = session.connection().execute(sa.text(
        "SELECT count(fl), max(fl) - min(fl) FROM readings WHERE device_id = :d AND time >= :t "
        "AND fl IS NOT NULL"), {"d": device_id, "t": since if session.get_bind().dialect.name ==
                                "postgresql" else since.strftime("%Y-%m-%d %H:%M:%S.%f")}).one()
    return int(row[0] or 0), float(row[1] or 0.0)


def _closed_leak(session: Session, device_id: int) -> float | None:
    rows = session.connection().execute(sa.text(
        "SELECT vs, fl FROM readings WHERE device_id = :d AND fl IS NOT NULL "
        "ORDER BY seq DESC LIMIT 2"), {"d": device_id}).all()
    if len(rows) < 2 or any(r[0] != 0 for r in rows):
        return None
    return float(rows[0][1]) - float(rows[1][1])


def conditions(session: Session, now: datetime, no_flow_s: float = NO_FLOW_S) -> list[Cond]:
    out: list[Cond] = []
    zones = session.exec(select(Zone, Farm).join(Farm, col(Farm.id) == Zone.farm_id)).all()
    for zone, farm in zones:
        assert zone.id is not None
        org = farm.organisation_id
        cfg = session.get(ZoneIrrigation, zone.id)
        m = zone_moisture(session, zone.id, now)
        if cfg is not None and m is not None:
            if cfg.dry_alert_pct > 0 and m < cfg.dry_alert_pct:
                out.append(Cond(f"too_dry:{zone.id}", "too_dry", org, zone.id, None,
                                message("too_dry", zone.name, value=m), m))
            if m > cfg.wet_alert_pct:
                out.append(Cond(f"too_wet:{zone.id}", "too_wet", org, zone.id, None,
                                message("too_wet", zone.name, value=m), m))
        devices = session.exec(select(Device).where(Device.zone_id == zone.id,
                                                    Device.status != DeviceStatus.revoked)).all()
        for dev in devices:
            st = session.get(DeviceState, dev.id)
            if st is None or st.last_seen_at is None:
                continue

            def add(kind: str, value: float | None, dev: Device = dev, zone: Zone = zone,
                    org: int = org) -> None:
                out.append(Cond(f"{kind}:{dev.id}", kind, org, zone.id, dev.id,  # type: ignore[arg-type]
                                message(kind, zone.name, dev.uid, value), value))

            silent_s = (now - as_utc(st.last_seen_at)).total_seconds()
            if st.state == "offline":
                add("device_offline", None)
            elif dev.role == DeviceRole.sensor and silent_s > 3 * (st.next_s or DEFAULT_INTERVAL_S):
                add("sensor_silent", silent_s / 60)
            if st.bat is not None and st.bat < BATTERY_LOW_MV:
                add("battery_low", float(st.bat))
            if dev.role == DeviceRole.valve:
                cmd = session.exec(select(ValveCommand).where(ValveCommand.device_id == dev.id)
                                   .order_by(col(ValveCommand.cmd_id).desc())).first()
                if cmd is not None and cmd.op == "open" and cmd.status == "accepted" and cmd.acked_at:
                    since = as_utc(cmd.acked_at)
                    if (now - since).total_seconds() >= no_flow_s:
                        n, litres = _flow(session, dev.id, since - timedelta(seconds=5))  # type: ignore[arg-type]
                        if n >= 2 and litres < 0.2:
                            add("no_flow", None)
                leak = _closed_leak(session, dev.id)  # type: ignore[arg-type]
                if leak is not None and leak >= LEAK_LITRES:
                    add("flow_closed", leak)
    return out


def _drops(session: Session, now: datetime, open_by_key: dict[str, Alert],
           notifier: Notifier) -> None:
    """Buffer drops: open when the device's counter grows; resolve after a quiet day."""
    rows = session.exec(select(Device, DeviceState, Zone, Farm)
                        .join(DeviceState, col(DeviceState.device_id) == Device.id)
                        .join(Zone, col(Zone.id) == Device.zone_id)
                        .join(Farm, col(Farm.id) == Zone.farm_id)
                        .where(col(DeviceState.dropped) > 0)).all()
    seen = set()
    for dev, st, zone, farm in rows:
        dropped = int(st.dropped or 0)
        key = f"drops:{dev.id}"
        seen.add(key)
        alert = open_by_key.get(key)
        if alert is not None:
            if dropped > (alert.value or 0):
                alert.value, alert.last_seen_at = float(dropped), now
                alert.message = message("drops", zone.name, dev.uid, dropped)
            elif (now - as_utc(alert.last_seen_at)).total_seconds() > DROPS_QUIET_S:
                _resolve(alert, now, notifier)
            continue
        last = session.exec(select(Alert).where(Alert.key == key)
                            .order_by(col(Alert.id).desc())).first()
        if dropped > ((last.value or 0) if last else 0):
            _open(session, Cond(key, "drops", farm.organisation_id, zone.id, dev.id,  # type: ignore[arg-type]
                                message("drops", zone.name, dev.uid, dropped),
                                float(dropped)), now, notifier)


def _open(session: Session, c: Cond, now: datetime, notifier: Notifier) -> Alert | None:
    """Open an alert for ``c`` unless an unresolved one with its key exists (the partial
    unique index ``uq_alerts_open_key``: ``INSERT … ON CONFLICT DO NOTHING``)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = Alert.__table__  # type: ignore[attr-defined]
    row = session.execute(insert(table).values(
        organisation_id=c.org_id, zone_id=c.zone_id, device_id=c.device_id, kind=c.kind,
        key=c.key, state="open", message=c.message[:300], value=c.value, opened_at=now,
        last_seen_at=now).on_conflict_do_nothing(
            index_elements=["key"], index_where=table.c.state != "resolved")
        .returning(table.c.id)).first()
    if row is None:
        log.info("alert %s is already open", c.key)
        return None
    alert = session.get(Alert, row[0])
    assert alert is not None
    notifier.deliver(alert, "opened", now)
    return alert


def _resolve(alert: Alert, now: datetime, notifier: Notifier) -> None:
    alert.state, alert.resolved_at = "resolved", now
    notifier.deliver(alert, "resolved", now)


#: Key prefixes of alerts raised and resolved by their own code (buffer drops here, the
#: daily flow check in ``flowcheck.py``): ``evaluate`` never resolves them.
SELF_MANAGED = ("drops:", "flow:")


def evaluate(session: Session, now: datetime, notifier: Notifier | None = None,
             no_flow_s: float = NO_FLOW_S) -> None:
    notifier = notifier or Notifier()
    unresolved = session.exec(select(Alert).where(Alert.state != "resolved")).all()
    open_by_key = {a.key: a for a in unresolved}
    current = {c.key: c for c in conditions(session, now, no_flow_s)}
    for key, c in current.items():
        alert = open_by_key.get(key)
        if alert is None:
            _open(session, c, now, notifier)
        else:
            alert.last_seen_at, alert.value, alert.message = now, c.value, c.message[:300]
    for key, alert in open_by_key.items():
        if not key.startswith(SELF_MANAGED) and key not in current:
            _resolve(alert, now, notifier)
    _drops(session, now, open_by_key, notifier)
    session.flush()


def acknowledge(session: Session, alert_id: int, user_id: int | None,
                now: datetime | None = None) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(f"Alert {alert_id} does not exist.")
    if alert.state == "resolved":
        raise Conflict("This alert is already resolved.")
    if alert.state == "open":
        alert.state = "acknowledged"
        alert.acknowledged_at = now or datetime.now(UTC)
        alert.acknowledged_by = user_id
    return alert
