"""Config to devices: one retained ``nongso/v1/<id>/config`` per device (docs/protocol.md,
"config").

A device's config is built from its zone's irrigation settings (``thr`` from the zone's
on/off moisture %, ``max_run_s``) and the device's own settings (``device_configs``:
calibration, intervals, …). :class:`ConfigPusher` (a thread of the controller service)
publishes it retained, QoS 1, under a new ``rev`` whenever it changes, publishes it again
when the device reconnects without running the current ``rev``, and records the device's
``applied``/``rejected`` ack. ``GET /api/v1/devices/{id}/config`` shows all of it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from server.models import Device, DeviceStatus, utcnow
from server.models.device_config import DeviceConfig, DeviceConfigPublic, DeviceConfigUpdate
from server.models.irrigation import ZoneIrrigation
from server.models.telemetry import DeviceAck, DeviceState
from server.timeutil import as_utc

__all__ = ["ConfigPusher", "desired_config", "encode_config", "config_topic", "config_view",
           "update_config", "Publisher"]

log = logging.getLogger(__name__)

#: ``publish(topic, payload) -> handed to the broker client`` (retained, QoS 1).
Publisher = Callable[[str, bytes], bool]
#: Wire order of the config keys (docs/protocol.md).
_ORDER = ("rev", "interval_s", "upload_every", "samples", "cal", "vwc", "thr", "grace_s",
          "max_run_s", "rest_s", "fallback_s", "ppl")
_OWN = ("interval_s", "upload_every", "samples", "grace_s", "rest_s", "fallback_s", "ppl")


def config_topic(uid: str) -> str:
    return f"nongso/v1/{uid}/config"


def _n(x: float) -> float | int:
    """Fixed decimals, trailing zeros stripped (docs/protocol.md): 40.0 → 40."""
    r = round(float(x), 2)
    return int(r) if r == int(r) else r


def desired_config(zone: ZoneIrrigation | None, own: DeviceConfig | None) -> dict[str, Any]:
    """The config a device should run (without ``rev``); absent keys = protocol defaults."""
    out: dict[str, Any] = {}
    if own is not None:
        for k in _OWN:
            v = getattr(own, k)
            if v is not None:
                out[k] = _n(v) if isinstance(v, float) else int(v)
        if own.cal_dry is not None and own.cal_wet is not None:
            out["cal"] = {"dry": int(own.cal_dry), "wet": int(own.cal_wet)}
        if own.vwc_a is not None and own.vwc_b is not None:
            out["vwc"] = {"a": _n(own.vwc_a), "b": _n(own.vwc_b)}
    if zone is not None:
        if 0 <= zone.on_pct < zone.off_pct <= 100:
            out["thr"] = {"on": _n(zone.on_pct), "off": _n(zone.off_pct)}
        if 60 <= zone.max_run_s <= 86400:
            out["max_run_s"] = int(zone.max_run_s)
    return out


def encode_config(cfg: dict[str, Any], rev: int) -> bytes:
    """Compact JSON in the protocol's key order."""
    body = {"v": 1, "rev": rev} | {k: cfg[k] for k in _ORDER if k in cfg and k != "rev"}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=True).encode()


@dataclass
class ConfigPusher:
    engine: Engine
    publish: Publisher
    ack_cursor: int = 0

    @classmethod
    def for_paho(cls, engine: Engine, client: Any) -> ConfigPusher:
        """Publish through a connected paho-mqtt client (retained, QoS 1)."""
        def publish(topic: str, payload: bytes) -> bool:
            if not client.is_connected():
                return False
            return bool(client.publish(topic, payload, qos=1, retain=True).rc == 0)
        return cls(engine, publish)

    def step(self, now: datetime | None = None) -> int:
        """Record config acks, then publish every config that is new or due; return how
        many were published."""
        now = now or datetime.now(UTC)
        with Session(self.engine) as s:
            self._acks(s, now)
            sent = self._publish_due(s, now)
            s.commit()
        return sent

    def _acks(self, s: Session, now: datetime) -> None:
        acks = s.exec(select(DeviceAck).where(col(DeviceAck.id) > self.ack_cursor,
                                              col(DeviceAck.cmd_id).is_(None))
                      .order_by(col(DeviceAck.id))).all()
        for a in acks:
            assert a.id is not None
            self.ack_cursor = max(self.ack_cursor, a.id)
            body = a.body or {}
            if "cfg" not in body:
                continue  # an unreadable command's rejection (id null)
            dc = s.get(DeviceConfig, a.device_id)
            if dc is None or a.cfg_rev != dc.rev:
                continue  # an answer to an older rev (or to an unreadable config: logged)
            dc.ack_rev, dc.ack_res = a.cfg_rev, a.res
            dc.ack_reason = str(body.get("reason"))[:64] if a.res == "rejected" else None
            dc.acked_at = as_utc(a.received_at)
            s.add(dc)

    def _publish_due(self, s: Session, now: datetime) -> int:
        rows = s.exec(
            select(Device, DeviceConfig, ZoneIrrigation, DeviceState)
            .join(DeviceConfig, col(DeviceConfig.device_id) == Device.id, isouter=True)
            .join(ZoneIrrigation, col(ZoneIrrigation.zone_id) == Device.zone_id, isouter=True)
            .join(DeviceState, col(DeviceState.device_id) == Device.id, isouter=True)
            .where(col(Device.status) != DeviceStatus.revoked)
            .order_by(col(Device.id))).all()
        sent = 0
        for dev, dc, zone, state in rows:
            assert dev.id is not None
            want = desired_config(zone, dc)
            if dc is None:
                dc = DeviceConfig(device_id=dev.id)
            payload = encode_config(want, dc.rev).decode()
            if payload != dc.payload:
                dc.rev += 1
                dc.payload = encode_config(want, dc.rev).decode()
                dc.published_at = None
                dc.ack_rev = dc.ack_res = dc.ack_reason = None
                dc.acked_at = None
                dc.updated_at = now
            elif not self._reconnected(dc, state):
                s.add(dc)
                continue
            if self.publish(config_topic(dev.uid), dc.payload.encode()):
                dc.published_at = now
                sent += 1
                log.info("config rev %d published to %s", dc.rev, dev.uid)
            s.add(dc)
        return sent

    @staticmethod
    def _reconnected(dc: DeviceConfig, state: DeviceState | None) -> bool:
        """Publish again: never handed to the broker, or the device came online since and
        does not run the current rev (a broker that lost its retained messages)."""
        if dc.published_at is None:
            return True
        if state is None or state.state != "online" or state.state_at is None:
            return False
        return as_utc(state.state_at) > as_utc(dc.published_at) and state.cfg_rev != dc.rev


def config_view(s: Session, device: Device) -> DeviceConfigPublic:
    assert device.id is not None
    dc = s.get(DeviceConfig, device.id) or DeviceConfig(device_id=device.id)
    zone = s.get(ZoneIrrigation, device.zone_id)
    state = s.get(DeviceState, device.id)
    want = desired_config(zone, dc)
    current = dc.payload is not None and encode_config(want, dc.rev).decode() == dc.payload
    if not current or dc.published_at is None:
        st = "pending"
    elif dc.ack_res is not None and dc.ack_rev in (dc.rev, None):
        st = dc.ack_res
    else:
        st = "published"
    own = {k: getattr(dc, k) for k in DeviceConfigUpdate.model_fields}
    return DeviceConfigPublic(device_id=device.id, rev=dc.rev, desired=want,
                              published_at=dc.published_at if current else None, state=st,
                              ack_rev=dc.ack_rev, ack_reason=dc.ack_reason,
                              acked_at=dc.acked_at,
                              device_rev=state.cfg_rev if state is not None else None, **own)


def update_config(s: Session, device: Device, body: DeviceConfigUpdate) -> DeviceConfigPublic:
    """Replace the device's own settings; the pusher publishes the new config."""
    assert device.id is not None
    dc = s.get(DeviceConfig, device.id) or DeviceConfig(device_id=device.id)
    for k in DeviceConfigUpdate.model_fields:
        setattr(dc, k, getattr(body, k))
    dc.updated_at = utcnow()
    s.add(dc)
    s.commit()
    return config_view(s, device)
