"""docs/protocol.md is the contract: its tables are checked against the server decoder, the
firmware's parsers and tests/golden/, so the three cannot drift apart.

Each field table row says whether the key is required, its type and its range; for every
row this test removes the key from a golden example, puts values just outside and at the
edges of the range and a value of the wrong type, and checks what the code says.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from firmware.app import codec as fw_codec
from firmware.app import config as fw_config
from firmware.app.errors import ProtoError
from server.telemetry import credentials, decoder
from server.telemetry.decoder import DecodeError

REPO = Path(__file__).resolve().parents[2]
DOC = (REPO / "docs" / "protocol.md").read_text(encoding="utf-8")
GOLDEN = REPO / "tests" / "golden"
RANGE = re.compile(r"^(-?\d+(?:\.\d+)?)–(-?\d+(?:\.\d+)?)$")


def table(marker: str) -> list[dict[str, str]]:
    """The markdown table right after ``<!-- marker -->`` as a list of {column: cell}."""
    at = DOC.index(f"<!-- {marker} -->")
    lines = []
    for line in DOC[at:].splitlines()[1:]:
        if not line.startswith("|"):
            break
        lines.append(line)
    def cells(line: str) -> list[str]:
        return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]]
    head = cells(lines[0])
    return [dict(zip(head, cells(line), strict=True)) for line in lines[2:]]


def key(cell: str) -> str:
    return cell.strip("`")


def golden(kind: str) -> dict[str, Any]:
    return json.loads((GOLDEN / f"{kind}.json").read_text(encoding="utf-8"))


def _server(kind: str) -> Callable[[bytes], object]:
    return lambda p: decoder.decode(kind, p)


def _fw_config(p: bytes) -> object:
    return fw_config.parse(p)


PARSERS: dict[str, Callable[[bytes], object]] = {
    "telemetry": _server("telemetry"), "status": _server("status"), "ack": _server("ack"),
    "config": _fw_config, "cmd": fw_codec.parse_cmd,
}
TABLES = {"telemetry-keys": "telemetry", "status-keys": "status", "ack-keys": "ack",
          "config-keys": "config", "cmd-keys": "cmd"}


def reason_of(kind: str, payload: dict[str, Any]) -> str | None:
    """None when ``payload`` is accepted, else the rejection reason."""
    try:
        PARSERS[kind](json.dumps(payload, separators=(",", ":")).encode())
    except (DecodeError, ProtoError) as e:
        return e.reason
    return None


def base_example(kind: str, k: str) -> dict[str, Any]:
    """The first valid golden example of ``kind`` carrying ``k`` (a non-null value first)."""
    docs = [json.loads(c["payload"]) for c in golden(kind)["valid"]]
    for d in docs:
        if d.get(k) is not None:
            return d
    for d in docs:
        if k in d:
            return d
    raise AssertionError(f"no valid golden {kind} example has {k!r}: add one")


def rows() -> list[Any]:
    out = []
    for marker, kind in TABLES.items():
        for row in table(marker):
            out.append(pytest.param(kind, row, id=f"{kind}.{key(row['key'])}"))
    return out


@pytest.mark.parametrize(("kind", "row"), rows())
def test_requiredness_in_the_doc_is_what_the_code_does(kind: str, row: dict[str, str]) -> None:
    k = key(row["key"])
    req = row["req"]
    d = base_example(kind, k)
    del d[k]
    got = reason_of(kind, d)
    if req == "yes":
        assert got == f"missing:{k}", f"doc says {k} is required; without it: {got}"
    elif req == "no":
        assert got is None, f"doc says {k} is optional; without it: {got}"
    elif req.startswith("one of"):
        first = key(req.split()[2].split("/")[0])
        assert got == f"missing:{first}", got
    else:
        assert req.startswith("if "), f"unknown req {req!r}"
        assert got == f"missing:{k}", f"doc says {k} is required {req}; without it: {got}"


@pytest.mark.parametrize(("kind", "row"), rows())
def test_ranges_and_types_in_the_doc_are_what_the_code_does(kind: str,
                                                            row: dict[str, str]) -> None:
    k = key(row["key"])
    m = RANGE.match(row["range"])
    if k == "v" or m is None:
        return
    lo_s, hi_s = m.groups()
    is_int = row["type"].startswith("int")
    lo: float = int(lo_s) if is_int else float(lo_s)
    hi: float = int(hi_s) if is_int else float(hi_s)
    d = base_example(kind, k)
    for inside in (lo, hi):
        assert reason_of(kind, {**d, k: inside}) is None, (k, inside)
    for outside in (lo - 1, hi + 1):
        assert reason_of(kind, {**d, k: outside}) == f"range:{k}", (k, outside)
    assert reason_of(kind, {**d, k: "x"}) == f"type:{k}"
    if is_int:
        assert reason_of(kind, {**d, k: lo + 0.5}) == f"type:{k}"


def test_every_key_the_decoder_knows_is_documented() -> None:
    measured = {key(r["key"]) for r in table("measurements")}
    assert measured == set(decoder._VALUES) | set(decoder._STRINGS)
    for r in table("measurements"):
        spec = decoder._VALUES.get(key(r["key"]))
        if spec is not None:
            lo, hi = RANGE.match(r["range"]).groups()  # type: ignore[union-attr]
            cast = int if spec[0] == "int" else float
            assert (cast(lo), cast(hi)) == (spec[1], spec[2]), r
            assert r["type"] == spec[0], r
    reserved = {key(r["key"]) for r in table("telemetry-keys")}
    assert reserved == decoder._RECORD_KEYS | {"v", "drop"}
    status = {key(r["key"]) for r in table("status-keys")} - {"v"}
    assert status == {"state", *decoder.Status.__dataclass_fields__} - {"present"}
    config = {key(r["key"]) for r in table("config-keys")} - {"v"}
    grouped = {"dry": "cal", "wet": "cal", "vwc_a": "vwc", "vwc_b": "vwc", "thr_on": "thr",
               "thr_off": "thr"}
    assert config == {grouped.get(k, k) for k in fw_config.DEFAULTS}


def test_measurement_ranges_accept_and_refuse_as_documented() -> None:
    base = {"v": 1, "seq": 1, "t": 1760000000, "drop": 0}
    for r in table("measurements"):
        k = key(r["key"])
        m = RANGE.match(r["range"])
        if m is None:
            assert reason_of("telemetry", {**base, k: 3}) == f"type:{k}"
            assert reason_of("telemetry", {**base, k: "x" * 65}) == f"range:{k}"
            continue
        lo, hi = (int(x) if r["type"] == "int" else float(x) for x in m.groups())
        assert reason_of("telemetry", {**base, k: lo}) is None
        assert reason_of("telemetry", {**base, k: hi}) is None
        assert reason_of("telemetry", {**base, k: hi + 1}) == f"range:{k}"
        assert reason_of("telemetry", {**base, k: "x"}) == f"type:{k}"


def test_limits_table_matches_the_decoder() -> None:
    got = {r["limit"]: int(r["value"]) for r in table("limits")}
    assert got == {"payload size": decoder.MAX_PAYLOAD, "readings per batch": decoder.MAX_BATCH,
                   "earliest `t`": decoder.T_MIN, "`t` ahead of the server's clock":
                   decoder.MAX_FUTURE_S,
                   "dead-letter copy of a payload": __import__(
                       "server.telemetry.dispatch", fromlist=["x"]).DEAD_PAYLOAD_CAP}


def test_device_id_rule_is_the_servers() -> None:
    rule = {r["rule"]: r["value"] for r in table("device-id")}
    assert key(rule["regex"]) == credentials.UID_RE.pattern
    assert key(rule["reserved prefix"].split()[0]) == credentials.RESERVED_PREFIX
    lo, hi = (int(x) for x in rule["length"].split("–"))
    assert credentials.UID_RE.fullmatch("a" * lo) and not credentials.UID_RE.fullmatch("a" * (lo - 1))
    assert credentials.UID_RE.fullmatch("a" * hi) and not credentials.UID_RE.fullmatch("a" * (hi + 1))


FAMILIES = ("missing", "type", "range")


def _code_reasons() -> set[str]:
    """Every reason the server and the firmware can emit, read from their source
    (``range:cal`` and ``"range:" + key`` both count as the family ``range:<key>``)."""
    found: set[str] = set()
    for p in ("server/telemetry/decoder.py", "server/telemetry/dispatch.py",
              "firmware/app/codec.py", "firmware/app/config.py", "firmware/app/lease.py"):
        text = (REPO / p).read_text(encoding="utf-8")
        found |= set(re.findall(r'(?:DecodeError|ProtoError)\("([a-z_]+(?::[a-z_]*)?)"', text))
        found |= set(re.findall(r'"reason":"([a-z_]+)"', text))
    writer = (REPO / "server/telemetry/writer.py").read_text(encoding="utf-8")
    if 'f"store_error:{type(exc).__name__}"' in writer:
        found.add("store_error:<ExceptionClass>")
    return {r.split(":")[0] + ":<key>" if r.split(":")[0] in FAMILIES else r for r in found}


def test_every_rejection_reason_is_documented_and_every_documented_one_exists() -> None:
    documented = {key(r["reason"]) for r in table("reasons")}
    assert _code_reasons() == documented
    for kind in TABLES.values():
        for case in golden(kind)["invalid"]:
            reason = case["reason"]
            assert reason in documented or reason.split(":")[0] in FAMILIES, reason


def test_a_drop_inside_a_batch_item_is_not_a_measurement() -> None:
    got = decoder.decode("telemetry", b'{"v":1,"batch":[{"seq":1,"t":1760000000,"m":40,'
                                      b'"drop":3,"v":1}],"drop":5}')
    assert got.drop == 5  # type: ignore[union-attr]
    assert dict(got.readings[0].values) == {"m": 40}  # type: ignore[union-attr]


def test_json_examples_in_the_doc_are_valid() -> None:
    """Every ```json block that is a device message decodes (or parses on the device)."""
    blocks = re.findall(r"```json\n(.*?)```", DOC, re.S)
    assert len(blocks) >= 6
    for block in blocks:
        for line in block.strip().splitlines():
            d = json.loads(line)
            if "rev" in d and "res" not in d:
                assert reason_of("config", d) is None, line
            elif "op" in d:
                assert reason_of("cmd", d) is None, line
            elif "res" in d:
                assert reason_of("ack", d) is None, line
            elif "state" in d:
                assert reason_of("status", d) is None, line
            elif "readings" not in d:
                assert reason_of("telemetry", d) is None, line
