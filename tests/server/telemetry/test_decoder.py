"""The server decoder against every golden example of the firmware's contract."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from server.telemetry.decoder import MAX_FUTURE_S, DecodeError, decode, decode_telemetry, parse_topic

GOLDEN = Path(__file__).resolve().parents[2] / "golden"
DEVICE_TO_SERVER = ("telemetry", "status", "ack")


def _cases(valid: bool) -> list[Any]:
    out = []
    for kind in DEVICE_TO_SERVER:
        doc = json.loads((GOLDEN / f"{kind}.json").read_text(encoding="utf-8"))
        assert doc["direction"] == "device->server"
        assert doc["topic"] == f"nongso/v1/{{device_id}}/{kind}"
        for case in doc["valid" if valid else "invalid"]:
            out.append(pytest.param(kind, case, id=f"{kind}: {case['name']}"))
    return out


@pytest.mark.parametrize(("kind", "case"), _cases(True))
def test_valid_golden_decodes_to_the_expected_values(kind: str, case: dict[str, Any]) -> None:
    msg = decode(kind, case["payload"].encode())
    assert msg.as_dict() == case["decoded"]


@pytest.mark.parametrize(("kind", "case"), _cases(False))
def test_invalid_golden_is_rejected_with_the_expected_reason(kind: str, case: dict[str, Any]) -> None:
    with pytest.raises(DecodeError) as exc:
        decode(kind, case["payload"].encode())
    assert exc.value.reason == case["reason"]


def test_every_golden_kind_the_server_reads_is_covered() -> None:
    kinds = {json.loads(p.read_text())["kind"] for p in GOLDEN.glob("*.json")
             if json.loads(p.read_text())["direction"] == "device->server"}
    assert kinds == set(DEVICE_TO_SERVER)


def test_server_only_checks() -> None:
    now = 1_760_000_000
    ok = b'{"v":1,"seq":1,"t":%d,"m":40,"drop":0}' % (now + MAX_FUTURE_S)
    assert decode_telemetry(ok, now).readings[0].t == now + MAX_FUTURE_S
    year_ahead = b'{"v":1,"seq":1,"t":%d,"m":40,"drop":0}' % (now + 365 * 86400)
    with pytest.raises(DecodeError, match="future:t"):
        decode_telemetry(year_ahead, now)
    with pytest.raises(DecodeError, match="too_large"):
        decode("telemetry", b'{"v":1,' + b" " * 4090 + b'"seq":1,"t":1760000000,"drop":0}')
    with pytest.raises(DecodeError, match="type:note"):  # every other key is a measurement
        decode("telemetry", b'{"v":1,"seq":1,"t":1760000000,"note":"hi","drop":0}')
    got = decode_telemetry(b'{"v":1,"seq":1,"t":1760000000,"ec":1.25,"drop":0}')
    assert got.readings[0].values == {"ec": 1.25}
    batch = b'{"v":1,"batch":[%s],"drop":0}' % b",".join(
        b'{"seq":%d,"t":1760000000}' % i for i in range(1, 34))
    with pytest.raises(DecodeError, match="range:batch"):
        decode("telemetry", batch)
    with pytest.raises(DecodeError, match="type:m"):
        decode("telemetry", b'{"v":1,"seq":1,"t":1760000000,"m":true,"drop":0}')
    with pytest.raises(DecodeError, match="range:m"):
        decode("telemetry", b'{"v":1,"seq":1,"t":1760000000,"m":140,"drop":0}')
    with pytest.raises(DecodeError, match="type:x"):
        decode("telemetry", b'{"v":1,"seq":1,"t":1760000000,"x":[1],"drop":0}')
    assert parse_topic("nongso/v1/dev-1/telemetry") == ("dev-1", "telemetry")
    for bad in ("nongso/v1/dev-1/cmd", "nongso/v2/dev-1/telemetry", "nongso/v1/a/b/telemetry"):
        with pytest.raises(DecodeError, match="topic"):
            parse_topic(bad)
