"""The controller's MQTT connection: publishes valve commands (QoS 1)."""

from __future__ import annotations

import os
import secrets
import socket

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

__all__ = ["MQTTPublisher", "unique_client_id"]


def unique_client_id(role: str) -> str:
    """``nongso-<role>-<host>-<pid>-<random>``: unique for every process, also for two
    containers that both run as PID 1 on hosts with the same name (a broker drops the older
    of two connections with one client id, so a shared id makes them kick each other off)."""
    host = "".join(ch for ch in socket.gethostname() if ch.isalnum() or ch in "-_.")[:40]
    return f"nongso-{role}-{host}-{os.getpid()}-{secrets.token_hex(4)}"


class MQTTPublisher:
    """paho-mqtt 2 client (callback API 2) publishing QoS 1 commands, with a clean session
    under a client id unique to this process (:func:`unique_client_id`)."""

    def __init__(self, mqtt_url: str, client_id: str | None = None) -> None:
        from server.telemetry.ingest import parse_mqtt_url

        p = parse_mqtt_url(mqtt_url)
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2,
                                  client_id=client_id or unique_client_id("controller"),
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
