"""The embedded MQTT broker (amqtt) used by ``nongso demo``.

It listens on loopback only. Production uses Mosquitto or an EMQX cluster
(see docs/architecture.md); amqtt speaks MQTT 3.1.1 only.

Devices get only their own topics, as on Mosquitto with the generated ACL
(docs/protocol.md, "Transport"): a client whose id (or username) does not start with
``nongso-`` (the server's own clients: ingest, controller) may publish only
``nongso/v1/<its id>/telemetry|status|ack`` and subscribe to and receive only
``nongso/v1/<its id>/cmd|config``. amqtt 0.12 also sends a connecting client the retained
messages matching *every* client's subscriptions (a device subscribed to its config got
other devices' retained statuses); :class:`_ConfinedBroker` sends only those matching the
client's own subscriptions, through the same ACL.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

__all__ = ["EmbeddedBroker", "free_port", "allowed"]

log = logging.getLogger(__name__)

SERVER_PREFIX = "nongso-"
_DEVICE_WRITES = ("telemetry", "status", "ack")
_DEVICE_READS = ("cmd", "config")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


def allowed(identity: str | None, topic: str, action: str) -> bool:
    """The demo broker's ACL: ``action`` is ``publish``, ``subscribe`` or ``receive``."""
    if identity and identity.startswith(SERVER_PREFIX):
        return True
    if not identity:
        return False
    parts = topic.split("/")
    if len(parts) != 4 or parts[0] != "nongso" or parts[1] != "v1" or parts[2] != identity:
        return False
    return parts[3] in (_DEVICE_WRITES if action == "publish" else _DEVICE_READS)


def _confined_broker_class() -> type[Any]:
    from amqtt.broker import Broker
    from amqtt.contexts import Action

    class _ConfinedBroker(Broker):  # type: ignore[misc]
        async def _topic_filtering(self, session: Any, topic: str, action: Action) -> bool:
            who = session.username or session.client_id if session is not None else None
            return allowed(who, topic, str(action.value))

        async def _publish_retained_messages_for_subscription(
                self, subscription: tuple[str, int], session: Any) -> None:
            topic_filter, qos = subscription
            if not any(s.client_id == session.client_id
                       for s, _ in self._subscriptions.get(topic_filter, [])):
                return  # amqtt 0.12 passes every client's filters on this client's connect
            handler = self._get_handler(session)
            tasks = []
            for topic, kept in list(self._retained_messages.items()):
                if handler and self._matches(topic, topic_filter) and \
                        await self._topic_filtering(session, topic, Action.RECEIVE):
                    tasks.append(asyncio.ensure_future(handler.mqtt_publish(
                        kept.topic, kept.data, min(qos, kept.qos or qos), retain=True)))
            if tasks:
                await asyncio.wait(tasks)

    return _ConfinedBroker


class EmbeddedBroker:
    """An amqtt broker on ``host:port`` inside the caller's event loop."""

    def __init__(self, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.host = host
        self.port = port or free_port(host)
        self._broker: object | None = None

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    async def start(self) -> None:
        config = {
            "listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}",
                                      "max_connections": 20000}},
            "plugins": {
                "amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True},
            },
        }
        for name in ("amqtt", "transitions"):
            logging.getLogger(name).setLevel(logging.WARNING)
        broker = _confined_broker_class()(config, loop=asyncio.get_running_loop())
        await broker.start()
        self._broker = broker
        log.info("embedded MQTT broker listening on %s", self.url)

    async def stop(self) -> None:
        broker = self._broker
        self._broker = None
        if broker is not None:
            await broker.shutdown()  # type: ignore[attr-defined]
