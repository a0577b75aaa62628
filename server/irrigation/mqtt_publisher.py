"""The controller's MQTT connection: publishes valve commands (QoS 1)."""

from __future__ import annotations

import os

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

__all__ = ["MQTTPublisher"]


class MQTTPublisher:
    """paho-mqtt 2 client (callback API 2) publishing QoS 1 commands."""

    def __init__(self, mqtt_url: str, client_id: str | None = None) -> None:
        from server.telemetry.ingest import parse_mqtt_url

        p = parse_mqtt_url(mqtt_url)
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2,
                                  client_id=client_id or f"nongso-controller-{os.getpid()}",
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
