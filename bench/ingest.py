"""Ingest benchmark: simulated publishers → real Mosquitto → K ingest workers → PostgreSQL.

    uv run python bench/ingest.py [--messages 100000] [--devices 200] [--workers 2]

Starts its own throw-away Mosquitto and PostgreSQL (as the tests do) unless
``NONGSO_MQTT_URL`` / ``NONGSO_DATABASE_URL`` point elsewhere. Phases:

1. a bare paho-mqtt subscriber (MQTT 5, QoS 1) receives the traffic: its rate is the yardstick;
2. K ingest workers (one process each, splitting the devices: each receives the whole stream
   on a persistent plain subscription and keeps its share) take the same amount of traffic:
   committed messages per second, publish-to-commit latency p50/p99 (a sample), peak RSS;
3. PostgreSQL is stopped while publishing goes on: the workers must not grow (the broker
   holds the backlog); PostgreSQL comes back and everything is committed.
Then every message the broker acknowledged must be in the table exactly once.

Publishers are minimal MQTT 3.1.1 clients on raw sockets (pre-encoded QoS 1 PUBLISH
packets, a window of unacknowledged messages per connection), so they cost little CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import statistics
import struct
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

WINDOW = 64


def _rl(n: int) -> bytes:
    out = bytearray()
    while True:
        b, n = n % 128, n // 128
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _str(s: bytes) -> bytes:
    return struct.pack("!H", len(s)) + s


def _connect_packet(client_id: str) -> bytes:
    body = _str(b"MQTT") + bytes([4, 0x02]) + struct.pack("!H", 60) + _str(client_id.encode())
    return b"\x10" + _rl(len(body)) + body


def _publish_packet(topic: bytes, pid: int, payload: bytes) -> bytes:
    body = _str(topic) + struct.pack("!H", pid) + payload
    return b"\x32" + _rl(len(body)) + body


async def _device(host: str, port: int, uid: str, seqs: range, t0: int,
                  sent: dict[tuple[str, int], float], acked: list[int]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(_connect_packet(f"bench-{uid}"))
    ack = await reader.readexactly(4)
    assert ack[0] == 0x20 and ack[3] == 0, ack
    topic = f"nongso/v1/{uid}/telemetry".encode()
    window = asyncio.Semaphore(WINDOW)
    done = asyncio.Event()
    total = len(seqs)

    async def read_acks() -> None:
        n = 0
        while n < total:
            pkt = await reader.readexactly(4)
            if pkt[0] == 0x40:
                n += 1
                acked[0] += 1
                window.release()
        done.set()

    task = asyncio.create_task(read_acks())
    for i, seq in enumerate(seqs):
        await window.acquire()
        payload = b'{"v":1,"seq":%d,"t":%d,"m":35.2,"raw":40000,"drop":0}' % (seq, t0 + seq)
        writer.write(_publish_packet(topic, (i % 65535) + 1, payload))
        sent[(uid, seq)] = time.time()
        if i % 16 == 0:
            await writer.drain()
    await writer.drain()
    await done.wait()
    await task
    writer.write(b"\xe0\x00")
    await writer.drain()
    writer.close()


def publish(host: str, port: int, uids: list[str], seqs: range) -> tuple[dict[tuple[str, int], float], int]:
    sent: dict[tuple[str, int], float] = {}
    acked = [0]

    async def main() -> None:
        t0 = int(time.time()) - 3 * 86400
        await asyncio.gather(*(_device(host, port, u, seqs, t0, sent, acked) for u in uids))

    asyncio.run(main())
    return sent, acked[0]


def _bare(host: str, port: int, expect: int, out: Any) -> None:
    import paho.mqtt.client as mqtt

    times: list[float] = []
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-bare", protocol=mqtt.MQTTv5)
    c.on_message = lambda *_a: times.append(time.time())
    c.on_connect = lambda cl, *_a: cl.subscribe("$share/bare/nongso/v1/+/telemetry", 1)
    c.connect(host, port)
    c.loop_start()
    out.put("ready")
    deadline = time.time() + 300
    while len(times) < expect and time.time() < deadline:
        time.sleep(0.05)
    c.disconnect()
    c.loop_stop()
    out.put((len(times), times[0] if times else 0.0, times[-1] if times else 0.0))


def _worker(db_url: str, mqtt_url: str, idx: int, k: int, out: Any, stop: Any) -> None:
    import logging
    import threading

    from server.db import make_engine
    from server.telemetry.ingest import IngestConfig, IngestWorker

    logging.basicConfig(level=logging.WARNING)

    def on_commit(msgs: list[Any], now: float) -> None:
        sample = [(m.topic.split("/")[2], int(m.payload.split(b'"seq":', 1)[1].split(b",", 1)[0]))
                  for m in msgs[::25]]
        out.put(("commit", idx, now, len(msgs), sample))

    w = IngestWorker(make_engine(db_url, pool_size=2), IngestConfig(
        mqtt_url=mqtt_url, client_id=f"bench-ingest-{idx}", workers=k, index=idx + 1),
        on_commit=on_commit)
    ev = threading.Event()
    threading.Thread(target=lambda: (stop.wait(), ev.set()), daemon=True).start()

    def ready() -> None:
        while not w.stats.connected:
            time.sleep(0.05)
        time.sleep(0.5)  # SUBACK
        out.put(("ready", idx, 0.0, 0, []))

    threading.Thread(target=ready, daemon=True).start()
    w.run(ev, report_s=3600)


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main() -> None:  # noqa: C901 - a script
    """The benchmark's phases (see the module doc). Long because it is a script: the
    phases share the services and counters and read best top to bottom."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=100_000)
    ap.add_argument("--devices", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--outage-messages", type=int, default=20_000)
    args = ap.parse_args()
    import sqlalchemy as sa
    from sqlmodel import Session

    from server.db import make_engine
    from server.migrate import upgrade
    from server.models import DeviceRole, Zone
    from server.telemetry.credentials import add_device
    from server.telemetry.ingest import parse_mqtt_url
    from tests.server.conftest import build_world
    from tests.support.services import Mosquitto, PostgresCluster

    pg = broker = None
    db_url = os.environ.get("NONGSO_DATABASE_URL", "")
    mqtt_url = os.environ.get("NONGSO_MQTT_URL", "")
    if not db_url:
        pg = PostgresCluster().start()
        db_url = pg.create_database()
    if not mqtt_url:
        broker = Mosquitto().start()
        mqtt_url = broker.url
    if db_url.startswith("postgresql://"):
        db_url = "postgresql+psycopg://" + db_url.split("://", 1)[1]
    p = parse_mqtt_url(mqtt_url)
    host, port = p["host"], p["port"]
    try:
        upgrade(db_url)
        engine = make_engine(db_url)
        ids = build_world(engine)
        uids = [f"bench-{i:04d}" for i in range(args.devices)]
        with Session(engine) as s:
            zone = s.get(Zone, ids["zones"]["lychee"])
            for u in uids:
                add_device(s, zone, DeviceRole.sensor, u)  # type: ignore[arg-type]
        per = args.messages // args.devices
        n = per * args.devices
        ctx = mp.get_context("spawn")
        # -- 1: bare subscriber ----------------------------------------------------------
        q = ctx.Queue()
        bare = ctx.Process(target=_bare, args=(host, port, n, q))
        bare.start()
        assert q.get(timeout=60) == "ready"
        time.sleep(0.5)
        publish(host, port, uids, range(1_000_001, 1_000_001 + per))
        got, b0, b1 = q.get(timeout=400)
        bare.join(10)
        bare_rate = got / (b1 - b0) if b1 > b0 else 0.0
        print(f"bare paho subscriber: {got} messages, {bare_rate:,.0f} msg/s")
        # -- 2: ingest workers -----------------------------------------------------------
        out, stop = ctx.Queue(), ctx.Event()
        workers = [ctx.Process(target=_worker, args=(db_url, mqtt_url, i, args.workers, out,
                                                     stop))
                   for i in range(args.workers)]
        for w in workers:
            w.start()
        for _ in workers:
            assert out.get(timeout=120)[0] == "ready"
        peak = {w.pid: 0 for w in workers}
        commits: list[tuple[float, int]] = []
        samples: dict[tuple[str, int], float] = {}

        def drain(until_n: int, timeout: float) -> None:
            deadline = time.time() + timeout
            while sum(c[1] for c in commits) < until_n and time.time() < deadline:
                try:
                    kind, _i, now, k, sample = out.get(timeout=0.5)
                except Exception:
                    kind = ""
                if kind != "commit":
                    pass
                else:
                    commits.append((now, k))
                    for key in sample:
                        samples.setdefault(key, now)
                for w in workers:
                    peak[w.pid] = max(peak[w.pid], _rss_kb(w.pid))  # type: ignore[index]

        import threading
        sent: dict[tuple[str, int], float] = {}
        acked = [0]

        def pub(seqs: range) -> None:
            s, a = publish(host, port, uids, seqs)
            sent.update(s)
            acked[0] += a

        t = threading.Thread(target=pub, args=(range(1, per + 1),))
        t.start()
        drain(n, 600)
        t.join()
        first = min(c[0] - 0 for c in commits)
        t_first_pub = min(sent.values())
        last = max(c[0] for c in commits)
        rate = n / (last - t_first_pub)
        lat = sorted(samples[k] - sent[k] for k in samples if k in sent)
        p50 = statistics.median(lat) * 1000 if lat else float("nan")
        p99 = lat[int(len(lat) * 0.99)] * 1000 if lat else float("nan")
        print(f"ingest: {n} messages in {last - t_first_pub:.2f}s (first commit after "
              f"{first - t_first_pub:.2f}s), {rate:,.0f} committed msg/s, "
              f"publish-to-commit p50 {p50:.0f} ms p99 {p99:.0f} ms ({len(lat)} samples)")
        steady = {pid: kb for pid, kb in peak.items()}
        # -- 3: PostgreSQL down, publishing goes on ---------------------------------------
        if pg is not None and args.outage_messages:
            per2 = args.outage_messages // args.devices
            before = {w.pid: _rss_kb(w.pid) for w in workers}  # type: ignore[misc]
            pg.stop()
            t = threading.Thread(target=pub, args=(range(per + 1, per + 1 + per2),))
            t.start()
            t.join()
            time.sleep(3)
            during = {w.pid: _rss_kb(w.pid) for w in workers}  # type: ignore[misc]
            pg.start()
            drain(n + per2 * args.devices, 300)
            for pid in before:
                print(f"worker pid {pid}: RSS {before[pid] / 1024:.0f} MB before the outage, "
                      f"{during[pid] / 1024:.0f} MB with PostgreSQL down and "
                      f"{per2 * args.devices} messages published")
            n += per2 * args.devices
        stop.set()
        for w in workers:
            w.join(15)
            if w.is_alive():
                w.kill()
        for pid, kb in peak.items():
            print(f"worker pid {pid}: peak RSS {max(kb, steady[pid]) / 1024:.0f} MB")
        with make_engine(db_url).connect() as c:
            stored = c.execute(sa.text("SELECT count(*) FROM readings")).scalar_one()
            distinct = c.execute(sa.text(
                "SELECT count(*) FROM (SELECT DISTINCT device_id, seq FROM readings) d")).scalar_one()
        lost = acked[0] - distinct
        dup = stored - distinct
        print(f"broker acknowledged {acked[0]}, stored {stored} ({distinct} distinct)")
        ratio = rate / bare_rate if bare_rate else 0.0
        print(f"ingest: committed_per_s={rate:.0f} lost={lost} duplicates={dup} "
              f"ratio_vs_bare_subscriber={ratio:.2f}")
    finally:
        if broker is not None:
            broker.cleanup()
        if pg is not None:
            pg.cleanup()


if __name__ == "__main__":
    main()
