"""One simulated node = the real firmware role object + simulated hardware + its run loop.

The firmware under ``firmware/app`` is used unchanged: ``SensorNode.cycle()`` per wake,
``ValveNode.step()`` in the always-on loop.  Each call runs in a greenlet
(``hal.run_sync``) so its blocking network calls wait on the event loop instead of a
thread.

Valve nodes are not stepped on a fixed tick: at high speed a 1 s tick for thousands of
valves would eat the CPU for nothing.  After each step the node sleeps until the
earliest thing that can change its state — next report, lease end, max-run, grace,
reconnect back-off, Wi-Fi retry — but at most ``max(step_ms, 250 ms of wall time)``,
and an incoming message, a lost connection or a fault wakes it at once.  That keeps
lease timing exact to the millisecond of simulated time.
"""

from __future__ import annotations

import asyncio
import logging
import random
from pathlib import Path
from typing import Any

from firmware.app import config as fw_config
from firmware.app import store as fw_store
from firmware.app.sensor_node import SensorNode
from firmware.app.valve_node import ValveNode
from simulators.hal import (
    NetModel,
    SimClock,
    SimNet,
    SimPower,
    SimRtc,
    SimTime,
    SimTransport,
    Stats,
    run_sync,
)
from simulators.hal_devices import SimBattery, SimFlow, SimProbe, SimThermometer, SimValve
from simulators.mqtt import MqttClient
from simulators.soil import ProbeModel, SoilZone, Weather

__all__ = ["SimNode", "SensorSim", "ValveSim", "AWAKE_SAMPLES"]

log = logging.getLogger(__name__)
AWAKE_SAMPLES = 200_000  # awake-time samples kept for the statistics


def _seed(uid: str) -> int:
    return sum(uid.encode())  # the same per-device seed main.py derives


class SimNode:
    """What both roles share: identity, radio, MQTT session, probe on the zone's soil."""

    role = ""

    def __init__(self, uid: str, root: Path, simtime: SimTime, stats: Stats, zone: SoilZone,
                 weather: Weather, host: str, port: int, user: str | None,
                 password: str | None, rng: random.Random, timeout: float,
                 cfg: dict[str, Any]) -> None:
        self.uid = uid
        self.root = root
        self.simtime = simtime
        self.stats = stats
        self.zone = zone
        self.weather = weather
        self.rng = rng
        self.model = NetModel.random(rng)
        self.clock = SimClock(simtime, self.model)
        self.net = SimNet(self.clock, self.model, rng)
        self.client = MqttClient(uid, host, port, user, password, timeout)
        self.net.on_down = self.client.abort
        self.transport = SimTransport(self.client, self.net, self.clock, self.model, stats)
        dry = rng.randint(49500, 54500)
        wet = rng.randint(19500, 23000)
        self.probe_model = ProbeModel(dry, wet)
        self.probe = SimProbe(self.probe_model, zone, weather, simtime, rng)
        self.therm = SimThermometer(weather, simtime, rng)
        root.mkdir(parents=True, exist_ok=True)
        if cfg:
            c = fw_config.defaults()
            c.update(cfg)
            span = dry - wet
            # field calibration as in firmware/README.md, within ±1 % of the span
            c["dry"] = dry + int(rng.uniform(-0.01, 0.01) * span)
            c["wet"] = wet + int(rng.uniform(-0.01, 0.01) * span)
            c["vwc_a"], c["vwc_b"] = self.probe_model.a, self.probe_model.b
            fw_store.save(str(root), "config.json", c)
        self.task: asyncio.Task[None] | None = None
        self.alive = True
        self._waker: asyncio.Future[None] | None = None
        self.client.on_message = lambda _t, _p: self.wake()
        self.client.on_lost = self.wake

    def wake(self) -> None:
        w = self._waker
        if w is not None and not w.done():
            w.set_result(None)

    async def _sleep(self, sim_ms: float, wakeable: bool) -> None:
        delay = self.simtime.wall_delay(sim_ms)
        if not wakeable:
            await asyncio.sleep(delay)
            return
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        self._waker = fut
        h = loop.call_later(delay, self.wake)
        try:
            await fut
        finally:
            h.cancel()
            self._waker = None

    def seq(self) -> int:
        """Last sequence number this node used (readings taken since its flash was new)."""
        buf = getattr(self.fw, "buf", None)
        return int(buf.next_seq) - 1 if buf is not None else 0

    fw: Any = None

    _cycle_end = 0

    def _call(self, fn: Any) -> Any:
        """A firmware call in this node's virtual time (see ``hal``)."""
        self.clock.begin()
        try:
            return fn()
        finally:
            self._cycle_end = self.clock.now()
            self.clock.end()

    def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
        self.client.abort()


class SensorSim(SimNode):
    """Battery sensor node: wake, read, buffer, maybe upload, deep sleep."""

    role = "sensor"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rtc = SimRtc()
        self.battery = SimBattery(self.rng)
        self.power = SimPower()
        self.revived: asyncio.Event | None = None
        self._new_fw()

    def _new_fw(self) -> None:
        self.fw = SensorNode(self.uid, str(self.root), self.clock, self.net, self.transport,
                             self.rtc, self.probe, self.therm, self.battery, _seed(self.uid))

    def power_on(self) -> None:
        """A power cut and a fresh boot: RTC memory and the time are lost."""
        self.rtc.write(b"")
        self.clock.power_on()
        self.net.off()
        self._new_fw()

    async def run(self, first_wake_ms: int) -> None:
        st = self.stats
        due = first_wake_ms
        await self.simtime.sleep_until(due)
        while True:
            if self.battery.dead():
                self.alive = False
                self.revived = asyncio.Event()
                await self.revived.wait()
                self.revived = None
                self.alive = True
                self.power_on()
                due = self.simtime.now_ms()
            late = self.simtime.now_ms() - due
            sleep_ms = await run_sync(self._call, self.fw.cycle)
            self.power.deep_sleep(sleep_ms)
            st.cycles += 1
            if len(st.awake_ms) < AWAKE_SAMPLES:
                st.awake_ms.append(self.fw.awake_ms)
                st.lateness_ms.append(late)
            self.battery.drain(self.fw.awake_ms)
            due = self._cycle_end + sleep_ms
            await self.simtime.sleep_until(due)


class ValveSim(SimNode):
    """Always-on valve node with flow meter, on the zone's drip line."""

    role = "valve"

    def __init__(self, *args: Any, step_ms: int = 1000, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.step_ms = step_ms
        self.power = SimPower()
        lpm = self.zone.crop.app_rate_mm_h() * self.zone.area_m2 / 60.0
        self.flow = SimFlow(self.simtime, 450.0 * self.rng.uniform(0.97, 1.03), lpm)
        self._lph = 0.0
        self.valve = SimValve(self.flow, self._to_soil)

    def _to_soil(self, lph: float) -> None:
        z = self.zone
        z.set_irrigation(self.simtime.utc(), z.irrigation_lph - self._lph + lph)
        self._lph = lph

    def _build(self) -> ValveNode:
        return ValveNode(self.uid, str(self.root), self.clock, self.net, self.transport,
                         self.valve, self.flow, self.power, self.probe, self.therm,
                         _seed(self.uid))

    def _next_ms(self) -> int:
        """Simulated ms (fleet time) of the next step."""
        fw = self.fw
        now = self.clock.ms()
        cap = max(self.step_ms, int(self.simtime.speed * 250))
        due = [now + cap, fw.next_report]
        ctl = fw.ctl
        if ctl.is_open:
            cfg = ctl.cfg
            due.append(ctl.run_start + cfg["max_run_s"] * 1000)
            if ctl.lease > 0:
                due += [ctl.lease_end, ctl.link_ms + cfg["grace_s"] * 1000]
        link = fw.link
        if not self.net.isconnected():
            due.append(fw.next_wifi)
            if self.net._assoc_done >= 0:
                due.append(self.net._assoc_done - self.clock.power_on_ms)
        elif not link.connected:
            due.append(link.next_try)
        if link.connected and (fw.outbox or fw._status_due or fw.buf.pending()):
            due.append(now + self.step_ms)
        return max(now + 1, min(due)) + self.clock.power_on_ms

    async def run(self, first_wake_ms: int) -> None:
        await self.simtime.sleep_until(first_wake_ms)
        self.fw = await run_sync(self._call, self._build)
        while True:
            await run_sync(self._call, self.fw.step)
            self.stats.cycles += 1
            await self._sleep(self._next_ms() - self.simtime.now_ms(), True)
