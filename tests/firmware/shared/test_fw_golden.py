"""The firmware encoder and decoder against the shared golden payloads in tests/golden."""
import json

try:
    from firmware.app import codec, config
    from firmware.app.errors import ProtoError
except ImportError:
    from app import codec, config
    from app.errors import ProtoError
from fw_support import golden_dir


def _load(kind):
    with open(golden_dir() + "/" + kind + ".json") as f:
        return json.load(f)


def test_telemetry_encoder_matches_golden_bytes():
    g = _load("telemetry")
    assert len(g["valid"]) >= 5
    for ex in g["valid"]:
        fw = ex["fw"]
        recs = [codec.record(s, t, bt, up, frag.encode()) for s, t, bt, up, frag in fw["records"]]
        if fw["form"] == "single":
            out = codec.single(recs[0], fw["drop"])
        else:
            out = codec.batch(recs, fw["drop"])
        assert out == ex["payload"].encode(), (ex["name"], out)
        assert json.loads(out)["v"] == 1


def test_status_and_ack_encoders_match_golden_bytes():
    for ex in _load("status")["valid"]:
        fw = ex["fw"]
        assert codec.status(fw["state"], fw["extra"].encode()) == ex["payload"].encode(), ex["name"]
    for ex in _load("ack")["valid"]:
        fw = ex["fw"]
        if fw["fn"] == "ack":
            out = codec.ack(fw["id"], fw["res"], fw["extra"].encode())
        else:
            out = codec.cfg_ack(fw["rev"], fw["res"], fw["reason"])
        assert out == ex["payload"].encode(), ex["name"]


def test_cmd_decoder_against_golden():
    g = _load("cmd")
    for ex in g["valid"]:
        assert codec.parse_cmd(ex["payload"].encode()) == ex["decoded"], ex["name"]
    for ex in g["invalid"]:
        try:
            codec.parse_cmd(ex["payload"].encode())
        except ProtoError as e:
            assert e.reason == ex["reason"], (ex["name"], e.reason)
            rej = codec.ack(e.cmd_id, "rejected", (f'"reason":"{e.reason}"').encode())
            assert rej == ex["ack"].encode(), (ex["name"], rej)
        else:
            raise AssertionError("accepted: " + ex["name"])


def _wire(c):
    """Firmware config (flat) -> the wire form used in the golden 'decoded'."""
    return {
        "rev": c["rev"], "interval_s": c["interval_s"], "upload_every": c["upload_every"],
        "samples": c["samples"], "cal": {"dry": c["dry"], "wet": c["wet"]},
        "vwc": None if c["vwc_a"] is None else {"a": c["vwc_a"], "b": c["vwc_b"]},
        "thr": {"on": c["thr_on"], "off": c["thr_off"]}, "grace_s": c["grace_s"],
        "max_run_s": c["max_run_s"], "rest_s": c["rest_s"], "fallback_s": c["fallback_s"],
        "ppl": c["ppl"],
    }


def test_config_decoder_against_golden():
    g = _load("config")
    for ex in g["valid"]:
        assert _wire(config.parse(ex["payload"].encode())) == ex["decoded"], ex["name"]
    for ex in g["invalid"]:
        try:
            config.parse(ex["payload"].encode())
        except ProtoError as e:
            assert e.reason == ex["reason"], (ex["name"], e.reason)
            assert codec.cfg_ack(e.cmd_id, "rejected", e.reason) == ex["ack"].encode(), ex["name"]
        else:
            raise AssertionError("accepted: " + ex["name"])
