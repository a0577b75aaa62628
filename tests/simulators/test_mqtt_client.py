"""The asyncio MQTT 3.1.1 client against a real Mosquitto."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest

from simulators.mqtt import MqttClient, MqttError, Will, encode_length, parse_url
from tests.support.services import Mosquitto


def test_remaining_length_encoding_matches_the_spec_table() -> None:
    # MQTT 3.1.1 table 2.4: boundaries of 1..4 byte encodings
    assert encode_length(0) == b"\x00"
    assert encode_length(127) == b"\x7f"
    assert encode_length(128) == b"\x80\x01"
    assert encode_length(16_383) == b"\xff\x7f"
    assert encode_length(16_384) == b"\x80\x80\x01"
    assert encode_length(268_435_455) == b"\xff\xff\xff\x7f"
    with pytest.raises(ValueError):
        encode_length(268_435_456)
    assert parse_url("mqtt://u%40x:p@h:1884") == ("h", 1884, "u@x", "p")
    with pytest.raises(ValueError):
        parse_url("https://h")


def test_publish_subscribe_will_and_dup_retransmit(mosquitto: Mosquitto) -> None:
    async def scenario() -> None:
        sub = MqttClient("watcher", port=mosquitto.port)
        await sub.connect(keepalive=30, clean_session=True)
        assert await sub.subscribe("t/#", 1) == 1
        dev = MqttClient("dev-1", port=mosquitto.port)
        await dev.connect(keepalive=30, will=Will("t/dev-1/status", b"offline"))
        big = bytes(range(256)) * 100  # 25.6 kB: a 3-byte remaining length
        await dev.publish("t/dev-1/telemetry", big, qos=1)
        await dev.publish("t/dev-1/q0", b"zero", qos=0)
        assert not dev.inflight
        # a QoS 1 message the broker never acknowledged (e.g. the link died right after the
        # PUBLISH) is sent again, DUP set, right after the next CONNACK of the same session
        dev.inflight[77] = ("t/dev-1/telemetry", b"again", False)
        dev.disconnect()  # orderly: the Will of this connection is discarded
        await dev.connect(keepalive=30, will=Will("t/dev-1/status", b"offline"))
        assert dev.session_present and dev.retransmitted == 1
        for _ in range(100):
            if not dev.inflight:
                break
            await asyncio.sleep(0.01)
        assert not dev.inflight  # PUBACK arrived for the retransmission
        dev.abort()  # no DISCONNECT: the broker publishes the Will
        for _ in range(200):
            if len(sub.inbox) >= 4:
                break
            await asyncio.sleep(0.01)
        got = list(sub.inbox)
        assert got[0] == ("t/dev-1/telemetry", big)
        assert ("t/dev-1/q0", b"zero") in got
        assert ("t/dev-1/telemetry", b"again") in got
        assert ("t/dev-1/status", b"offline") in got
        await sub.ping()
        with pytest.raises(MqttError):
            await dev.publish("t/x", b"x", qos=1)  # not connected
        sub.disconnect()

    asyncio.run(scenario())


def test_refused_login_and_unreachable_broker_raise_oserror(tmp_path: Path) -> None:
    pw = tmp_path / "passwd"
    subprocess.run(["mosquitto_passwd", "-c", "-b", str(pw), "dev-1", "right"], check=True,
                   capture_output=True)
    pw.chmod(0o644)
    broker = Mosquitto(password_file=pw).start()
    try:
        async def scenario() -> None:
            good = MqttClient("dev-1", port=broker.port, username="dev-1", password="right")
            await good.connect()
            good.disconnect()
            bad = MqttClient("dev-1", port=broker.port, username="dev-1", password="wrong")
            with pytest.raises(OSError, match="refused"):
                await bad.connect()
            broker.stop()
            gone = MqttClient("dev-1", port=broker.port, timeout=2)
            with pytest.raises(OSError):
                await gone.connect()

        asyncio.run(scenario())
    finally:
        broker.cleanup()
