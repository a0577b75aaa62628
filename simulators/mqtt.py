"""A small asyncio MQTT 3.1.1 client that multiplexes thousands of sessions on one loop.

Why not paho: one paho client per simulated node means one socket-polling thread per
node (or one hand-driven ``loop_misc``/``loop_read`` per node), which does not scale to
10,000 nodes in one process.  Here each session is an ``asyncio.Protocol`` (no task, no
thread per connection): packets are parsed in ``data_received`` and completion of
CONNACK / PUBACK / SUBACK / PINGRESP resolves futures.  Written from the OASIS MQTT 3.1.1
specification (2014), chapters 2 and 3; only what a field device needs:

* CONNECT with client id, username/password, clean-session flag, keepalive and a Will
  (topic, payload, QoS, retain); CONNACK return codes become ``MqttError``.
* PUBLISH QoS 0 and 1 out (QoS 1 waits for PUBACK), QoS 0/1 in (PUBACK sent back).
  Session state (spec 4.1): with ``clean_session=False`` an outgoing QoS 1 message that
  never got its PUBACK stays in ``inflight`` across connections and is sent again with
  DUP=1 right after the next CONNACK (spec 4.4).  The caller that was waiting on it gets
  an ``MqttError`` when the connection dies (as umqtt.simple would raise OSError) and may
  send it again itself: delivery stays *at least once*.
* SUBSCRIBE (one filter per packet) waiting for SUBACK; PINGREQ/PINGRESP; DISCONNECT.
* Keepalive: a PINGREQ is sent when nothing was sent for half the keepalive (wall time).

``MqttError`` subclasses ``OSError`` so firmware code treats it as a broken link.
"""

from __future__ import annotations

import asyncio
import logging
import struct
from collections import deque
from collections.abc import Callable

from simulators.mqtt_packets import (
    CONNACK,
    CONNACK_CODES,
    DISCONNECT,
    PINGREQ,
    PINGRESP,
    PUBACK,
    PUBCOMP,
    PUBLISH,
    PUBREC,
    PUBREL,
    SUBACK,
    SUBSCRIBE,
    UNSUBACK,
    MqttError,
    Will,
    connect_packet,
    encode_length,
    mqtt_str,
    packet,
    parse_url,
    publish_packet,
)

__all__ = ["MqttClient", "MqttError", "Will", "parse_url", "encode_length"]

log = logging.getLogger(__name__)

class _Proto(asyncio.Protocol):
    """Byte stream -> packets for one client; holds no state beyond the read buffer."""

    __slots__ = ("client", "transport", "buf")

    def __init__(self, client: MqttClient) -> None:
        self.client = client
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        while len(buf) >= 2:
            n = 0
            mult = 1
            i = 1
            while True:
                if i >= len(buf):
                    return  # length bytes incomplete
                b = buf[i]
                n += (b & 0x7F) * mult
                mult <<= 7
                i += 1
                if not b & 0x80:
                    break
                if i > 4:
                    self.client._protocol_error("malformed remaining length")
                    return
            if len(buf) < i + n:
                return
            first = buf[0]
            body = bytes(buf[i : i + n])
            del buf[: i + n]
            try:
                self.client._dispatch(first, body)
            except (MqttError, struct.error, IndexError) as exc:
                self.client._protocol_error(str(exc) or type(exc).__name__)
                return

    def connection_lost(self, exc: Exception | None) -> None:
        self.client._lost(self, exc)


class MqttClient:
    """One MQTT session (client id) to one broker, driven by the running event loop."""

    def __init__(self, client_id: str, host: str = "127.0.0.1", port: int = 1883,
                 username: str | None = None, password: str | None = None,
                 timeout: float = 10.0,
                 on_message: Callable[[str, bytes], None] | None = None) -> None:
        self.client_id = client_id
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.timeout = timeout
        self.on_message = on_message
        self.on_lost: Callable[[], None] | None = None
        self.inbox: deque[tuple[str, bytes]] = deque()
        #: session state: pid -> (topic, payload, retain) sent QoS 1 and not acknowledged
        self.inflight: dict[int, tuple[str, bytes, bool]] = {}
        self.session_present = False
        self.sent_packets = 0
        self.retransmitted = 0
        self._proto: _Proto | None = None
        self._connected = False
        self._connack: asyncio.Future[int] | None = None
        self._waiters: dict[int, asyncio.Future[int]] = {}
        self._pings: deque[asyncio.Future[None]] = deque()
        self._pid = 0
        self._keepalive = 0
        self._last_sent = 0.0
        self._ka_handle: asyncio.TimerHandle | None = None

    @property
    def connected(self) -> bool:
        return self._connected

    # ---- plumbing ----------------------------------------------------------------
    def _send(self, data: bytes) -> None:
        proto = self._proto
        if proto is None or proto.transport is None or proto.transport.is_closing():
            raise MqttError("not connected")
        proto.transport.write(data)
        self.sent_packets += 1
        self._last_sent = asyncio.get_running_loop().time()

    def _next_pid(self) -> int:
        for _ in range(65535):
            self._pid = self._pid % 65535 + 1
            if self._pid not in self.inflight and self._pid not in self._waiters:
                return self._pid
        raise MqttError("no free packet identifier")

    async def _wait(self, fut: asyncio.Future, what: str) -> object:
        loop = asyncio.get_running_loop()

        def expire() -> None:
            if not fut.done():
                fut.set_exception(MqttError(f"{what}: no answer within {self.timeout:g} s"))

        handle = loop.call_later(self.timeout, expire)
        try:
            return await fut
        finally:
            handle.cancel()

    def _protocol_error(self, why: str) -> None:
        log.warning("%s: protocol error from broker: %s", self.client_id, why)
        self.abort()

    def _dispatch(self, first: int, body: bytes) -> None:
        kind = first >> 4
        if kind == PUBLISH:
            qos = (first >> 1) & 3
            tlen = struct.unpack_from("!H", body)[0]
            topic = body[2 : 2 + tlen].decode("utf-8", "replace")
            off = 2 + tlen
            pid = 0
            if qos:
                pid = struct.unpack_from("!H", body, off)[0]
                off += 2
            self.inbox.append((topic, body[off:]))
            if qos == 1:
                self._send(packet(PUBACK << 4, struct.pack("!H", pid)))
            elif qos == 2:  # never requested (we subscribe with QoS <= 1); answer anyway
                self._send(packet(PUBREC << 4, struct.pack("!H", pid)))
            if self.on_message is not None:
                self.on_message(topic, body[off:])
        elif kind in (PUBACK, SUBACK, UNSUBACK):
            pid = struct.unpack_from("!H", body)[0]
            if kind == PUBACK:
                self.inflight.pop(pid, None)
            fut = self._waiters.pop(pid, None)
            if fut is not None and not fut.done():
                fut.set_result(body[2] if kind == SUBACK and len(body) > 2 else 0)
        elif kind == CONNACK:
            fut = self._connack
            if fut is not None and not fut.done():
                self.session_present = bool(body[0] & 1)
                fut.set_result(body[1])
        elif kind == PINGRESP:
            if self._pings:
                p = self._pings.popleft()
                if not p.done():
                    p.set_result(None)
        elif kind == PUBREL:
            self._send(packet(PUBCOMP << 4, body[:2]))
        else:
            self._protocol_error(f"unexpected packet type {kind}")

    def _lost(self, proto: _Proto, exc: Exception | None) -> None:
        if proto is not self._proto:
            return
        self._proto = None
        self._connected = False
        if self._ka_handle is not None:
            self._ka_handle.cancel()
            self._ka_handle = None
        err = MqttError(f"connection lost: {exc}" if exc else "connection closed")
        futs: list[asyncio.Future] = list(self._waiters.values()) + list(self._pings)
        if self._connack is not None:
            futs.append(self._connack)
        self._waiters.clear()
        self._pings.clear()
        for f in futs:
            if not f.done():
                f.set_exception(err)
                f.exception()  # mark retrieved: nobody may be waiting any more
        if self.on_lost is not None:
            self.on_lost()

    def _keepalive_tick(self) -> None:
        self._ka_handle = None
        if not self._connected or not self._keepalive:
            return
        loop = asyncio.get_running_loop()
        half = self._keepalive / 2
        idle = loop.time() - self._last_sent
        if idle >= half:
            fut: asyncio.Future[None] = loop.create_future()
            self._pings.append(fut)
            try:
                self._send(bytes((PINGREQ << 4, 0)))
            except MqttError:
                return
            idle = 0.0
        self._ka_handle = loop.call_later(half - idle, self._keepalive_tick)

    # ---- the session API ------------------------------------------------------------
    async def connect(self, keepalive: int = 60, clean_session: bool = False,
                      will: Will | None = None) -> bool:
        """Open the TCP connection and the session; return the broker's session-present flag."""
        if self._proto is not None:
            self.abort()
        loop = asyncio.get_running_loop()
        proto = _Proto(self)
        self._proto = proto
        try:
            await asyncio.wait_for(loop.create_connection(lambda: proto, self.host, self.port),
                                   self.timeout)
        except (TimeoutError, OSError) as exc:
            self._proto = None
            raise MqttError(f"cannot reach {self.host}:{self.port}: {exc}") from None
        self._connack = loop.create_future()
        self._send(connect_packet(self.client_id, keepalive, clean_session, self.username,
                                  self.password, will))
        try:
            code = await self._wait(self._connack, "CONNACK")
        except MqttError:
            self.abort()
            raise
        finally:
            self._connack = None
        if code:
            self.abort()
            raise MqttError(f"connection refused: {CONNACK_CODES.get(int(code), code)}")  # type: ignore[call-overload]
        self._connected = True
        self._keepalive = keepalive
        if clean_session:
            self.inflight.clear()
        for pid, (topic, payload, retain) in list(self.inflight.items()):
            self._send(publish_packet(topic, payload, 1, retain, pid, dup=True))
            self.retransmitted += 1
        if keepalive:
            self._ka_handle = loop.call_later(keepalive / 2, self._keepalive_tick)
        return self.session_present

    def publish_nowait(self, topic: str, payload: bytes, qos: int = 0,
                       retain: bool = False, dup: bool = False) -> asyncio.Future[int] | None:
        """Send now; for QoS 1 return the future of its PUBACK (kept in ``inflight``)."""
        if not self._connected:
            raise MqttError("not connected")
        if qos == 0:
            self._send(publish_packet(topic, payload, 0, retain, 0, dup))
            return None
        if qos != 1:
            raise ValueError("QoS 2 is not supported")
        pid = self._next_pid()
        fut: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._waiters[pid] = fut
        self.inflight[pid] = (topic, payload, retain)
        self._send(publish_packet(topic, payload, 1, retain, pid, dup))
        return fut

    async def publish(self, topic: str, payload: bytes, qos: int = 0, retain: bool = False,
                      dup: bool = False) -> None:
        """Publish; with QoS 1 return only after the broker's PUBACK."""
        fut = self.publish_nowait(topic, payload, qos, retain, dup)
        if fut is not None:
            await self._wait(fut, "PUBACK")

    async def subscribe(self, topic: str, qos: int = 1) -> int:
        """Subscribe to one filter; return the granted QoS (0x80 = refused -> MqttError)."""
        if not self._connected:
            raise MqttError("not connected")
        pid = self._next_pid()
        fut: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._waiters[pid] = fut
        body = struct.pack("!H", pid) + mqtt_str(topic) + bytes((qos,))
        self._send(packet((SUBSCRIBE << 4) | 0x02, body))
        granted = int(await self._wait(fut, "SUBACK"))  # type: ignore[call-overload]
        if granted == 0x80:
            raise MqttError(f"subscription to {topic} refused")
        return granted

    async def ping(self) -> None:
        if not self._connected:
            raise MqttError("not connected")
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pings.append(fut)
        self._send(bytes((PINGREQ << 4, 0)))
        await self._wait(fut, "PINGRESP")

    def disconnect(self) -> None:
        """Orderly end: DISCONNECT (the broker discards the Will), then close."""
        proto = self._proto
        if proto is not None and proto.transport is not None and self._connected:
            try:
                self._send(bytes((DISCONNECT << 4, 0)))
            except MqttError:
                pass
        self._close(proto, abort=False)

    def abort(self) -> None:
        """Drop the TCP connection without DISCONNECT (the broker publishes the Will)."""
        self._close(self._proto, abort=True)

    def _close(self, proto: _Proto | None, abort: bool) -> None:
        if proto is None:
            return
        t = proto.transport
        self._lost(proto, None)
        if t is not None:
            if abort:
                t.abort()
            else:
                t.close()
