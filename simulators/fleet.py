"""The simulated fleet: many virtual ESP32 nodes on one asyncio loop, talking to a real broker.

Entry points::

    fleet = Fleet(devices, "mqtt://127.0.0.1:1883", speed=1.0, seed=1)
    await fleet.start()          # nodes boot, spread over ``spread_s`` of simulated time
    await fleet.run_for(3600)    # optional: wait an hour of simulated time
    fleet.inject("wifi_outage", "farm:3", duration_s=600)
    await fleet.stop()

    handle = start_in_thread(devices, url)   # from sync code: its own loop in a thread
    handle.stop()

``devices`` are ``DeviceSpec`` (or tuples ``(uid, zone_id, role, crop[, farm_id])``,
see ``specs``).  Zones share one ``SoilZone`` (valves water it, probes read it), farms
share one ``Weather``.  Each node's flash is a directory under ``root`` (a temporary
directory in /dev/shm by default, removed by ``stop``).
"""

from __future__ import annotations

import asyncio
import logging
import random
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulators.faults import Fault
from simulators.hal import SimTime, Stats
from simulators.mqtt import parse_url
from simulators.nodes import SensorSim, SimNode, ValveSim
from simulators.soil import CROPS, SoilZone, Weather
from simulators.weather_sim import WeatherSim

__all__ = ["DeviceSpec", "Fleet", "FleetThread", "start_in_thread", "specs", "synthetic_devices"]

log = logging.getLogger(__name__)

# moisture-scale thresholds for the local fallback rule, per crop (near RAW and FC)
_THRESHOLDS = {"carrot": (42.0, 52.0), "lychee": (48.0, 64.0)}


@dataclass(frozen=True, slots=True)
class DeviceSpec:
    uid: str
    zone_id: int
    role: str  # "sensor" | "valve" | "weather"
    crop: str = "lychee"
    farm_id: int = 0
    password: str | None = None
    area_m2: float = 800.0


def specs(rows: Iterable[Sequence[Any]], passwords: dict[str, str] | None = None) -> list[DeviceSpec]:
    """``(uid, zone_id, role, crop[, farm_id[, area_m2]])`` rows -> DeviceSpecs."""
    out = []
    pw = passwords or {}
    for r in rows:
        uid, zone, role, crop = str(r[0]), int(r[1]), str(r[2]), str(r[3])
        farm = int(r[4]) if len(r) > 4 and r[4] is not None else 0
        area = float(r[5]) if len(r) > 5 and r[5] else 800.0
        out.append(DeviceSpec(uid, zone, role, crop if crop in CROPS else "lychee", farm,
                              pw.get(uid), area))
    return out


def synthetic_devices(n: int, seed: int = 1, per_zone: int = 5, zones_per_farm: int = 4,
                      prefix: str = "sim") -> list[DeviceSpec]:
    """``n`` unregistered devices: per zone one valve and ``per_zone - 1`` sensors."""
    out = []
    for i in range(n):
        z = i // per_zone
        farm = z // zones_per_farm
        crop = "lychee" if farm % 2 == 0 else "carrot"
        role = "valve" if i % per_zone == 0 else "sensor"
        area = random.Random(f"area:{seed}:{z}").uniform(300, 1500)  # smallholder plots
        out.append(DeviceSpec(f"{prefix}-{z:05d}-{i % per_zone}", z + 1, role, crop, farm + 1,
                              None, round(area)))
    return out


class Fleet:
    """Run ``devices`` against the broker at ``mqtt_url``; see the module docstring."""

    def __init__(self, devices: Iterable[DeviceSpec | Sequence[Any]], mqtt_url: str, *,
                 speed: float = 1.0, seed: int = 1, start_utc: float | None = None,
                 root: str | Path | None = None, faults: Iterable[Fault] = (),
                 interval_s: int | None = None, upload_every: int | None = None,
                 spread_s: float | None = None, valve_step_ms: int = 1000,
                 timeout: float = 10.0, configure: bool = True, rain: bool = True) -> None:
        self.devices = [d if isinstance(d, DeviceSpec) else specs([d])[0] for d in devices]
        uids = [d.uid for d in self.devices]
        if len(set(uids)) != len(uids):
            raise ValueError("device uids must be unique")
        self.host, self.port, self.user, self.password = parse_url(mqtt_url)
        self.speed = speed
        self.seed = seed
        self.start_utc = start_utc
        self._own_root = root is None
        base = "/dev/shm" if Path("/dev/shm").is_dir() else None
        self.root = Path(root) if root else Path(tempfile.mkdtemp(prefix="nongso-fleet-", dir=base))
        self.faults = list(faults)
        self.interval_s = interval_s
        self.upload_every = upload_every
        self.spread_s = spread_s
        self.valve_step_ms = valve_step_ms
        self.timeout = timeout
        self.configure = configure
        self.rain = rain
        self.stats = Stats()
        self.nodes: dict[str, SimNode] = {}
        self.zones: dict[int, SoilZone] = {}
        self.weather: dict[int, Weather] = {}
        self.simtime: SimTime | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._farm_of: dict[str, int] = {}
        self._zone_of: dict[str, int] = {}
        self._broker_stop: Callable[[], object] | None = None
        self._broker_start: Callable[[], object] | None = None

    # ---- building ------------------------------------------------------------------
    def _cfg(self, d: DeviceSpec, rng: random.Random) -> dict[str, Any]:
        if not self.configure:
            return {}
        on, off = _THRESHOLDS.get(d.crop, (45.0, 60.0))
        if d.role in ("sensor", "weather"):
            interval = self.interval_s or rng.choice((600, 600, 900, 900, 1800))
            every = self.upload_every or rng.choice((1, 1, 2, 3))
        else:
            interval = self.interval_s or rng.choice((300, 600))
            every = 1
        return {"interval_s": interval, "upload_every": every, "samples": 7,
                "thr_on": on, "thr_off": off}

    def _build(self, simtime: SimTime) -> None:
        t0 = simtime.utc()
        for d in self.devices:
            w = self.weather.get(d.farm_id)
            if w is None:
                w = self.weather[d.farm_id] = Weather(self.seed, f"farm{d.farm_id}", self.rain)
            z = self.zones.get(d.zone_id)
            if z is None:
                zr = random.Random(f"zone:{self.seed}:{d.zone_id}")
                crop = CROPS[d.crop]
                z = SoilZone(crop, w, d.area_m2, t0, sow_shift=zr.randint(-10, 25))
                z.theta = zr.uniform(crop_theta_lo(z), z.soil.theta_fc)
                self.zones[d.zone_id] = z
            rng = random.Random(f"node:{self.seed}:{d.uid}")
            user = self.user if d.password is None else d.uid
            pw = self.password if d.password is None else d.password
            args = (d.uid, self.root / d.uid, simtime, self.stats, z, w, self.host, self.port,
                    user, pw, rng, self.timeout, self._cfg(d, rng))
            node: SimNode
            if d.role == "valve":
                node = ValveSim(*args, step_ms=self.valve_step_ms)
            elif d.role == "sensor":
                node = SensorSim(*args)
            elif d.role == "weather":
                node = WeatherSim(*args)
            else:
                raise ValueError(f"{d.uid}: unknown role {d.role!r}")
            self.nodes[d.uid] = node
            self._farm_of[d.uid] = d.farm_id
            self._zone_of[d.uid] = d.zone_id

    # ---- running -------------------------------------------------------------------
    async def start(self) -> None:
        """Build the nodes and start them (each boots at a random time within ``spread_s``)."""
        simtime = self.simtime = SimTime(self.speed, self.start_utc)
        await asyncio.to_thread(self._build, simtime)
        rng = random.Random(f"boot:{self.seed}")
        for uid, node in self.nodes.items():
            spread = self.spread_s
            if spread is None:
                spread = (self.interval_s or 600) if node.role in ("sensor", "weather") else 60
            first = int(rng.uniform(0, spread * 1000))
            node.task = asyncio.create_task(self._guard(node, first), name=f"node-{uid}")
            self._tasks.append(node.task)
        if self.faults:
            self._tasks.append(asyncio.create_task(self._schedule(self.faults), name="faults"))
        log.info("fleet: %d nodes started against %s:%d at %gx", len(self.nodes), self.host,
                 self.port, self.speed)

    async def _guard(self, node: SimNode, first: int) -> None:
        try:
            await node.run(first)  # type: ignore[attr-defined]
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("node %s crashed", node.uid)

    async def run_for(self, sim_s: float) -> None:
        """Wait until ``sim_s`` seconds of simulated time have passed since ``start``."""
        assert self.simtime is not None, "start() first"
        await self.simtime.sleep_until(sim_s * 1000)

    def now_s(self) -> float:
        return self.simtime.now_ms() / 1000 if self.simtime else 0.0

    async def stop(self) -> None:
        """Stop every node (sessions dropped without DISCONNECT) and remove temporary flash."""
        for t in self._tasks:
            t.cancel()
        for node in self.nodes.values():
            node.client.abort()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)

    # ---- faults ----------------------------------------------------------------------
    def targets(self, target: str) -> list[SimNode]:
        if target == "*":
            return list(self.nodes.values())
        if target.startswith("farm:"):
            f = int(target[5:])
            return [n for u, n in self.nodes.items() if self._farm_of[u] == f]
        if target.startswith("zone:"):
            z = int(target[5:])
            return [n for u, n in self.nodes.items() if self._zone_of[u] == z]
        if target not in self.nodes:
            raise KeyError(f"no node {target!r}")
        return [self.nodes[target]]

    def set_broker_control(self, stop: Callable[[], object] | None,
                           start: Callable[[], object] | None) -> None:
        """Let ``broker_restart`` stop/start a real broker (e.g. tests' ``Mosquitto``)."""
        self._broker_stop, self._broker_start = stop, start

    def inject(self, kind: str, target: str = "*", duration_s: float | None = None,
               **params: Any) -> Fault:
        """Apply a fault now; with ``duration_s`` it clears itself after that simulated time."""
        fault = Fault(kind, target, self.now_s(), duration_s, params)
        self._apply(fault, True)
        if duration_s is not None:
            asyncio.get_running_loop().call_later(
                self.simtime.wall_delay(duration_s * 1000),  # type: ignore[union-attr]
                self._apply, fault, False)
        return fault

    def clear(self, fault: Fault) -> None:
        self._apply(fault, False)

    async def _schedule(self, faults: list[Fault]) -> None:
        for f in sorted(faults, key=lambda f: f.at_s):
            await self.simtime.sleep_until(f.at_s * 1000)  # type: ignore[union-attr]
            self.inject(f.kind, f.target, f.duration_s, **f.params)

    def _apply(self, f: Fault, on: bool) -> None:
        log.info("fault %s %s on %s", f.kind, "starts" if on else "ends", f.target)
        k = f.kind
        if k == "broker_restart":
            self._broker(on)
            return
        for n in self.targets(f.target):
            if k == "wifi_outage":
                n.net.set_outage(on)
            elif k in ("probe_stuck", "probe_disconnected", "probe_noisy"):
                n.probe.fault = k[6:] if on else ""
                n.probe._stuck_at = 0
            elif k == "thermometer_disconnected":
                n.therm.fault = "disconnected" if on else ""
            elif k == "duplicate_sends":
                n.transport.duplicate = on
            elif k == "clock_skew":
                skew = float(f.params.get("skew_s", 0))
                if on:
                    n.clock.synced = bool(skew)
                    n.clock.skew_s = skew
                    n.clock.ntp_blocked_until = 1 << 62
                else:
                    n.clock.ntp_blocked_until = 0
                    n.clock.skew_s = 0.0
                    n.clock.synced = False  # the next NTP sync sets the right time
            elif k in ("valve_no_open", "valve_leak") and isinstance(n, ValveSim):
                n.valve.fault = (k[6:] if on else "")
                n.valve.leak_fraction = float(f.params.get("fraction", 0.15))
                n.valve._apply()
            elif k == "battery_flat" and isinstance(n, SensorSim):
                n.battery.flat = on
                n.battery.seen_flat = False
                if not on:
                    n.battery.mv = 4150.0  # a fresh cell
                    if n.revived is not None:
                        n.revived.set()
            n.wake()

    def _broker(self, down: bool) -> None:
        fn = self._broker_stop if down else self._broker_start
        if fn is not None:
            fn()
            return
        for n in self.nodes.values():
            n.transport.broker_down = down
            if down:
                n.client.abort()


def crop_theta_lo(z: SoilZone) -> float:
    """Driest plausible starting water content for a zone: the edge of crop stress."""
    s = z.soil
    return s.theta_fc - z.crop.p * (s.theta_fc - s.theta_wp)


class FleetThread:
    """A fleet on its own event loop in a daemon thread (for synchronous callers)."""

    def __init__(self, fleet: Fleet) -> None:
        self.fleet = fleet
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self.thread = threading.Thread(target=self._main, name="nongso-fleet", daemon=True)

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self.fleet.start())
        except BaseException as exc:  # noqa: BLE001 - reported to the starter
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self.fleet.stop())
        self.loop.close()

    def start(self) -> FleetThread:
        self.thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error
        return self

    def call(self, fn: Callable[..., Any], *args: Any, **kw: Any) -> None:
        """Run ``fn`` (e.g. ``fleet.inject``) on the fleet's loop."""
        self.loop.call_soon_threadsafe(lambda: fn(*args, **kw))

    def stop(self, timeout: float = 30.0) -> None:
        if self.thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout)


def start_in_thread(devices: Iterable[DeviceSpec | Sequence[Any]], mqtt_url: str,
                    **kwargs: Any) -> FleetThread:
    """Build a ``Fleet(devices, mqtt_url, **kwargs)`` and run it in a background thread."""
    return FleetThread(Fleet(devices, mqtt_url, **kwargs)).start()
