"""MQTT session on top of an ``iface.Transport``: topics, Last Will, backoff, inbox.

Topics are ``nongso/v1/<device-id>/<kind>``.  Incoming messages are queued by
the transport callback and handled after ``poll`` returns, so nothing
publishes from inside the callback (umqtt.simple would re-enter).

Keepalive: ``umqtt.simple.check_msg`` never pings, and a broker drops a client
that sends nothing for 1.5 × keepalive (publishing its "offline" Will). An
always-on valve node may be quiet for longer than that, so ``poll`` sends
PINGREQ once half the keepalive has passed without any packet sent.
"""
from .codec import status
from .compat import const

_INBOX_MAX = const(8)
_KEEPALIVE_S = const(60)
_PING_AFTER_MS = const(30000)  # half the keepalive


class Link:
    def __init__(
        self, transport: object, clock: object, device_id: str, seed: int = 1,
        base_ms: int = 1000, cap_ms: int = 300000,
    ) -> None:
        self.t = transport
        self.clock = clock
        self.base = "nongso/v1/" + device_id + "/"
        self.connected = False
        self.fails = 0
        self.next_try = 0
        self.base_ms = base_ms
        self.cap_ms = cap_ms
        self.inbox = []  # type: list
        self.last_tx = 0  # clock.ms() of the last packet sent (for keepalive pings)
        self.pings = 0
        self.lost_msgs = 0  # incoming messages dropped because the inbox was full
        self._rng = (seed & 0x7FFFFFFF) or 1

    def topic(self, kind: str) -> str:
        return self.base + kind

    def _rand(self) -> int:
        # Park-Miller; per-device seed spreads reconnects of a whole field
        self._rng = (self._rng * 48271) % 2147483647
        return self._rng

    def backoff_ms(self) -> int:
        """Delay before the next attempt: exponential, capped, half of it jittered."""
        n = self.fails - 1 if self.fails < 21 else 20
        if n < 0:
            n = 0
        d = self.base_ms << n
        if d > self.cap_ms:
            d = self.cap_ms
        half = d >> 1
        return half + self._rand() % (half + 1)

    def _fail(self) -> None:
        self.connected = False
        self.fails += 1
        self.next_try = self.clock.ms() + self.backoff_ms()  # type: ignore[attr-defined]
        try:
            self.t.disconnect()  # type: ignore[attr-defined]
        except OSError:
            pass

    def connect(self, online: bytes) -> bool:
        """Connect unless connected or backing off; publish the retained ``online`` status."""
        if self.connected:
            return True
        if self.clock.ms() < self.next_try:  # type: ignore[attr-defined]
            return False
        t = self.t
        try:
            t.set_callback(self._cb)  # type: ignore[attr-defined]
            t.connect(self.topic("status"), status("offline"), _KEEPALIVE_S)  # type: ignore[attr-defined]
            t.subscribe(self.topic("cmd"), 1)  # type: ignore[attr-defined]
            t.subscribe(self.topic("config"), 1)  # type: ignore[attr-defined]
            t.publish(self.topic("status"), online, True, 1)  # type: ignore[attr-defined]
        except OSError:
            self._fail()
            return False
        self.connected = True
        self.fails = 0
        self.last_tx = self.clock.ms()  # type: ignore[attr-defined]
        return True

    def _cb(self, topic: object, msg: bytes) -> None:
        if isinstance(topic, str):
            topic = topic.encode()
        kind = topic[len(self.base) :]  # type: ignore[index]
        if kind not in (b"cmd", b"config"):
            return
        if len(self.inbox) >= _INBOX_MAX:
            self.lost_msgs += 1
            return
        self.inbox.append((kind, msg))

    def publish(self, kind: str, payload: bytes, retain: bool = False) -> bool:
        """QoS 1 publish; False (and backoff) when the broker did not acknowledge."""
        if not self.connected:
            return False
        try:
            self.t.publish(self.topic(kind), payload, retain, 1)  # type: ignore[attr-defined]
        except OSError:
            self._fail()
            return False
        self.last_tx = self.clock.ms()  # type: ignore[attr-defined]
        return True

    def poll(self) -> bool:
        """Fetch incoming messages into ``inbox``; False when the connection is gone."""
        if not self.connected:
            return False
        try:
            now = self.clock.ms()  # type: ignore[attr-defined]
            if now - self.last_tx >= _PING_AFTER_MS:
                self.t.ping()  # type: ignore[attr-defined]
                self.last_tx = now
                self.pings += 1
            self.t.check_msg()  # type: ignore[attr-defined]
        except OSError:
            self._fail()
            return False
        return True

    def take(self) -> list:
        box = self.inbox
        self.inbox = []
        return box

    def close(self, last_status: bytes) -> None:
        """Orderly goodbye (sensor node going to sleep): retained status, DISCONNECT."""
        if not self.connected:
            return
        try:
            self.t.publish(self.topic("status"), last_status, True, 1)  # type: ignore[attr-defined]
            self.t.disconnect()  # type: ignore[attr-defined]
        except OSError:
            pass
        self.connected = False


__all__ = ["Link"]
