"""The irrigation controller: one loop for all zones.

Each step: apply device acks (from ``device_acks``) → per zone, gather its state
(:mod:`~server.irrigation.zone_state`) and the weather (:mod:`~server.irrigation.forecast`),
ask the pure :func:`~server.irrigation.decide.decide` and carry the decision out (leases) →
publish due valve leases over MQTT → evaluate alerts (webhook deliveries are only queued in
the outbox; :class:`~server.irrigation.outbox.WebhookSender` sends them from its own thread,
outside any transaction). Manual commands live in :mod:`~server.irrigation.commands`.

Nothing slow runs inside a write transaction: forecasts are asked before a zone's changes
are made, MQTT publishes only hand packets to the client's queue, webhooks are sent by the
sender thread.

``start_controller(engine, settings, mqtt_url)`` runs it in a daemon thread; ``.stop()``.

**One controller leads** (:class:`Leadership`): any number of ``nongso controller``
processes may run; the one holding a PostgreSQL session-level advisory lock, on a
connection of its own, steps and sends webhooks, the others wait and try the lock every
step. A leader that dies (process killed: at once; machine gone: within the TCP keepalive
of about 10 s) loses its session and so the lock; a standby takes over at its next step
and goes on from the cursors stored in ``irrigation_cursors``. Every write the loop makes
is conditional (:mod:`~server.irrigation.leases`, :mod:`~server.irrigation.log`,
:mod:`~server.irrigation.alerts`), so even two leaders for a moment neither publish a
command twice in a round nor count litres twice.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool
from sqlmodel import Session, col, select

from server.irrigation import alerts as alerts_mod
from server.irrigation import flowcheck, leases, zone_state
from server.irrigation import log as irrlog
from server.irrigation.decide import Decision, accrue_deficit, decide, manual_in_charge
from server.irrigation.forecast import ForecastSource, NoForecast
from server.irrigation.mqtt_publisher import MQTTPublisher
from server.irrigation.outbox import WebhookSender
from server.irrigation.windows import in_windows, local_day
from server.models import Device, DeviceRole, Zone
from server.models.irrigation import ControllerCursor, ZoneIrrigation
from server.models.telemetry import DeviceState
from server.settings import Settings
from server.timeutil import as_utc

__all__ = ["Controller", "ControllerHandle", "Leadership", "start_controller"]

log = logging.getLogger(__name__)

#: The advisory lock key of the irrigation controller ("nongso" in ASCII).
LOCK_KEY = 0x6E6F6E67736F
#: Server and client TCP keepalive of the lock's connection: a vanished leader's session
#: (and lock) ends after about idle + interval × count seconds.
_KEEPALIVE = {"idle": 5, "interval": 2, "count": 3}


class Leadership:
    """Who runs the loop: the holder of a PostgreSQL advisory lock (``pg_try_advisory_lock``,
    session level, on a dedicated connection outside the pool). On SQLite (the one-process
    demo) this process always leads."""

    def __init__(self, engine: Engine, key: int = LOCK_KEY) -> None:
        self.key = key
        self._pg = engine.dialect.name == "postgresql"
        self.leading = not self._pg
        self._conn: Connection | None = None
        self._engine = sa.create_engine(engine.url, poolclass=NullPool, connect_args={
            # who leads, for an operator: pg_locks (advisory) joined to pg_stat_activity
            "application_name": f"nongso-controller-{socket.gethostname()[:30]}-{os.getpid()}",
            "connect_timeout": 5, "keepalives": 1, "keepalives_idle": _KEEPALIVE["idle"],
            "keepalives_interval": _KEEPALIVE["interval"],
            "keepalives_count": _KEEPALIVE["count"]}) if self._pg else None

    def _connect(self) -> Connection:
        assert self._engine is not None
        conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        for name, value in _KEEPALIVE.items():
            conn.execute(sa.text(f"SET tcp_keepalives_{name} = {int(value)}"))
        conn.execute(sa.text("SET statement_timeout = 5000"))
        return conn

    def check(self) -> bool:
        """Still leading, or just became the leader? (The lock lives as long as the
        session: a leader only checks that its session is alive.)"""
        if not self._pg:
            return True
        try:
            if self._conn is None:
                self._conn = self._connect()
            if self.leading:
                self._conn.execute(sa.text("SELECT 1"))
            elif self._conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"),
                                    {"k": self.key}).scalar():
                self.leading = True
                log.warning("irrigation controller: this process leads now")
        except Exception as exc:
            if self.leading:
                log.error("irrigation controller: lost the lead (%s)", exc)
            self._close()
        return self.leading

    def _close(self) -> None:
        self.leading = not self._pg
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.invalidate()
                conn.close()
            except Exception:
                log.debug("closing the lock connection failed", exc_info=True)

    def release(self) -> None:
        """Give up the lead (a clean stop): a standby takes over at its next step."""
        self._close()
        if self._engine is not None:
            self._engine.dispose()


def _load_cursor(s: Session, name: str) -> int | None:
    row = s.get(ControllerCursor, name)
    return None if row is None else int(row.value)


def _save_cursor(s: Session, name: str, value: int) -> None:
    row = s.get(ControllerCursor, name) or ControllerCursor(name=name)
    row.value = value
    s.add(row)


def _micros(at: datetime | None) -> int:
    return 0 if at is None else int(at.timestamp() * 1_000_000)


@dataclass
class Controller:
    engine: Engine
    publish: leases.Publisher
    forecast: ForecastSource = field(default_factory=NoForecast)
    notifier: alerts_mod.Notifier | None = None
    retry_s: float = 5.0
    auto_valid_s: int = 120
    ack_cursor: int = 0
    #: Alerts are evaluated at most this often (seconds); 0 = every step.
    alerts_every_s: float = 0.0
    no_flow_s: float = alerts_mod.NO_FLOW_S
    decisions: list[dict[str, Any]] = field(default_factory=list)
    event_cursor: datetime | None = None
    _alerts_at: datetime | None = None
    _boots: dict[int, int] = field(default_factory=dict)

    def _reboots(self, s: Session, now: datetime) -> None:
        """Notice valve nodes that rebooted (status ``bt`` grew) and end their leases."""
        rows = s.exec(select(Device, DeviceState).join(DeviceState, col(DeviceState.device_id) == Device.id)
                      .where(Device.role == DeviceRole.valve, col(DeviceState.boot).is_not(None))).all()
        for dev, st in rows:
            assert dev.id is not None and st.boot is not None
            prev = self._boots.get(dev.id)
            self._boots[dev.id] = st.boot
            if prev is not None and st.boot > prev:
                n = leases.end_at_reboot(s, dev.id, as_utc(st.state_at or now))
                log.warning("valve %s rebooted (boot %d → %d); %d lease(s) ended", dev.uid,
                            prev, st.boot, n)

    def _follow(self, s: Session, now: datetime) -> None:
        """Apply acks and log fallback runs from where the last leader stopped."""
        stored = _load_cursor(s, "acks")
        self.ack_cursor = max(self.ack_cursor, stored or 0)
        events = _load_cursor(s, "events")
        if events and _micros(self.event_cursor) < events:
            self.event_cursor = datetime.fromtimestamp(events / 1_000_000, UTC)
        self.ack_cursor = leases.process_acks(s, self.ack_cursor, now)
        self.event_cursor = irrlog.record_fallback_events(s, self.event_cursor, now)
        _save_cursor(s, "acks", self.ack_cursor)
        _save_cursor(s, "events", _micros(self.event_cursor))

    def step(self, now: datetime | None = None) -> None:
        now = now or datetime.now(UTC)
        with Session(self.engine) as s:
            self._follow(s, now)
            self._reboots(s, now)
            s.commit()
            for zone_id in s.exec(select(Zone.id).order_by(col(Zone.id))).all():
                try:
                    zone = s.get(Zone, zone_id)
                    if zone is not None:
                        self._zone(s, zone, now)
                    s.commit()
                except Exception:
                    log.exception("zone %s: decision failed", zone_id)
                    s.rollback()
            leases.send_pending(s, self.publish, now, self.retry_s)
            s.commit()
            if self._alerts_at is None or self.alerts_every_s <= 0 or \
                    (now - self._alerts_at).total_seconds() >= self.alerts_every_s:
                self._alerts_at = now
                alerts_mod.evaluate(s, now, self.notifier or alerts_mod.Notifier.from_db(s),
                                    self.no_flow_s)
                flowcheck.check(s, now, self.notifier)  # issue 18: measured flow, once a day
                s.commit()

    def _zone(self, s: Session, zone: Zone, now: datetime) -> None:
        """Gather the zone's inputs, decide, carry the decision out.

        The weather is asked before anything of the zone is written (a forecast source may
        be slow: no write transaction is open across it)."""
        assert zone.id is not None
        cfg = zone_state.ensure_settings(s, zone, local_day(now))
        s.commit()
        valves = zone_state.devices(s, zone.id, DeviceRole.valve)
        if cfg.mode == "off" or not valves:
            return
        active = zone_state.active_leases(s, valves, now)
        moisture = zone_state.zone_moisture(s, zone.id, now)
        used = zone_state.water_used_today(s, zone.id, now)
        rain = None if active else self._rain(zone, now)
        if cfg.mode == "et" and not manual_in_charge(active):
            self._et_update(zone, cfg, now)
        d = decide(zone_state.zone_settings(cfg, zone), moisture, active, used,
                   in_windows(cfg.windows, now), rain)
        self._apply(s, zone, cfg, valves, d, now)

    def _apply(self, s: Session, zone: Zone, cfg: ZoneIrrigation, valves: list[Device],
               d: Decision, now: datetime) -> None:
        if d.action in ("open", "extend", "close"):
            op = "close" if d.action == "close" else "open"
            for v in valves:
                leases.issue(s, v, op, trigger="auto", now=now, dur_s=d.dur_s,
                             valid_s=self.auto_valid_s)
        if d.deficit_mm is not None:
            cfg.deficit_mm = d.deficit_mm
        if d.action != "none":
            self.decisions.append({"zone_id": zone.id, **d.note()})
            del self.decisions[:-200]
            log.info("zone %s: %s (%s)", zone.id, d.action, d.why)

    def _rain(self, zone: Zone, now: datetime) -> float | None:
        try:
            past = self.forecast.rain_mm(zone, now - timedelta(days=1), now)
            ahead = self.forecast.rain_mm(zone, now, now + timedelta(days=1))
        except Exception:
            log.exception("forecast source failed; not skipping for rain")
            return None
        if past is None and ahead is None:
            return None
        return max(past or 0.0, ahead or 0.0)

    def _et_update(self, zone: Zone, cfg: ZoneIrrigation, now: datetime) -> None:
        """deficit += ET₀ × Kc × elapsed days − rain (FAO-56 ETc = Kc × ET₀)."""
        last = as_utc(cfg.deficit_at) if cfg.deficit_at else now
        days = max(0.0, (now - last).total_seconds() / 86400)
        if days > 0:
            et0 = self.forecast.et0_mm_day(zone, local_day(now))
            rain = self.forecast.rain_mm(zone, last, now) or 0.0
            cfg.deficit_mm = accrue_deficit(cfg.deficit_mm, days,
                                            et0 if et0 is not None else cfg.et0_mm_day,
                                            cfg.kc, rain)
        cfg.deficit_at = now  # (changes only: written at the zone's commit)


class ControllerHandle:
    """The controller loop's thread and, when given, the webhook sender's: the same loop
    (:meth:`_loop`) in each, one stop event for both."""

    def __init__(self, controller: Controller, publisher: MQTTPublisher | None,
                 interval_s: float, sender: WebhookSender | None = None,
                 sender_interval_s: float = 1.0, leadership: Leadership | None = None) -> None:
        self.controller = controller
        self.publisher = publisher
        self.sender = sender
        self.leadership = leadership or Leadership(controller.engine)
        lead = self.leadership
        self._stop = threading.Event()
        def lead_step() -> None:
            if lead.check():
                controller.step()

        self.threads = [self._thread("irrigation-controller", lead_step, interval_s)]
        if sender is not None:
            self.threads.append(self._thread("webhook-sender",
                                             lambda: lead.leading and sender.run_once(),
                                             sender_interval_s))

    def _thread(self, name: str, step: Callable[[], object],
                interval_s: float) -> threading.Thread:
        return threading.Thread(target=self._loop, args=(name, step, interval_s), name=name,
                                daemon=True)

    def _loop(self, name: str, step: Callable[[], object], interval_s: float) -> None:
        while not self._stop.is_set():
            try:
                step()
            except Exception:
                log.exception("%s: round failed", name)
            self._stop.wait(interval_s)

    def start(self) -> ControllerHandle:
        for t in self.threads:
            t.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        for t in self.threads:
            t.join(timeout)
        self.leadership.release()
        if self.publisher is not None:
            self.publisher.close()


def start_controller(engine: Engine, settings: Settings | None, mqtt_url: str, *,
                     interval_s: float = 1.0, forecast: ForecastSource | None = None,
                     **options: Any) -> ControllerHandle:
    """Run the controller loop and the webhook sender in daemon threads, valve commands going
    to the broker at ``mqtt_url``.

    ``options`` set :class:`Controller` fields (e.g. ``alerts_every_s``, ``no_flow_s``)."""
    pub = MQTTPublisher(mqtt_url)
    push_configs = bool(options.pop("push_configs", False))  # `nongso controller` sets it
    ctl = Controller(engine, pub, forecast or NoForecast(), **{"alerts_every_s": 10.0, **options})
    handle = ControllerHandle(ctl, pub, interval_s, WebhookSender.from_settings(engine, settings))
    if push_configs:  # retained per-device configs (issue 22, server/telemetry/config_push.py)
        from server.telemetry.config_push import ConfigPusher

        push = ConfigPusher.for_paho(engine, pub.client)
        handle.threads.append(handle._thread(
            "config-push", lambda: handle.leadership.leading and push.step(), 2.0))
    return handle.start()
