"""A second device implementation, written from docs/protocol.md alone in JavaScript with the
npm ``mqtt`` package (tests/devices/node_device.mjs), against real Mosquitto (the generated
ACL, its own login), the real ingest and the real controller on PostgreSQL: telemetry with
resend, Last Will, config ack, valve lease — and the golden command/config exchanges the
firmware is tested with, answered byte for byte the same."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from sqlmodel import Session

from server.irrigation.commands import stop_zone, water_now
from server.irrigation.controller import start_controller
from server.models import DeviceRole
from server.models.device_config import DeviceConfig
from server.models.irrigation import ZoneIrrigation
from server.telemetry.credentials import mosquitto_hash
from server.telemetry.ingest import IngestConfig, IngestWorker
from server.telemetry.mosquitto import CONTROL_USER, INGEST_USER, BrokerAccount, write_config
from tests.server.telemetry.conftest import Telemetry, make_telemetry, wait_for
from tests.support.generated_mosquitto import GeneratedMosquitto

REPO = Path(__file__).resolve().parents[3]
DEVICE = REPO / "tests" / "devices" / "node_device.mjs"
GOLDEN = REPO / "tests" / "golden"
UID = "node-valve-1"


class NodeDevice:
    def __init__(self, url: str, password: str, state: Path) -> None:
        node = shutil.which("node") or "/usr/bin/node"
        self.proc = subprocess.Popen([node, str(DEVICE), url, UID, password, str(state)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, cwd=REPO)
        self.events: list[dict[str, Any]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.events.append(json.loads(line))

    def do(self, **cmd: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()

    def acks(self) -> list[dict[str, Any]]:
        return [{k: v for k, v in e.items() if k != "ev"} for e in self.events if e["ev"] == "ack"]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(5)


@pytest.fixture
def stack(pg_url: str, tmp_path: Path) -> Iterator[tuple[Telemetry, GeneratedMosquitto, str]]:
    made = make_telemetry(pg_url)
    tel = next(made)
    password = tel.add(UID, role=DeviceRole.valve)
    with Session(tel.engine) as s:
        s.add(ZoneIrrigation(zone_id=tel.ids["zones"]["lychee"], mode="off", on_pct=38,
                             off_pct=60))
        s.commit()
    out = tmp_path / "broker"
    write_config(out, tel.engine, [BrokerAccount(INGEST_USER, mosquitto_hash("ingest-pw")),
                                   BrokerAccount(CONTROL_USER, mosquitto_hash("control-pw"))],
                 persistence_dir=None)
    broker = GeneratedMosquitto(out).start()
    try:
        yield tel, broker, password
    finally:
        broker.cleanup()
        made.close()


def _golden_exchanges(kind: str) -> list[tuple[str, str]]:
    doc = json.loads((GOLDEN / f"{kind}.json").read_text(encoding="utf-8"))
    return [(c["payload"], c["ack"]) for c in doc["invalid"] if "ack" in c]


def test_node_device_from_the_doc_alone(stack: tuple[Telemetry, GeneratedMosquitto, str],
                                        tmp_path: Path) -> None:
    tel, broker, password = stack
    dev_id = tel.devices[UID]
    ingest = IngestWorker(tel.engine, IngestConfig(
        mqtt_url=broker.service_url(INGEST_USER, "ingest-pw"), client_id="nongso-ingest-node"))
    stop = threading.Event()
    threading.Thread(target=ingest.run, args=(stop,), daemon=True).start()
    control_url = broker.service_url(CONTROL_USER, "control-pw")
    ctl = start_controller(tel.engine, None, control_url, interval_s=0.3, push_configs=True)
    dev = NodeDevice(f"mqtt://127.0.0.1:{broker.port}", password, tmp_path / "node.json")
    count = lambda sql: tel.scalar(sql, d=dev_id)  # noqa: E731
    try:
        # telemetry taken while offline, sent as one batch after connecting; then "PUBACKs
        # lost": everything re-sent, stored once
        for m in (41.5, 40.9, 40.2):
            dev.do(do="read", m=m)
        wait_for(lambda: sum(e["ev"] == "read" for e in dev.events) == 3, 10, "3 readings")
        dev.do(do="connect")
        wait_for(lambda: count("select count(*) from readings where device_id = :d") == 3, 15,
                 "batch stored")
        dev.do(do="resend_acked")
        wait_for(lambda: any(e["ev"] == "resent" for e in dev.events), 10, "re-sent")
        wait_for(lambda: ingest.stats.duplicates >= 3, 10, "duplicates refused")
        assert count("select count(*) from readings where device_id = :d") == 3
        # the retained config from the controller service: applied and recorded
        wait_for(lambda: _cfg(tel, dev_id) == "applied", 15, "config applied")
        applied = next(a for a in dev.acks() if "cfg" in a)
        assert applied == {"cfg": 1, "res": "applied"}
        # the firmware's golden command and config exchanges, answered the same
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="nongso-control-golden")
        client.username_pw_set(CONTROL_USER, "control-pw")
        client.connect("127.0.0.1", broker.service_port)
        client.loop_start()
        wait_for(client.is_connected, 5, "control client")
        for kind in ("cmd", "config"):
            for payload, want in _golden_exchanges(kind):
                before = len(dev.acks())
                client.publish(f"nongso/v1/{UID}/{kind}", payload, 1).wait_for_publish(5)
                wait_for(lambda b=before: len(dev.acks()) > b, 5, f"ack for {payload}")
                got = dev.acks()[-1]
                assert json.dumps({"v": 1, **got}, separators=(",", ":")) == want, payload
        client.disconnect()
        client.loop_stop()
        # a lease from the real controller: "water now", then "stop"
        zone = tel.ids["zones"]["lychee"]
        with Session(tel.engine) as s:
            water_now(s, zone, 1, None)
            s.commit()
        wait_for(lambda: tel.scalar("select status from irrigation_commands where op = 'open'")
                 == "accepted", 15, "open accepted")
        wait_for(lambda: tel.scalar("select vs from device_states where device_id = :d",
                                    d=dev_id) == 1, 10, "valve open on the page")
        with Session(tel.engine) as s:
            stop_zone(s, zone, None)
            s.commit()
        wait_for(lambda: tel.scalar("select status from irrigation_commands where op = 'open'")
                 == "done", 15, "lease done")
        wait_for(lambda: tel.scalar("select vs from device_states where device_id = :d",
                                    d=dev_id) == 0, 10, "valve closed on the page")
        assert tel.scalar("select status from irrigation_commands where op = 'close'") in (
            "accepted", "done")
        # a message the doc forbids (no drop): dead-lettered with the documented reason
        dev.do(do="raw", kind="telemetry", payload=f'{{"v":1,"seq":99,"t":{int(time.time())},"m":1}}')
        wait_for(lambda: tel.scalar("select reason from dead_letters") == "missing:drop", 10,
                 "dead letter")
        # the device vanishes: the broker publishes its Last Will, the page says offline
        dev.do(do="vanish")
        wait_for(lambda: tel.scalar("select state from device_states where device_id = :d",
                                    d=dev_id) == "offline", 20, "Last Will")
    finally:
        dev.stop()
        ctl.stop()
        stop.set()
    err = dev.proc.stderr.read() if dev.proc.stderr else ""
    assert not [e for e in dev.events if e["ev"] == "error"], (dev.events, err)


def _cfg(tel: Telemetry, dev_id: int) -> str | None:
    with Session(tel.engine) as s:
        dc = s.get(DeviceConfig, dev_id)
        return dc.ack_res if dc else None
