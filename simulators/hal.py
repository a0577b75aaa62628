"""Simulated hardware for the firmware's HAL (``firmware/app/iface.py``) and simulated time.

The firmware logic is synchronous (it blocks on ``Transport.publish`` until PUBACK, on
``Net.connect`` while Wi-Fi associates); the simulator is one asyncio loop.  Each
node's firmware call runs in its own *greenlet* (``run_sync``); where the hardware would
block, the simulated part calls ``await_`` which switches back to the event loop until
the awaited thing completes — the technique SQLAlchemy's asyncio layer uses.  A
blocked node costs a few KiB of saved stack, no thread, and 10,000 of them share one
loop and one core.

Time: ``SimTime`` maps the loop's monotonic clock to simulated time,
``sim = (wall - wall0) × speed``; every part (soil, faults, wake-ups) reads it, so
``--speed 60`` runs an hour a minute.  Inside one firmware call, though, a node sees its
own *virtual* time (``SimClock.begin``): the fleet time when the call started plus the
modelled durations of what it waited for (Wi-Fi association, NTP, each MQTT round trip:
``NetModel``), not the wall time the simulator's CPU and the local broker happened to
take, multiplied by the speed.  So the firmware's own awake-time measure is the same at
1x and at 500x and does not grow with the simulator's load.  A failed network operation
(e.g. a connect timeout) catches the node up with the fleet time, as the device would
really have been blocked that long.  Virtual time never runs ahead of fleet time.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from greenlet import getcurrent, greenlet

from simulators.mqtt import MqttClient, MqttError, Will

__all__ = ["SimTime", "run_sync", "await_", "NetModel", "SimClock", "SimNet", "SimTransport",
           "SimRtc",
           "SimPower", "Stats"]

T = TypeVar("T")


class _NodeGreenlet(greenlet):  # type: ignore[misc]
    """Marks greenlets that may call ``await_``."""


async def run_sync(fn: Callable[..., T], *args: Any) -> T:
    """Run blocking firmware code ``fn(*args)``; its ``await_`` calls yield to the loop."""
    g = _NodeGreenlet(fn)
    result = g.switch(*args)
    while not g.dead:
        try:
            value = await result
        except BaseException as exc:  # noqa: BLE001 - re-raised inside the greenlet
            result = g.throw(exc)
        else:
            result = g.switch(value)
    return result  # type: ignore[no-any-return]


def await_(aw: Awaitable[T]) -> T:
    """From inside ``run_sync``: wait for ``aw`` on the event loop; return its result."""
    g = getcurrent()
    if not isinstance(g, _NodeGreenlet):
        raise RuntimeError("await_ outside run_sync")
    return g.parent.switch(aw)  # type: ignore[no-any-return]


class SimTime:
    """Simulated time: milliseconds since the fleet started, and the matching UTC."""

    def __init__(self, speed: float = 1.0, start_utc: float | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be > 0")
        self.speed = speed
        self.start_utc = time.time() if start_utc is None else start_utc
        self.wall0 = time.monotonic()

    def now_ms(self) -> int:
        return int((time.monotonic() - self.wall0) * self.speed * 1000.0)

    def utc(self) -> float:
        return self.start_utc + (time.monotonic() - self.wall0) * self.speed

    def wall_delay(self, sim_ms: float) -> float:
        return max(0.0, sim_ms / 1000.0 / self.speed)

    async def sleep_until(self, sim_ms: float) -> None:
        await asyncio.sleep(self.wall_delay(sim_ms - self.now_ms()))

    async def sleep(self, sim_ms: float) -> None:
        await asyncio.sleep(self.wall_delay(sim_ms))


@dataclass(slots=True)
class NetModel:
    """Modelled radio and network latencies (simulated ms) of one node."""

    assoc_ms: int = 1800  # Wi-Fi association + DHCP
    rtt_ms: int = 60  # one MQTT request/response over Wi-Fi and the Internet
    connect_ms: int = 250  # TCP + MQTT CONNECT (TLS would add ~1.5 s on an ESP32)
    ntp_ms: int = 80

    @classmethod
    def random(cls, rng: random.Random) -> NetModel:
        return cls(rng.randint(900, 3500), rng.randint(25, 150), rng.randint(150, 600),
                   rng.randint(30, 200))


class Stats:
    """Counters shared by the fleet's nodes."""

    def __init__(self) -> None:
        self.published = 0  # PUBLISH packets acknowledged (QoS 1) or sent (QoS 0)
        self.telemetry_msgs = 0
        self.readings_sent = 0  # readings inside acknowledged telemetry messages
        self.duplicates = 0  # extra copies sent by the duplicate-send fault
        self.connects = 0
        self.connect_failures = 0
        self.publish_failures = 0
        self.cycles = 0
        self.awake_ms: list[int] = []
        self.lateness_ms: list[int] = []

    def as_dict(self) -> dict[str, int]:
        return {k: v for k, v in vars(self).items() if isinstance(v, int)}


class SimClock:
    """iface.Clock: power-on relative ms from simulated time, UTC only after NTP."""

    def __init__(self, simtime: SimTime, model: NetModel) -> None:
        self.simtime = simtime
        self.model = model
        self.net: SimNet | None = None
        self.power_on_ms = simtime.now_ms()
        self.synced = False
        self.skew_s = 0.0  # error of this device's RTC once it has a time
        self.ntp_blocked_until = 0  # simulated ms; NTP fails before it
        self.vt: int | None = None  # virtual fleet-ms inside a firmware call

    def power_on(self) -> None:
        self.power_on_ms = self.simtime.now_ms()
        self.synced = False

    # ---- virtual time inside a firmware call ---------------------------------------
    def begin(self) -> None:
        self.vt = self.simtime.now_ms()

    def end(self) -> None:
        self.vt = None

    def now(self) -> int:
        """Fleet ms as this node sees it."""
        return self.simtime.now_ms() if self.vt is None else self.vt

    def wait(self, ms: int) -> None:
        """Block the firmware for ``ms`` of simulated time."""
        await_(self.simtime.sleep(ms))
        if self.vt is not None:
            self.vt += ms

    def timed(self, aw: Awaitable[T], min_ms: int) -> T:
        """Await a real operation that counts as ``min_ms`` of simulated time."""
        t0 = self.simtime.now_ms()
        try:
            out = await_(aw)
        except BaseException:
            if self.vt is not None:
                self.vt = self.simtime.now_ms()
            raise
        rest = min_ms - (self.simtime.now_ms() - t0)
        if rest > 0:
            await_(self.simtime.sleep(rest))
        if self.vt is not None:
            self.vt += min_ms
        return out

    # ---- iface.Clock -------------------------------------------------------------------
    def ms(self) -> int:
        return self.now() - self.power_on_ms

    def utc(self) -> int:
        if not self.synced:
            return 0
        return int(self.simtime.start_utc + self.now() / 1000.0 + self.skew_s)

    def sync(self) -> bool:
        if self.net is None or not self.net.isconnected() or self.now() < self.ntp_blocked_until:
            return False
        self.wait(self.model.ntp_ms)
        self.synced = True
        return True

    def sleep_ms(self, ms: int) -> None:
        self.wait(ms)


class SimNet:
    """iface.Net: Wi-Fi that can be taken away by an outage fault."""

    def __init__(self, clock: SimClock, model: NetModel, rng: random.Random) -> None:
        self.clock = clock
        clock.net = self
        self.model = model
        self.rng = rng
        self.outage = 0  # >0 while an outage fault holds this node's Wi-Fi down
        self.on_down: Callable[[], None] | None = None
        self._assoc_done = -1  # simulated ms the association completes; -1 = radio off
        self.base_rssi = rng.randint(-85, -55)

    def available(self) -> bool:
        return self.outage == 0

    def set_outage(self, down: bool) -> None:
        self.outage = max(0, self.outage + (1 if down else -1))
        if down and self.on_down is not None:
            self.on_down()

    def connect(self, timeout_ms: int) -> bool:
        now = self.clock.now()
        if self._assoc_done < 0:
            self._assoc_done = now + self.model.assoc_ms
        if not self.available():
            if timeout_ms > 0:
                self.clock.wait(timeout_ms)
            self._assoc_done = -1
            return False
        wait = self._assoc_done - now
        if wait > 0:
            if wait > timeout_ms:
                if timeout_ms > 0:
                    self.clock.wait(timeout_ms)
                return False
            self.clock.wait(wait)
        return self.isconnected()

    def isconnected(self) -> bool:
        if not self.available():
            self._assoc_done = -1
            return False
        return 0 <= self._assoc_done <= self.clock.now()

    def off(self) -> None:
        self._assoc_done = -1

    def rssi(self) -> int:
        return self.base_rssi + self.rng.randint(-3, 3) if self.isconnected() else 0


class SimTransport:
    """iface.Transport over one ``MqttClient`` session (blocking calls via ``await_``).

    Every call raises OSError while this node's Wi-Fi is down, so the firmware's
    store-and-forward keeps the readings.  ``duplicate`` (fault) makes every telemetry
    message go out twice — a lost PUBACK from the device's point of view.
    """

    def __init__(self, client: MqttClient, net: SimNet, clock: SimClock, model: NetModel,
                 stats: Stats) -> None:
        self.client = client
        self.net = net
        self.clock = clock
        self.model = model
        self.stats = stats
        self.cb: Callable[[bytes, bytes], None] | None = None
        self.duplicate = False
        self.broker_down = False  # simulated broker outage (no real broker to restart)

    def _check(self) -> None:
        if not self.net.isconnected():
            raise OSError(113, "no route to host (Wi-Fi down)")

    def _timed(self, aw: Awaitable[T], min_ms: int) -> T:
        return self.clock.timed(aw, min_ms)

    def connect(self, will_topic: str, will_payload: bytes, keepalive_s: int) -> None:
        self._check()
        if self.broker_down:
            self.clock.wait(self.model.connect_ms)
            self.stats.connect_failures += 1
            raise OSError(111, "connection refused (broker down)")
        try:
            self._timed(self.client.connect(keepalive_s, False, Will(will_topic, will_payload)),
                        self.model.connect_ms)
        except OSError:
            self.stats.connect_failures += 1
            raise
        self.stats.connects += 1

    def disconnect(self) -> None:
        self.client.disconnect()

    def publish(self, topic: str, payload: bytes, retain: bool, qos: int) -> None:
        self._check()
        try:
            self._timed(self.client.publish(topic, payload, qos, retain), self.model.rtt_ms)
            if self.duplicate and topic.endswith("/telemetry"):
                self._timed(self.client.publish(topic, payload, qos, retain, dup=True),
                            self.model.rtt_ms)
                self.stats.duplicates += 1
        except OSError:
            self.stats.publish_failures += 1
            raise
        st = self.stats
        st.published += 1
        if topic.endswith("/telemetry"):
            st.telemetry_msgs += 1
            st.readings_sent += payload.count(b'"seq":')

    def subscribe(self, topic: str, qos: int) -> None:
        self._check()
        self._timed(self.client.subscribe(topic, qos), self.model.rtt_ms)

    def set_callback(self, cb: Callable[[bytes, bytes], None]) -> None:
        self.cb = cb

    def check_msg(self) -> None:
        self._check()
        if not self.client.connected:
            raise MqttError("not connected")
        box = self.client.inbox
        while box:
            topic, payload = box.popleft()
            if self.cb is not None:
                self.cb(topic.encode(), payload)

    def ping(self) -> None:
        self._check()
        self._timed(self.client.ping(), self.model.rtt_ms)


class SimRtc:
    """iface.RtcMemory: survives deep sleep, not a power cut."""

    def __init__(self) -> None:
        self.data = b""

    def read(self) -> bytes:
        return self.data

    def write(self, data: bytes) -> None:
        self.data = bytes(data)


class SimPower:
    """iface.Power: records deep sleeps, watchdog feeds and resets."""

    def __init__(self) -> None:
        self.slept_ms = 0
        self.feeds = 0
        self.resets = 0

    def deep_sleep(self, ms: int) -> None:
        self.slept_ms += ms

    def feed_watchdog(self) -> None:
        self.feeds += 1

    def reset(self) -> None:
        self.resets += 1
