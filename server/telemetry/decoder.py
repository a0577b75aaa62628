"""Validate device messages against the wire contract (docs/protocol.md, tests/golden/).

Every message is compact JSON with ``"v": 1``. A message that breaks the contract raises
:class:`DecodeError` whose ``reason`` is the contract's reason code (``bad_json``,
``version``, ``missing:<field>``, ``type:<field>``, ``range:<field>``, ``order:seq``) or
one of the server's own: ``too_large``, ``future:t`` (a timestamp past the server's clock),
``topic``. Valid messages become frozen slotted dataclasses.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DecodeError", "Reading", "Telemetry", "Status", "Ack", "Message", "decode", "parse_topic",
    "decode_telemetry", "decode_status", "decode_ack", "TOPIC_PREFIX", "KINDS", "MAX_PAYLOAD",
    "MAX_FUTURE_S", "T_MIN", "MAX_BATCH",
]

TOPIC_PREFIX = "nongso/v1/"
#: Device → server topics the ingest worker reads.
KINDS = ("telemetry", "status", "ack")
VERSION = 1
#: Largest payload accepted (docs/protocol.md: at most 4096 bytes).
MAX_PAYLOAD = 4096
#: Readings per batch message (docs/protocol.md: 1-32).
MAX_BATCH = 32
#: 2020-01-01T00:00:00Z: earlier device timestamps are a clock that never synced.
T_MIN = 1577836800
U32 = 4294967295
MAX_ID = 2147483647
#: A timestamp this far past the server's clock is refused (``future:t``).
MAX_FUTURE_S = 900

Scalar = int | float | str | None

# value fields: (kind, lo, hi); kind "int" accepts integral floats, "num" any finite number
_VALUES: dict[str, tuple[str, float, float]] = {
    "m": ("num", 0.0, 100.0), "vwc": ("num", 0.0, 100.0), "raw": ("int", 0, 65535),
    "st": ("num", -60.0, 100.0), "bat": ("int", 0, 20000), "vs": ("int", 0, 1),
    "fl": ("num", 0.0, 1e9), "pc": ("int", 0, 2**63 - 1), "cmd": ("int", 1, MAX_ID),
    # weather node (issue 18): air temperature and humidity (SHT3x/DHT22), rain since the
    # last reading and the gauge's tip counter, global solar radiation
    "at": ("num", -40.0, 125.0), "rh": ("num", 0.0, 100.0), "rn": ("num", 0.0, 1000.0),
    "tips": ("int", 0, 4294967295), "sr": ("num", 0.0, 2000.0),
}
_STRINGS = frozenset({"ev", "why"})
_RECORD_KEYS = frozenset({"seq", "t", "bt", "up", "err"})
_ENVELOPE = frozenset({"v", "drop", "batch"})
_STATES = ("online", "sleep", "offline")
_ROLES = ("sensor", "valve", "weather")
_ACK_RES = ("accepted", "rejected", "done")
_CFG_RES = ("applied", "rejected")


class DecodeError(ValueError):
    """A message broke the contract; ``reason`` is the wire reason code."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason if not detail else f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Reading:
    seq: int
    #: UTC seconds, or None when the device did not know the time (then ``bt``/``up`` are set).
    t: int | None
    bt: int | None
    up: int | None
    values: Mapping[str, Scalar]
    err: Mapping[str, str]

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "t": self.t, "bt": self.bt, "up": self.up,
                "values": dict(self.values), "err": dict(self.err)}


@dataclass(frozen=True, slots=True)
class Telemetry:
    readings: tuple[Reading, ...]
    #: The device's count of readings its buffer had to drop (cumulative).
    drop: int

    def as_dict(self) -> dict[str, Any]:
        return {"drop": self.drop, "readings": [r.as_dict() for r in self.readings]}


@dataclass(frozen=True, slots=True)
class Status:
    state: str
    role: str | None = None
    fw: str | None = None
    bt: int | None = None
    cfg: int | None = None
    rssi: int | None = None
    vs: int | None = None
    lease: int | None = None
    seq: int | None = None
    pend: int | None = None
    drop: int | None = None
    next_s: int | None = None
    #: Keys the message carried (``lease: null`` differs from no lease field).
    present: frozenset[str] = frozenset()

    def as_dict(self) -> dict[str, Any]:
        return {"state": self.state} | {k: getattr(self, k) for k in sorted(self.present)}


@dataclass(frozen=True, slots=True)
class Ack:
    res: str
    #: Command id (None: the command was unreadable); absent for a config ack.
    id: int | None = None
    #: Config revision for a config ack (``cfg`` key), else None.
    cfg: int | None = None
    is_cfg: bool = False
    fields: Mapping[str, Scalar] = None  # type: ignore[assignment]

    def as_dict(self) -> dict[str, Any]:
        head: dict[str, Any] = {"cfg": self.cfg} if self.is_cfg else {"id": self.id}
        return head | {"res": self.res} | dict(self.fields or {})


Message = Telemetry | Status | Ack


# ---- field helpers (same rules as firmware/app/codec.py) -------------------------------

def _int(d: Mapping[str, Any], key: str, lo: int, hi: int, required: bool = True) -> int | None:
    x = d.get(key)
    if x is None:
        if required:
            raise DecodeError("missing:" + key)
        return None
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise DecodeError("type:" + key)
    if isinstance(x, float):
        if not math.isfinite(x) or x != int(x):
            raise DecodeError("type:" + key)
        x = int(x)
    if x < lo or x > hi:
        raise DecodeError("range:" + key, f"{x} not in [{lo}, {hi}]")
    return x


def _num(d: Mapping[str, Any], key: str, lo: float, hi: float) -> float | int | None:
    x = d.get(key)
    if x is None:
        return None
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise DecodeError("type:" + key)
    if x != x or x < lo or x > hi:
        raise DecodeError("range:" + key, f"{x} not in [{lo}, {hi}]")
    return x


def _str(d: Mapping[str, Any], key: str, required: bool = False, max_len: int = 64) -> str | None:
    x = d.get(key)
    if x is None:
        if required:
            raise DecodeError("missing:" + key)
        return None
    if not isinstance(x, str):
        raise DecodeError("type:" + key)
    if len(x) > max_len:
        raise DecodeError("range:" + key, f"longer than {max_len}")
    return x


def _load(payload: bytes) -> dict[str, Any]:
    if len(payload) > MAX_PAYLOAD:
        raise DecodeError("too_large", f"{len(payload)} bytes > {MAX_PAYLOAD}")
    try:
        d = json.loads(payload)
    except (ValueError, UnicodeError):
        raise DecodeError("bad_json") from None
    if not isinstance(d, dict):
        raise DecodeError("bad_json", "not an object")
    v = d.get("v")
    if v is None:
        raise DecodeError("missing:v")
    if isinstance(v, bool) or not isinstance(v, int):
        raise DecodeError("type:v")
    if v != VERSION:
        raise DecodeError("version", f"v={v}")
    return d


# ---- telemetry ----------------------------------------------------------------------

def _record(r: Any, skip: frozenset[str], now: float | None) -> Reading:
    if not isinstance(r, dict):
        raise DecodeError("type:batch", "batch item is not an object")
    seq = _int(r, "seq", 1, U32)
    if "t" not in r:
        raise DecodeError("missing:t")
    bt = up = None
    t = r["t"]
    if t is None:
        bt = _int(r, "bt", 1, 65535)
        up = _int(r, "up", 0, U32)
    else:
        t = _int(r, "t", T_MIN, U32)
        if now is not None and t > now + MAX_FUTURE_S:  # type: ignore[operator]
            raise DecodeError("future:t", f"t={t} is {t - int(now)} s ahead of the server")  # type: ignore[operator]
    values: dict[str, Scalar] = {}
    for key, x in r.items():
        if key in _RECORD_KEYS or key in skip:
            continue
        spec = _VALUES.get(key)
        if spec is not None:
            values[key] = (_int(r, key, int(spec[1]), int(spec[2]), False) if spec[0] == "int"
                           else _num(r, key, spec[1], spec[2]))
        elif key in _STRINGS:
            values[key] = _str(r, key)
        elif x is None or isinstance(x, int | float) and not isinstance(x, bool):
            if isinstance(x, float) and not math.isfinite(x):
                raise DecodeError("range:" + key)
            values[key] = x  # a measurement this server does not know yet: kept as sent
        else:
            raise DecodeError("type:" + key)
    err = r.get("err")
    if err is None:
        err = {}
    elif not isinstance(err, dict) or not all(
            isinstance(v, str) and len(v) <= 32 for v in err.values()):
        raise DecodeError("type:err")
    return Reading(seq, t, bt, up, values, dict(err))  # type: ignore[arg-type]


def decode_telemetry(payload: bytes, now: float | None = None) -> Telemetry:
    """A telemetry message: one reading, or ``batch`` (oldest first, seq increasing)."""
    d = _load(payload)
    if "batch" in d:
        items = d["batch"]
        if not isinstance(items, list):
            raise DecodeError("type:batch")
        if not items or len(items) > MAX_BATCH:
            raise DecodeError("range:batch", f"{len(items)} readings")
        # an item is the single form without ``v``/``drop``: envelope keys inside an item
        # are ignored, never stored as measurements (docs/protocol.md, "Batch form")
        readings = tuple(_record(r, _ENVELOPE, now) for r in items)
        for a, b in zip(readings, readings[1:]):
            if b.seq <= a.seq:
                raise DecodeError("order:seq", f"{b.seq} after {a.seq}")
    else:
        readings = (_record(d, _ENVELOPE, now),)
    drop = _int(d, "drop", 0, U32)
    assert drop is not None
    return Telemetry(readings, drop)


# ---- status --------------------------------------------------------------------------

def decode_status(payload: bytes) -> Status:
    d = _load(payload)
    state = _str(d, "state", required=True)
    if state not in _STATES:
        raise DecodeError("range:state", f"{state!r}")
    role = _str(d, "role")
    if role is not None and role not in _ROLES:
        raise DecodeError("range:role", f"{role!r}")
    ints = {"bt": (0, 65535), "cfg": (0, MAX_ID), "rssi": (-150, 0), "vs": (0, 1),
            "lease": (1, MAX_ID), "seq": (0, U32), "pend": (0, U32), "drop": (0, U32),
            "next_s": (0, 7 * 86400)}
    got: dict[str, Any] = {k: _int(d, k, lo, hi, False) for k, (lo, hi) in ints.items()}
    fw = _str(d, "fw", max_len=40)
    present = frozenset(k for k in (*ints, "role", "fw") if k in d)
    return Status(state=state, role=role, fw=fw, present=present, **got)


# ---- ack -----------------------------------------------------------------------------

def decode_ack(payload: bytes) -> Ack:
    """A command ack (``id``) or a config ack (``cfg``)."""
    d = _load(payload)
    is_cfg = "id" not in d and "cfg" in d
    if not is_cfg and "id" not in d:
        raise DecodeError("missing:id")
    ident = _int(d, "cfg" if is_cfg else "id", 0 if is_cfg else 1, MAX_ID, False)
    res = _str(d, "res", required=True) or ""
    if res not in (_CFG_RES if is_cfg else _ACK_RES):
        raise DecodeError("range:res", f"{res!r}")
    fields: dict[str, Scalar] = {}
    if res == "rejected":
        fields["reason"] = _str(d, "reason", required=True)
    elif res == "accepted":
        if "dur_s" in d:
            fields["dur_s"] = _int(d, "dur_s", 0, 86400)
        if "clip" in d:
            fields["clip"] = _str(d, "clip")
    elif res == "done":
        fields["why"] = _str(d, "why", required=True)
        fields["run_s"] = _int(d, "run_s", 0, 7 * 86400)
        litres = _num(d, "l", 0.0, 1e9)
        if litres is None:
            raise DecodeError("missing:l")
        fields["l"] = litres
    if is_cfg:
        return Ack(res=res, cfg=ident, is_cfg=True, fields=fields)
    return Ack(res=res, id=ident, fields=fields)


# ---- dispatch ------------------------------------------------------------------------

def parse_topic(topic: str) -> tuple[str, str]:
    """``nongso/v1/<device>/<kind>`` → (device uid, kind); DecodeError('topic') otherwise."""
    if not topic.startswith(TOPIC_PREFIX):
        raise DecodeError("topic", topic[:100])
    parts = topic[len(TOPIC_PREFIX):].split("/")
    if len(parts) != 2 or not parts[0] or parts[1] not in KINDS:
        raise DecodeError("topic", topic[:100])
    return parts[0], parts[1]


def decode(kind: str, payload: bytes, now: float | None = None) -> Message:
    """Decode a message of ``kind`` (telemetry, status, ack)."""
    if len(payload) > MAX_PAYLOAD:
        raise DecodeError("too_large", f"{len(payload)} bytes > {MAX_PAYLOAD}")
    if kind == "telemetry":
        return decode_telemetry(payload, now)
    if kind == "status":
        return decode_status(payload)
    if kind == "ack":
        return decode_ack(payload)
    raise DecodeError("topic", kind)
