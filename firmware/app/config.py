"""Device configuration: defaults, validation of the retained config message."""
from .codec import get_int, get_num, load
from .errors import ProtoError

# every field of the wire config with its default (docs/protocol.md, "config")
DEFAULTS = {
    "rev": 0,
    "interval_s": 900,  # reading interval (sensor node: deep-sleep period)
    "upload_every": 1,  # sensor node: connect every N readings
    "samples": 7,  # ADC samples per reading (median)
    "dry": 52000,  # raw count in dry air
    "wet": 21000,  # raw count in water
    "vwc_a": None,  # optional per-soil fit: vwc% = a * pct + b
    "vwc_b": None,
    "thr_on": 35.0,  # local fallback: start watering below this moisture %
    "thr_off": 55.0,  # ... stop at or above this
    "grace_s": 300,  # close the valve after the broker was unreachable this long
    "max_run_s": 3600,  # hard limit of one continuous run
    "rest_s": 600,  # after a max-run stop, refuse to open for this long
    "fallback_s": 21600,  # no command for this long -> local rule (0 = never)
    "ppl": 450.0,  # flow-meter pulses per litre
}


def _sub(d: dict, key: str) -> dict:
    x = d.get(key)
    if x is None:
        return {}
    if not isinstance(x, dict):
        raise ProtoError("type:" + key)
    return x


def parse(payload: bytes) -> dict:
    """Validate a config message and return a full config; ProtoError on any bad field.

    Missing fields take the firmware defaults (not the previous values), so a
    config is always complete and the same message always gives the same result.
    """
    d = load(payload)
    c = {}  # type: dict
    c["rev"] = get_int(d, "rev", 0, 2147483647)
    try:
        c["interval_s"] = get_int(d, "interval_s", 10, 86400, DEFAULTS["interval_s"])
        c["upload_every"] = get_int(d, "upload_every", 1, 96, DEFAULTS["upload_every"])
        c["samples"] = get_int(d, "samples", 1, 15, DEFAULTS["samples"])
        cal = _sub(d, "cal")
        if cal:
            c["dry"] = get_int(cal, "dry", 1, 65534)
            c["wet"] = get_int(cal, "wet", 1, 65534)
            if c["dry"] - c["wet"] < 100:
                raise ProtoError("range:cal")
        else:
            c["dry"] = DEFAULTS["dry"]
            c["wet"] = DEFAULTS["wet"]
        vwc = _sub(d, "vwc")
        if vwc:
            c["vwc_a"] = get_num(vwc, "a", -10.0, 10.0)
            c["vwc_b"] = get_num(vwc, "b", -100.0, 100.0)
        else:
            c["vwc_a"] = None
            c["vwc_b"] = None
        thr = _sub(d, "thr")
        if thr:
            c["thr_on"] = get_num(thr, "on", 0.0, 100.0)
            c["thr_off"] = get_num(thr, "off", 0.0, 100.0)
            if c["thr_on"] >= c["thr_off"]:
                raise ProtoError("range:thr")
        else:
            c["thr_on"] = DEFAULTS["thr_on"]
            c["thr_off"] = DEFAULTS["thr_off"]
        c["grace_s"] = get_int(d, "grace_s", 10, 86400, DEFAULTS["grace_s"])
        c["max_run_s"] = get_int(d, "max_run_s", 60, 86400, DEFAULTS["max_run_s"])
        c["rest_s"] = get_int(d, "rest_s", 0, 86400, DEFAULTS["rest_s"])
        fb = get_int(d, "fallback_s", 0, 604800, DEFAULTS["fallback_s"])
        if 0 < fb < 600:
            raise ProtoError("range:fallback_s")
        c["fallback_s"] = fb
        c["ppl"] = get_num(d, "ppl", 1.0, 10000.0, DEFAULTS["ppl"])
    except ProtoError as e:
        raise ProtoError(e.reason, c["rev"]) from None
    return c


def defaults() -> dict:
    return dict(DEFAULTS)


def valid_stored(c: object) -> bool:
    """A config read back from flash has every key."""
    if not isinstance(c, dict):
        return False
    for k in DEFAULTS:
        if k not in c:
            return False
    return True


__all__ = ["DEFAULTS", "parse", "defaults", "valid_stored"]
