"""The irrigation controller: one loop for all zones.

Each step: apply device acks (from ``device_acks``) → decide per zone (threshold with
hysteresis on live readings, or ET₀ × Kc water deficit; allowed time windows; daily litre
cap; rain skip; max run) → publish due valve leases over MQTT → evaluate alerts.
Manual "water now N minutes" and "stop" (:func:`water_now`, :func:`stop_zone`) queue
commands the same loop publishes.

``start_controller(engine, settings, mqtt_url)`` runs it in a daemon thread; ``.stop()``.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Protocol

import paho.mqtt.client as mqtt
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from server.errors import Conflict, Invalid
from server.irrigation import alerts as alerts_mod
from server.irrigation import leases
from server.irrigation import log as irrlog
from server.irrigation.profiles import defaults_for
from server.models import Device, DeviceRole, DeviceStatus, Zone
from server.models.irrigation import ValveCommand, ZoneIrrigation
from server.models.telemetry import DeviceState
from server.telemetry.queries import DEFAULT_INTERVAL_S
from server.timeutil import as_utc

__all__ = ["Controller", "ControllerHandle", "ForecastSource", "NoForecast", "start_controller",
           "water_now", "stop_zone", "parse_windows", "in_windows", "ensure_settings",
           "zone_moisture", "active_open", "LOCAL_TZ", "MQTTPublisher"]

log = logging.getLogger(__name__)

#: Vietnam has one time zone and no daylight saving.
LOCAL_TZ = timezone(timedelta(hours=7), "ICT")


class ForecastSource(Protocol):
    """Rain (mm) fallen or forecast in [start, end) at a zone; daily ET₀ (mm). None = unknown."""

    def rain_mm(self, zone: Zone, start: datetime, end: datetime) -> float | None: ...

    def et0_mm_day(self, zone: Zone, day: date) -> float | None: ...


class NoForecast:
    """The default: no weather data (no rain skip; ET mode uses the zone's ``et0_mm_day``)."""

    def rain_mm(self, zone: Zone, start: datetime, end: datetime) -> float | None:
        return None

    def et0_mm_day(self, zone: Zone, day: date) -> float | None:
        return None



def parse_windows(text: str) -> list[tuple[time, time]]:
    """``05:00-09:30,16:00-18:30`` → [(05:00, 09:30), (16:00, 18:30)]; ``""`` = always."""
    out = []
    for part in (p.strip() for p in (text or "").split(",")):
        if not part:
            continue
        try:
            a, b = part.split("-")
            ta, tb = time.fromisoformat(a.strip()), time.fromisoformat(b.strip())
        except ValueError as exc:
            raise Invalid(f"time window {part!r} must look like 05:00-09:30") from exc
        if ta == tb:
            raise Invalid(f"time window {part!r} is empty")
        out.append((ta, tb))
    return out


def in_windows(text: str, now: datetime) -> bool:
    wins = parse_windows(text)
    if not wins:
        return True
    t = now.astimezone(LOCAL_TZ).time()
    return any((a <= t < b) if a < b else (t >= a or t < b) for a, b in wins)


def ensure_settings(session: Session, zone: Zone, today: date | None = None) -> ZoneIrrigation:
    assert zone.id is not None
    row = session.get(ZoneIrrigation, zone.id)
    if row is None:
        row = ZoneIrrigation(zone_id=zone.id, **defaults_for(zone.crop, today or date.today()))
        session.add(row)
        session.flush()
    return row


def _devices(session: Session, zone_id: int, role: DeviceRole) -> list[Device]:
    return list(session.exec(select(Device).where(Device.zone_id == zone_id, Device.role == role,
                                                  Device.status != DeviceStatus.revoked)
                             .order_by(col(Device.id))).all())


def zone_moisture(session: Session, zone_id: int, now: datetime) -> float | None:
    """Mean of the zone's fresh moisture readings (fresh = within 3 report intervals)."""
    vals = []
    for dev in session.exec(select(Device).where(Device.zone_id == zone_id,
                                                 Device.status != DeviceStatus.revoked)).all():
        st = session.get(DeviceState, dev.id)
        if st is None or st.m is None or st.m_at is None:
            continue
        if (now - as_utc(st.m_at)).total_seconds() <= 3 * (st.next_s or DEFAULT_INTERVAL_S) + 60:
            vals.append(float(st.m))
    return round(sum(vals) / len(vals), 1) if vals else None


def active_open(session: Session, device_id: int, now: datetime) -> ValveCommand | None:
    """The device's latest open lease that is queued, in flight or holding the valve."""
    cmd = session.exec(select(ValveCommand).where(ValveCommand.device_id == device_id)
                       .order_by(col(ValveCommand.cmd_id).desc())).first()
    if cmd is None or cmd.op != "open" or cmd.status not in leases.OPEN_STATES:
        return None
    if cmd.status == "accepted":
        end = as_utc(cmd.acked_at or now) + timedelta(seconds=cmd.granted_s or cmd.dur_s or 0)
        if end <= now:
            return None
    return cmd


def _valves(session: Session, zone_id: int) -> list[Device]:
    valves = _devices(session, zone_id, DeviceRole.valve)
    if not valves:
        raise Conflict("Khu này chưa lắp van tưới.")
    return valves


def water_now(session: Session, zone_id: int, minutes: int, user_id: int | None,
              now: datetime | None = None, valid_s: int = 600) -> list[ValveCommand]:
    """Queue "open for ``minutes``" for every valve of the zone (manual trigger)."""
    if not 1 <= minutes <= 240:
        raise Invalid("minutes must be between 1 and 240.")
    now = now or datetime.now(timezone.utc)
    return [leases.issue(session, v, "open", trigger="manual", now=now, dur_s=minutes * 60,
                         valid_s=valid_s, user_id=user_id) for v in _valves(session, zone_id)]


def stop_zone(session: Session, zone_id: int, user_id: int | None,
              now: datetime | None = None, valid_s: int = 600) -> list[ValveCommand]:
    now = now or datetime.now(timezone.utc)
    return [leases.issue(session, v, "close", trigger="manual", now=now, valid_s=valid_s,
                         user_id=user_id) for v in _valves(session, zone_id)]


class MQTTPublisher:
    """paho-mqtt 2 client (callback API 2) publishing QoS 1 commands."""

    def __init__(self, mqtt_url: str, client_id: str | None = None) -> None:
        from server.telemetry.ingest import parse_mqtt_url

        p = parse_mqtt_url(mqtt_url)
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                                  client_id=client_id or f"nongso-controller-{os.getpid()}",
                                  protocol=mqtt.MQTTv311)
        if p["username"]:
            self.client.username_pw_set(p["username"], p["password"])
        if p["tls"]:
            self.client.tls_set()
        self.client.reconnect_delay_set(1, 10)
        self.client.connect_async(p["host"], p["port"], keepalive=30)
        self.client.loop_start()

    def __call__(self, topic: str, payload: bytes) -> bool:
        if not self.client.is_connected():
            return False
        info = self.client.publish(topic, payload, qos=1)
        return info.rc == mqtt.MQTT_ERR_SUCCESS

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


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

    def step(self, now: datetime | None = None) -> None:
        now = now or datetime.now(timezone.utc)
        with Session(self.engine) as s:
            self.ack_cursor = leases.process_acks(s, self.ack_cursor, now)
            self.event_cursor = irrlog.record_fallback_events(s, self.event_cursor, now)
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
                s.commit()

    def _note(self, zone: Zone, action: str, why: str, **kw: Any) -> None:
        self.decisions.append({"zone_id": zone.id, "action": action, "why": why, **kw})
        del self.decisions[:-200]
        log.info("zone %s: %s (%s)", zone.id, action, why)

    def _zone(self, s: Session, zone: Zone, now: datetime) -> None:
        cfg = ensure_settings(s, zone, now.astimezone(LOCAL_TZ).date())
        valves = _devices(s, zone.id, DeviceRole.valve)  # type: ignore[arg-type]
        if cfg.mode == "off" or not valves:
            return
        assert zone.id is not None
        actives = [a for a in (active_open(s, v.id, now) for v in valves) if a]  # type: ignore[arg-type]
        if any(a.trigger != "auto" for a in actives):
            return  # a manual run is in charge
        m = zone_moisture(s, zone.id, now)
        midnight = datetime.combine(now.astimezone(LOCAL_TZ).date(), time(0), LOCAL_TZ)
        used = irrlog.litres_since(s, zone.id, midnight)
        left_l = cfg.max_litres_day - used
        window = in_windows(cfg.windows, now)
        if cfg.mode == "et":
            self._et_update(s, zone, cfg, now)
        if actives:
            run = irrlog.current_run(s, actives[0].device_id)
            run_s = (now - as_utc(run.started_at)).total_seconds() if run else 0.0
            stop_why = None
            if cfg.mode == "threshold" and m is not None and m >= cfg.off_pct:
                stop_why = "upper_threshold"
            elif not window:
                stop_why = "window_closed"
            elif left_l <= 0:
                stop_why = "daily_cap"
            elif cfg.mode == "threshold" and m is None:
                stop_why = "no_reading"
            if stop_why:
                for v in valves:
                    leases.issue(s, v, "close", trigger="auto", now=now, valid_s=self.auto_valid_s)
                self._note(zone, "close", stop_why, moisture=m)
                return
            a = actives[0]
            end = as_utc(a.acked_at) + timedelta(seconds=a.granted_s or a.dur_s or 0) \
                if a.status == "accepted" and a.acked_at else None
            if cfg.mode == "threshold" and end is not None and \
                    (end - now).total_seconds() < cfg.lease_s / 3 and run_s < cfg.max_run_s:
                dur = self._dur(cfg, left_l, cfg.max_run_s - run_s)
                if dur >= 60:
                    for v in valves:
                        leases.issue(s, v, "open", trigger="auto", now=now, dur_s=dur,
                                     valid_s=self.auto_valid_s)
                    self._note(zone, "extend", "below_upper", moisture=m, dur_s=dur)
            return
        # nothing running: start?
        if cfg.mode == "threshold":
            if m is None or m >= cfg.on_pct:
                return
            want_s = float(cfg.lease_s)
        else:
            if cfg.deficit_mm < cfg.deficit_trigger_mm:
                return
            want_s = cfg.deficit_mm * zone.area_m2 / max(cfg.flow_lpm, 0.1) * 60
        if not window:
            self._note(zone, "skip", "outside_window", moisture=m)
            return
        if left_l < cfg.flow_lpm:
            self._note(zone, "skip", "daily_cap", moisture=m, used_l=used)
            return
        rain = self._rain(zone, now)
        if rain is not None and rain >= cfg.rain_skip_mm:
            self._note(zone, "skip", "rain", moisture=m, rain_mm=rain)
            return
        dur = self._dur(cfg, left_l, min(want_s, cfg.max_run_s))
        if dur < 60:
            return
        for v in valves:
            leases.issue(s, v, "open", trigger="auto", now=now, dur_s=dur, valid_s=self.auto_valid_s)
        if cfg.mode == "et":
            cfg.deficit_mm = max(0.0, cfg.deficit_mm - dur / 60 * cfg.flow_lpm / zone.area_m2)
        self._note(zone, "open", "lower_threshold" if cfg.mode == "threshold" else "et_deficit",
                   moisture=m, dur_s=dur)

    @staticmethod
    def _dur(cfg: ZoneIrrigation, left_l: float, max_s: float) -> int:
        by_cap = left_l / max(cfg.flow_lpm, 0.1) * 60
        return int(min(cfg.lease_s if cfg.mode == "threshold" else max_s, by_cap, max_s))

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

    def _et_update(self, s: Session, zone: Zone, cfg: ZoneIrrigation, now: datetime) -> None:
        """deficit += ET₀ × Kc × elapsed days − rain (FAO-56 ETc = Kc × ET₀)."""
        last = as_utc(cfg.deficit_at) if cfg.deficit_at else now
        days = max(0.0, (now - last).total_seconds() / 86400)
        if days > 0:
            et0 = self.forecast.et0_mm_day(zone, now.astimezone(LOCAL_TZ).date())
            rain = self.forecast.rain_mm(zone, last, now) or 0.0
            cfg.deficit_mm = max(0.0, cfg.deficit_mm + (et0 if et0 is not None else cfg.et0_mm_day)
                                 * cfg.kc * days - rain)
        cfg.deficit_at = now


class ControllerHandle:
    def __init__(self, controller: Controller, publisher: MQTTPublisher | None,
                 interval_s: float) -> None:
        self.controller = controller
        self.publisher = publisher
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(interval_s,),
                                       name="irrigation-controller", daemon=True)

    def _run(self, interval_s: float) -> None:
        while not self._stop.is_set():
            try:
                self.controller.step()
            except Exception:
                log.exception("controller step failed")
            self._stop.wait(interval_s)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.thread.join(timeout)
        if self.publisher is not None:
            self.publisher.close()


def start_controller(engine: Engine, settings: Any, mqtt_url: str, *, interval_s: float = 1.0,
                     forecast: ForecastSource | None = None, **options: Any) -> ControllerHandle:
    """Run the controller loop in a daemon thread against the broker at ``mqtt_url``.

    ``options`` set :class:`Controller` fields (e.g. ``alerts_every_s``, ``no_flow_s``)."""
    pub = MQTTPublisher(mqtt_url)
    ctl = Controller(engine, pub, forecast or NoForecast(), **{"alerts_every_s": 10.0, **options})
    handle = ControllerHandle(ctl, pub, interval_s)
    handle.thread.start()
    return handle
