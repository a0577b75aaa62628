"""Crash and scale-out: SIGKILL the worker mid-stream; two workers splitting the stream."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.server.telemetry.conftest import Telemetry, publisher, wait_for
from tests.support.services import Mosquitto

ROOT = Path(__file__).resolve().parents[3]


def _payload(seq: int, now: int) -> str:
    return json.dumps({"v": 1, "seq": seq, "t": now - 86400 + seq, "m": 35.5, "raw": 40000,
                       "drop": 0}, separators=(",", ":"))


def _start(url: str, broker: Mosquitto, tmp: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NONGSO_")}
    env.update(NONGSO_DATABASE_URL=url.replace("postgresql+psycopg://", "postgresql://"),
               NONGSO_MQTT_URL=broker.url, NONGSO_VAR_DIR=str(tmp / "var"))
    return subprocess.Popen([sys.executable, "-m", "server", "ingest", "--client-id", "crash-1",
                             "--batch-size", "200", "--flush-ms", "50"], cwd=ROOT, env=env,
                            stdout=open(tmp / "worker.log", "ab"), stderr=subprocess.STDOUT)


def test_sigkill_mid_stream_loses_nothing_and_doubles_nothing(
        tel_pg: Telemetry, pg_storage_url: str, mosquitto: Mosquitto, tmp_path: Path) -> None:
    tel = tel_pg
    uids = [f"kill-{i}" for i in range(4)]
    for u in uids:
        tel.add(u)
    n_per = 1000
    worker = _start(pg_storage_url, mosquitto, tmp_path)
    try:
        wait_for(lambda: "connected to" in (tmp_path / "worker.log").read_text(), 30, "worker up")
        acked: list[int] = []
        now = int(time.time())

        def stream() -> None:
            pubs = [publisher(mosquitto.port, u) for u in uids]
            for seq in range(1, n_per + 1):
                infos = [p.publish(f"nongso/v1/{u}/telemetry", _payload(seq, now), qos=1)
                         for p, u in zip(pubs, uids)]
                for i in infos:
                    i.wait_for_publish(30)
                acked.append(len(infos))
                time.sleep(0.002)
            for p in pubs:
                p.loop_stop()
                p.disconnect()

        t = threading.Thread(target=stream)
        t.start()
        wait_for(lambda: (tel.scalar("select count(*) from readings") or 0) >= 800, 60, "800 stored")
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        killed_at = tel.scalar("select count(*) from readings")
        assert killed_at < len(uids) * n_per, "the stream had already finished"
        worker = _start(pg_storage_url, mosquitto, tmp_path)
        t.join(120)
        assert sum(acked) == len(uids) * n_per  # the broker acknowledged every publish
        wait_for(lambda: tel.scalar("select count(*) from readings") == len(uids) * n_per, 60,
                 "every acknowledged message stored")
        time.sleep(0.5)
        assert tel.scalar("select count(*) from readings") == len(uids) * n_per
        per = tel.rows("select device_id, count(distinct seq), min(seq), max(seq) "
                       "from readings group by device_id")
        assert sorted(p[1:] for p in per) == [(n_per, 1, n_per)] * len(uids)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            worker.kill()
    log = (tmp_path / "worker.log").read_text()
    assert "Traceback" not in log, log[-3000:]


def test_two_workers_split_the_stream_by_device(tel_pg: Telemetry, mosquitto: Mosquitto,
                                                run_worker) -> None:  # type: ignore[no-untyped-def]
    tel = tel_pg
    for i in range(5):
        tel.add(f"split-{i}")
    w1 = run_worker(tel.engine, mosquitto, client_id="ingest-a", batch_size=100, flush_s=0.02,
                    workers=2, index=1)
    w2 = run_worker(tel.engine, mosquitto, client_id="ingest-b", batch_size=100, flush_s=0.02,
                    workers=2, index=2)
    pub = publisher(mosquitto.port, "split-pub")
    now = int(time.time())
    infos = [pub.publish(f"nongso/v1/split-{i}/telemetry", _payload(seq, now), qos=1)
             for seq in range(1, 401) for i in range(5)]
    for info in infos:
        info.wait_for_publish(30)
    wait_for(lambda: tel.scalar("select count(*) from readings") == 2000, 30, "2000 stored")
    time.sleep(0.5)
    pub.loop_stop()
    assert w1.stats.received > 200 and w2.stats.received > 200, (w1.stats, w2.stats)
    assert w1.stats.received + w2.stats.received == 2000
    assert w1.stats.skipped == w2.stats.received and w2.stats.skipped == w1.stats.received
    assert w1.stats.duplicates + w2.stats.duplicates == 0
    assert tel.scalar("select count(*) from reading_seqs") == 2000
    assert tel.scalar("select sum(received) from device_states") == 2000
