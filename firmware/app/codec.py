"""Wire encoding and decoding (docs/protocol.md is the contract).

Encoding writes keys in a fixed order (MicroPython dicts are unordered) and
numbers with fixed decimals (the ESP32 has single-precision floats), so the
bytes are identical on the device and under CPython.
"""
import json

from .compat import const
from .errors import ProtoError

VERSION = const(1)
MAX_ID = const(2147483647)
OPS = ("open", "close")


def num(x: float, dp: int) -> str:
    """Fixed-decimal JSON number without trailing zeros: 42.30 -> '42.3', 21.0 -> '21'."""
    s = ("%." + str(dp) + "f") % x
    if dp > 0:
        s = s.rstrip("0").rstrip(".")
    if s == "-0":
        s = "0"
    return s


def _opt(x: object, dp: int) -> str:
    if x is None:
        return "null"
    if dp == 0:
        return str(int(x))  # type: ignore[call-overload]
    return num(x, dp)  # type: ignore[arg-type]


def fields(pairs: list) -> bytes:
    """Measurement fragment from [(key, value, decimals), ...]; None -> null.

    A tuple value of type str is written as a JSON string.  Errors go last as
    ``"err":{...}`` when ``pairs`` holds ("err", {...}, 0).
    """
    out = []
    for k, v, dp in pairs:
        if isinstance(v, str):
            out.append('"%s":"%s"' % (k, v))
        elif isinstance(v, dict):
            if v:
                inner = ",".join('"%s":"%s"' % (ek, v[ek]) for ek in sorted(v))
                out.append('"%s":{%s}' % (k, inner))
        else:
            out.append('"%s":%s' % (k, _opt(v, dp)))
    return ",".join(out).encode()


def record(seq: int, t: int, bt: int, up: int, frag: bytes) -> bytes:
    """One reading without envelope: t=0 means time unknown -> null plus bt/up."""
    if t:
        head = '{"seq":%d,"t":%d' % (seq, t)
    else:
        head = '{"seq":%d,"t":null,"bt":%d,"up":%d' % (seq, bt, up)
    if frag:
        return head.encode() + b"," + frag + b"}"
    return head.encode() + b"}"


def single(rec: bytes, drop: int) -> bytes:
    """A lone reading: the record with ``v`` in front and ``drop`` at the end."""
    return b'{"v":1,' + rec[1:-1] + (',"drop":%d}' % drop).encode()


def batch(recs: list, drop: int) -> bytes:
    return b'{"v":1,"batch":[' + b",".join(recs) + ('],"drop":%d}' % drop).encode()


def status(state: str, extra: bytes = b"") -> bytes:
    if extra:
        return b'{"v":1,"state":"' + state.encode() + b'",' + extra + b"}"
    return b'{"v":1,"state":"' + state.encode() + b'"}'


def ack(cmd_id: object, res: str, extra: bytes = b"") -> bytes:
    head = '{"v":1,"id":%s,"res":"%s"' % ("null" if cmd_id is None else "%d" % cmd_id, res)  # type: ignore[str-format]
    if extra:
        return head.encode() + b"," + extra + b"}"
    return head.encode() + b"}"


def cfg_ack(rev: object, res: str, reason: str = "") -> bytes:
    s = '{"v":1,"cfg":%s,"res":"%s"' % ("null" if rev is None else "%d" % rev, res)  # type: ignore[str-format]
    if reason:
        s += ',"reason":"%s"' % reason
    return (s + "}").encode()


def load(payload: bytes) -> dict:
    """JSON object with the right version, else ProtoError."""
    try:
        d = json.loads(payload)
    except (ValueError, UnicodeError):
        raise ProtoError("bad_json") from None
    if not isinstance(d, dict):
        raise ProtoError("bad_json")
    v = d.get("v")
    if not isinstance(v, int) or isinstance(v, bool):
        raise ProtoError("missing:v" if v is None else "type:v")
    if v != VERSION:
        raise ProtoError("version")
    return d


def get_int(d: dict, key: str, lo: int, hi: int, default: object = None) -> int:
    """Integer field in [lo, hi]; floats with an integral value are accepted."""
    x = d.get(key)
    if x is None:
        if default is None:
            raise ProtoError("missing:" + key)
        return default  # type: ignore[return-value]
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise ProtoError("type:" + key)
    if isinstance(x, float):
        if x != int(x):
            raise ProtoError("type:" + key)
        x = int(x)
    if x < lo or x > hi:
        raise ProtoError("range:" + key)
    return x


def get_num(d: dict, key: str, lo: float, hi: float, default: object = None) -> float:
    x = d.get(key)
    if x is None:
        if default is None:
            raise ProtoError("missing:" + key)
        return default  # type: ignore[return-value]
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise ProtoError("type:" + key)
    if x != x or x < lo or x > hi:
        raise ProtoError("range:" + key)
    return float(x)


def parse_cmd(payload: bytes) -> dict:
    """Validate a valve command -> {"id", "op", "dur_s", "exp"}; ProtoError otherwise.

    The ProtoError carries ``cmd_id`` when the id itself was readable, so the
    rejection can be acknowledged against it.
    """
    d = load(payload)
    cid = get_int(d, "id", 1, MAX_ID)
    try:
        op = d.get("op")
        if op is None:
            raise ProtoError("missing:op")
        if not isinstance(op, str):
            raise ProtoError("type:op")
        if op not in OPS:
            raise ProtoError("unknown_op")
        dur = get_int(d, "dur_s", 1, 86400) if op == "open" else 0
        exp = get_int(d, "exp", 0, 4294967295, 0)
    except ProtoError as e:
        raise ProtoError(e.reason, cid) from None
    return {"id": cid, "op": op, "dur_s": dur, "exp": exp}


__all__ = [
    "VERSION", "num", "fields", "record", "single", "batch", "status", "ack",
    "cfg_ack", "load", "get_int", "get_num", "parse_cmd",
]
