"""Benchmark: N simulated nodes (real firmware logic) in one process against a real Mosquitto.

Starts a throw-away Mosquitto (or uses ``--mqtt-url``), runs ``--devices`` nodes
(one valve and four sensors per zone) for ``--sim-s`` simulated seconds at ``--speed``,
and prints nodes, messages per second, CPU use (this process and the broker), peak
memory and the sensor nodes' awake time per wake in simulated time.

Usage::

    uv run python bench/fleet.py [--devices 10000] [--speed 100] [--sim-s 3600]

Last line, exactly: ``fleet: nodes=<n> msg_per_s=<x> cpu_pct=<x> peak_rss_mb=<x>``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from simulators.fleet import Fleet, synthetic_devices  # noqa: E402


def _proc_cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _pct(xs: list[int], q: float) -> float:
    if not xs:
        return 0.0
    s = sorted(xs)
    return float(s[min(len(s) - 1, int(q * len(s)))])


async def _run(args: argparse.Namespace, url: str, broker_pid: int | None) -> int:
    devices = synthetic_devices(args.devices, seed=args.seed)
    fleet = Fleet(devices, url, speed=args.speed, seed=args.seed)
    w0, c0 = time.monotonic(), time.process_time()
    b0 = _proc_cpu_s(broker_pid) if broker_pid else 0.0
    await fleet.start()
    built = time.monotonic() - w0
    await fleet.run_for(args.sim_s)
    wall, cpu = time.monotonic() - w0, time.process_time() - c0
    bcpu = (_proc_cpu_s(broker_pid) - b0) if broker_pid else 0.0
    await fleet.stop()
    st = fleet.stats
    sensors = sum(1 for d in devices if d.role == "sensor")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    msg_s = st.published / wall
    print(f"nodes:            {len(devices)} ({sensors} sensor, {len(devices) - sensors} valve)")
    print(f"simulated:        {args.sim_s:g} s at {args.speed:g}x in {wall:.1f} s wall "
          f"(start-up {built:.1f} s)")
    print(f"messages:         {st.published} acknowledged publishes = {msg_s:.0f} msg/s; "
          f"{st.readings_sent} readings in {st.telemetry_msgs} telemetry messages; "
          f"{st.connects} MQTT connects ({st.connects / wall:.0f}/s)")
    print(f"failures:         connect {st.connect_failures}, publish {st.publish_failures}")
    print(f"cpu:              simulator {cpu:.1f} s = {100 * cpu / wall:.0f} % of one core; "
          f"mosquitto {bcpu:.1f} s = {100 * bcpu / wall:.0f} %")
    print(f"peak memory:      {peak:.0f} MB (simulator RSS)")
    aw = [a for a in st.awake_ms]
    print(f"sensor awake:     per wake (simulated ms) median {statistics.median(aw) if aw else 0:.0f}, "
          f"p95 {_pct(aw, 0.95):.0f}, max {_pct(aw, 1.0):.0f} over {st.cycles} cycles")
    print(f"wake lateness:    median {_pct(st.lateness_ms, 0.5) / 1000:.1f} s, "
          f"p99 {_pct(st.lateness_ms, 0.99) / 1000:.1f} s simulated")
    print(f"fleet: nodes={len(devices)} msg_per_s={msg_s:.0f} cpu_pct={100 * cpu / wall:.0f} "
          f"peak_rss_mb={peak:.0f}")
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--devices", type=int, default=10000)
    p.add_argument("--speed", type=float, default=100.0)
    p.add_argument("--sim-s", type=float, default=3600.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--mqtt-url", default="")
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, args.devices + 1024))
    if want > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    if args.mqtt_url:
        return asyncio.run(_run(args, args.mqtt_url, None))
    from tests.support.services import Mosquitto

    broker = Mosquitto().start()
    try:
        pid = broker._proc.pid if broker._proc else None  # noqa: SLF001
        return asyncio.run(_run(args, broker.url, pid))
    finally:
        broker.cleanup()


if __name__ == "__main__":
    raise SystemExit(main())
