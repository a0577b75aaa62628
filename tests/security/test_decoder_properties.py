"""The telemetry decoder under hypothesis and a random-bytes fuzz: it decodes what the
contract allows, and anything else is a ``DecodeError`` with a reason — never a crash."""

from __future__ import annotations

import json
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from server.telemetry.decoder import (
    KINDS,
    MAX_BATCH,
    MAX_PAYLOAD,
    T_MIN,
    U32,
    DecodeError,
    decode,
    decode_telemetry,
)

NOW = 1_790_000_000

records = st.fixed_dictionaries(
    {"t": st.one_of(st.integers(T_MIN, NOW), st.none())},
    optional={"m": st.floats(0, 100, allow_nan=False), "raw": st.integers(0, 65535),
              "st": st.floats(-60, 100, allow_nan=False), "bat": st.integers(0, 20000),
              "vs": st.integers(0, 1)})


def _finish(r: dict, seq: int) -> dict:
    r = dict(r, seq=seq)
    if r["t"] is None:
        r.update(bt=1, up=12345)
    return r


@given(st.lists(records, min_size=1, max_size=MAX_BATCH), st.integers(1, U32 - MAX_BATCH),
       st.integers(0, U32))
@settings(max_examples=300, deadline=None)
def test_valid_batches_decode_to_what_was_sent(recs: list[dict], first: int, drop: int) -> None:
    sent = [_finish(r, first + i) for i, r in enumerate(recs)]
    msg = decode_telemetry(json.dumps({"v": 1, "batch": sent, "drop": drop}).encode(), NOW)
    assert msg.drop == drop
    assert [r.seq for r in msg.readings] == [r["seq"] for r in sent]
    for got, want in zip(msg.readings, sent):
        assert got.t == want["t"]
        for k in ("m", "raw", "st", "bat", "vs"):
            if k in want:
                assert got.values[k] == want[k]


@given(records, st.integers(1, U32), st.integers(0, U32))
@settings(max_examples=200, deadline=None)
def test_single_reading_roundtrip(rec: dict, seq: int, drop: int) -> None:
    r = _finish(rec, seq)
    msg = decode_telemetry(json.dumps({"v": 1, **r, "drop": drop}).encode(), NOW)
    assert len(msg.readings) == 1 and msg.readings[0].seq == seq


@given(st.lists(records, min_size=2, max_size=8), st.integers(1, 1000))
@settings(max_examples=100, deadline=None)
def test_out_of_order_batches_are_refused(recs: list[dict], first: int) -> None:
    sent = [_finish(r, first + i) for i, r in enumerate(recs)]
    sent[0], sent[-1] = sent[-1], sent[0]
    try:
        decode_telemetry(json.dumps({"v": 1, "batch": sent, "drop": 0}).encode(), NOW)
    except DecodeError as exc:
        assert exc.reason == "order:seq"
    else:
        raise AssertionError("an out-of-order batch was accepted")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats() | st.text(max_size=20),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=5),
    max_leaves=20)


@given(st.sampled_from(KINDS), st.dictionaries(
    st.sampled_from(["v", "seq", "t", "bt", "up", "m", "raw", "drop", "batch", "err", "state",
                     "role", "id", "res", "cfg", "lease", "x"]), json_values, max_size=8))
@settings(max_examples=300, deadline=None)
def test_arbitrary_json_decodes_or_explains(kind: str, body: dict) -> None:
    payload = json.dumps(body, allow_nan=True).encode()
    try:
        decode(kind, payload, NOW)
    except DecodeError as exc:
        assert exc.reason and isinstance(exc.reason, str)


@given(st.sampled_from(KINDS), st.binary(max_size=MAX_PAYLOAD + 10))
@settings(max_examples=300, deadline=None)
def test_random_bytes_never_crash(kind: str, payload: bytes) -> None:
    try:
        decode(kind, payload, NOW)
    except DecodeError as exc:
        assert exc.reason


def test_mutation_fuzz_of_valid_payloads() -> None:
    """10,000 valid payloads with random bytes flipped, inserted or cut."""
    rng = random.Random(10)
    seeds = [b'{"v":1,"seq":7,"t":1780000000,"m":35.2,"raw":40000,"drop":0}',
             b'{"v":1,"batch":[{"seq":1,"t":null,"bt":3,"up":500,"m":40},'
             b'{"seq":2,"t":1780000060,"st":21.5,"err":{"m":"range"}}],"drop":4}',
             b'{"v":1,"state":"online","role":"valve","fw":"1.2.0","bt":3,"lease":null}',
             b'{"v":1,"id":42,"res":"done","fl":12.5,"vs":0}']
    outcomes = {"ok": 0, "error": 0}
    for _ in range(10_000):
        p = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 4)):
            op, i = rng.random(), rng.randrange(len(p))
            if op < 0.4:
                p[i] = rng.randrange(256)
            elif op < 0.7:
                p[i:i] = bytes([rng.choice(b'{}[]",:0123456789.-eE')])
            else:
                del p[i:i + rng.randint(1, 8)]
        kind = rng.choice(KINDS)
        try:
            decode(kind, bytes(p), NOW)
            outcomes["ok"] += 1
        except DecodeError as exc:
            assert exc.reason
            outcomes["error"] += 1
    assert outcomes["ok"] > 0 and outcomes["error"] > 0, outcomes
