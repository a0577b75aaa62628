"""The two-machine layout of docs/scaling.md on one machine: Debian's nginx in front of two
``nongso serve`` nodes (one of them with two workers), two ``nongso controller`` and two
``nongso ingest`` processes, a real Mosquitto and PostgreSQL — every process a real
subprocess that the tests can kill."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt

from tests.support.services import free_port, wait_port

__all__ = ["Cluster", "Valve", "Sensors", "NGINX_CONF"]

NGINX_CONF = """worker_processes 1;
user root;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log warn;
events {{ worker_connections 512; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body; proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi; uwsgi_temp_path {dir}/uwsgi; scgi_temp_path {dir}/scgi;
  upstream nongso {{ server 127.0.0.1:{a} max_fails=0; server 127.0.0.1:{b} max_fails=0; }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://nongso;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      # never send a POST to the other node: a retried write would hide a double write
      proxy_next_upstream off;
    }}
  }}
}}
"""


@dataclass
class Cluster:
    dir: Path
    db_url: str
    mqtt_url: str
    metrics_token: str = field(default_factory=lambda: secrets.token_hex(16))
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NONGSO_")}
        return {**env, "NONGSO_DATABASE_URL": self.db_url, "NONGSO_MQTT_URL": self.mqtt_url,
                "NONGSO_VAR_DIR": str(self.dir / "var"), "NONGSO_SECRET_KEY": "c" * 48,
                "NONGSO_STAMP_KEYS": "1:" + "ab" * 32, "NONGSO_TRUSTED_PROXIES": "127.0.0.1/32",
                "NONGSO_METRICS_TOKEN": self.metrics_token}

    def spawn(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = open(self.dir / f"{name}.log", "ab")
        proc = subprocess.Popen([sys.executable, "-m", "server", *args], env=self.env(),
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs[name] = proc
        return proc

    def start(self) -> Cluster:
        for node in ("a", "b"):
            self.ports[node] = free_port()
        self.spawn("node-a", "serve", "--port", str(self.ports["a"]), "--workers", "2")
        self.spawn("node-b", "serve", "--port", str(self.ports["b"]))
        for i in (1, 2):
            self.spawn(f"controller-{i}", "controller", "--interval", "0.2")
            self.ingest(i)
        self.ports["nginx"] = free_port()
        (self.dir / "nginx.conf").write_text(NGINX_CONF.format(
            dir=self.dir, a=self.ports["a"], b=self.ports["b"], port=self.ports["nginx"]))
        log = open(self.dir / "nginx.log", "ab")
        self.procs["nginx"] = subprocess.Popen(
            [shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(self.dir / "nginx.conf"),
             "-p", str(self.dir), "-g", "daemon off;"], stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        for port in self.ports.values():
            wait_port(port, 90)
        return self

    def ingest(self, index: int) -> None:
        """Ingest worker ``index`` of 2 under its explicit client id (any host may run it)."""
        self.spawn(f"ingest-{index}", "ingest", "--workers", "2", "--index", str(index),
                   "--client-id", f"nongso-ingest-{index}", "--flush-ms", "20")

    def kill(self, name: str) -> None:
        proc = self.procs.pop(name)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)

    def url(self, node: str = "nginx") -> str:
        return f"http://127.0.0.1:{self.ports[node]}"

    def log(self, name: str) -> str:
        return (self.dir / f"{name}.log").read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        for proc in list(self.procs.values()):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        self.procs.clear()


def _client(client_id: str, port: int, clean: bool) -> mqtt.Client:
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id,
                    protocol=mqtt.MQTTv311, clean_session=clean)
    c.reconnect_delay_set(0.05, 0.5)
    return c


class Valve:
    """A valve node on a real MQTT connection, as the firmware behaves: accepts a command
    once (a repeated id is rejected ``duplicate``), reports ``done`` with its litres when
    the test says the lease ended."""

    def __init__(self, port: int, uid: str) -> None:
        self.uid = uid
        self.received: list[int] = []
        self.c = _client(uid, port, clean=False)
        self.c.will_set(f"nongso/v1/{uid}/status", b'{"v":1,"state":"offline"}', 1, True)
        self.c.on_connect = lambda cl, *_: (cl.subscribe(f"nongso/v1/{uid}/cmd", 1),
                                            self._status())
        self.c.on_message = self._on_message
        self.c.connect("127.0.0.1", port, keepalive=5)
        self.c.loop_start()

    def _status(self) -> None:
        self.c.publish(f"nongso/v1/{self.uid}/status",
                       json.dumps({"v": 1, "state": "online", "role": "valve"}), 1, True)

    def ack(self, body: dict[str, Any]) -> None:
        self.c.publish(f"nongso/v1/{self.uid}/ack", json.dumps({"v": 1, **body}), 1)

    def _on_message(self, _c: Any, _u: Any, msg: Any) -> None:
        cmd = json.loads(msg.payload)
        if cmd["id"] in self.received:
            self.received.append(cmd["id"])
            self.ack({"id": cmd["id"], "res": "rejected", "reason": "duplicate"})
            return
        self.received.append(cmd["id"])
        self.ack({"id": cmd["id"], "res": "accepted", "dur_s": cmd.get("dur_s")})

    def done(self, cmd_id: int, litres: float) -> None:
        self.ack({"id": cmd_id, "res": "done", "run_s": 60, "l": litres, "why": "lease_end"})

    def stop(self) -> None:
        self.c.loop_stop()
        self.c.disconnect()


class Sensors(threading.Thread):
    """Devices publishing readings, each kept until the broker acknowledged it (as the
    firmware's flash buffer does), through broker restarts; counts what was acknowledged."""

    def __init__(self, port: int, uids: list[str], per_device: int, every_s: float) -> None:
        super().__init__(daemon=True)
        self.uids, self.per_device, self.every_s = uids, per_device, every_s
        self.acked = 0
        self.c = _client("cluster-sensors", port, clean=True)
        self.c.connect("127.0.0.1", port)
        self.c.loop_start()

    def _send(self, uid: str, seq: int, now: int) -> bool:
        body = json.dumps({"v": 1, "seq": seq, "t": now - 3600 + seq, "m": 30.0, "drop": 0})
        try:
            info = self.c.publish(f"nongso/v1/{uid}/telemetry", body, qos=1)
            info.wait_for_publish(1)
        except (RuntimeError, ValueError):
            return False
        return info.is_published()

    def run(self) -> None:
        now = int(time.time())
        for seq in range(1, self.per_device + 1):
            for uid in self.uids:
                deadline = time.monotonic() + 30
                while not self._send(uid, seq, now):
                    if time.monotonic() > deadline:
                        return
                    time.sleep(0.05)
                self.acked += 1
            time.sleep(self.every_s)
        self.c.loop_stop()
        self.c.disconnect()
