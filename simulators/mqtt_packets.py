"""MQTT 3.1.1 packets for the simulated fleet's client (OASIS MQTT 3.1.1, chapters 2 and 3):
packet types, Remaining Length, CONNECT and PUBLISH encoding, broker URLs, the Will and the
client's error. Pure functions; the connection logic is in ``simulators.mqtt``."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

__all__ = ["MqttError", "Will", "parse_url", "encode_length", "connect_packet", "publish_packet",
           "packet", "mqtt_str"]

CONNECT, CONNACK, PUBLISH, PUBACK = 1, 2, 3, 4
PUBREC, PUBREL, PUBCOMP = 5, 6, 7
SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK = 8, 9, 10, 11
PINGREQ, PINGRESP, DISCONNECT = 12, 13, 14

CONNACK_CODES = {1: "unacceptable protocol version", 2: "identifier rejected",
                  3: "server unavailable", 4: "bad user name or password", 5: "not authorised"}


class MqttError(OSError):
    """The session failed: refused, timed out or the connection was lost."""


@dataclass(frozen=True, slots=True)
class Will:
    topic: str
    payload: bytes
    qos: int = 1
    retain: bool = True


def parse_url(url: str) -> tuple[str, int, str | None, str | None]:
    """``mqtt://[user[:password]@]host[:port]`` -> (host, port, user, password)."""
    u = urlsplit(url if "://" in url else "mqtt://" + url)
    if u.scheme not in ("mqtt", "tcp", ""):
        raise ValueError(f"unsupported MQTT URL scheme {u.scheme!r} (mqtt:// only)")
    user = unquote(u.username) if u.username else None
    password = unquote(u.password) if u.password else None
    return u.hostname or "127.0.0.1", u.port or 1883, user, password


def encode_length(n: int) -> bytes:
    """Remaining Length (spec 2.2.3): 7 bits per byte, high bit = more bytes follow."""
    if n < 0 or n > 268_435_455:
        raise ValueError("remaining length out of range")
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def mqtt_str(s: str | bytes) -> bytes:
    b = s.encode() if isinstance(s, str) else s
    if len(b) > 65535:
        raise ValueError("string longer than 65535 bytes")
    return struct.pack("!H", len(b)) + b


def packet(first: int, body: bytes) -> bytes:
    return bytes((first,)) + encode_length(len(body)) + body


def connect_packet(client_id: str, keepalive: int, clean: bool, user: str | None,
                   password: str | None, will: Will | None) -> bytes:
    flags = 0x02 if clean else 0
    payload = mqtt_str(client_id)
    if will is not None:
        flags |= 0x04 | (will.qos << 3) | (0x20 if will.retain else 0)
        payload += mqtt_str(will.topic) + mqtt_str(will.payload)
    if user is not None:
        flags |= 0x80
        payload += mqtt_str(user)
        if password is not None:
            flags |= 0x40
            payload += mqtt_str(password)
    head = mqtt_str("MQTT") + bytes((4, flags)) + struct.pack("!H", keepalive)
    return packet(CONNECT << 4, head + payload)


def publish_packet(topic: str, payload: bytes, qos: int, retain: bool, pid: int,
                   dup: bool = False) -> bytes:
    first = (PUBLISH << 4) | (qos << 1) | (1 if retain else 0) | (0x08 if dup else 0)
    body = mqtt_str(topic) + (struct.pack("!H", pid) if qos else b"") + payload
    return packet(first, body)
