"""The embedded MQTT broker (amqtt) used by ``nongso demo``.

It listens on loopback only. Production uses Mosquitto or an EMQX cluster
(see docs/architecture.md); amqtt speaks MQTT 3.1.1 only.
"""

from __future__ import annotations

import asyncio
import logging
import socket

__all__ = ["EmbeddedBroker", "free_port"]

log = logging.getLogger(__name__)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


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
        from amqtt.broker import Broker

        config = {
            "listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}",
                                      "max_connections": 20000}},
            "plugins": {
                "amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True},
            },
        }
        for name in ("amqtt", "transitions"):
            logging.getLogger(name).setLevel(logging.WARNING)
        broker = Broker(config, loop=asyncio.get_running_loop())
        await broker.start()
        self._broker = broker
        log.info("embedded MQTT broker listening on %s", self.url)

    async def stop(self) -> None:
        broker = self._broker
        self._broker = None
        if broker is not None:
            await broker.shutdown()  # type: ignore[attr-defined]
