"""Fault injection: schedules from files, and what each fault does to the nodes' telemetry."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from simulators.faults import FaultError, load_faults, parse_duration
from simulators.fleet import DeviceSpec, Fleet
from tests.simulators.conftest import Recorder, no_gap
from tests.support.services import Mosquitto


def test_schedule_files_json_and_toml(tmp_path: Path) -> None:
    j = tmp_path / "f.json"
    j.write_text(json.dumps({"faults": [
        {"kind": "valve_leak", "target": "zone:2", "at": "1h", "fraction": 0.3},
        {"kind": "wifi_outage", "target": "farm:1", "at": 90, "duration": "10m"}]}))
    fs = load_faults(j)
    assert [f.kind for f in fs] == ["wifi_outage", "valve_leak"]
    assert fs[0].at_s == 90 and fs[0].duration_s == 600 and fs[1].params == {"fraction": 0.3}
    t = tmp_path / "f.toml"
    t.write_text('[[fault]]\nkind = "broker_restart"\nat = "2m"\nduration = "30s"\n')
    assert load_faults(t)[0].duration_s == 30
    for bad in ('[[fault]]\nkind = "meteor"\n', '[[fault]]\nkind = "wifi_outage"\nat = "soon"\n',
                '[[fault]]\nkind = "wifi_outage"\ntarget = "Farm 1"\n', "x = ["):
        t.write_text(bad)
        with pytest.raises(FaultError):
            load_faults(t)
    assert parse_duration("1.5h") == 5400


def test_sensor_and_valve_faults_show_in_telemetry(mosquitto: Mosquitto, recorder: Recorder) -> None:
    devs = [DeviceSpec("s-probe", 1, "sensor", "carrot", 1), DeviceSpec("s-clock", 1, "sensor", "carrot", 1),
            DeviceSpec("s-bat", 1, "sensor", "carrot", 1), DeviceSpec("v-leak", 1, "valve", "carrot", 1)]
    fleet = Fleet(devs, mosquitto.url, speed=150, seed=5, interval_s=60, upload_every=1, spread_s=3)

    async def scenario() -> None:
        await fleet.start()
        await fleet.run_for(90)
        fleet.inject("probe_disconnected", "s-probe", duration_s=240)
        fleet.inject("thermometer_disconnected", "s-probe", duration_s=240)
        skew = fleet.inject("clock_skew", "s-clock")  # loses its time; NTP fails until cleared
        fleet.inject("battery_flat", "s-bat", duration_s=300)
        fleet.inject("valve_leak", "v-leak", fraction=0.2)
        await fleet.run_for(90 + 300)
        fleet.clear(skew)
        await fleet.run_for(90 + 300 + 240)
        await fleet.stop()

    asyncio.run(scenario())
    time.sleep(0.3)
    r = recorder.readings
    bad = [x for x in r["s-probe"] if x.get("err", {}).get("m") == "range"]
    assert bad and all(x["m"] is None and x["raw"] > 60000 and x["st"] is None for x in bad)
    assert r["s-probe"][-1].get("err") is None and r["s-probe"][-1]["m"] is not None  # recovered
    untimed = [x for x in r["s-clock"] if x["t"] is None]
    assert untimed and all(x["bt"] >= 1 and x["up"] >= 0 for x in untimed)
    assert r["s-clock"][-1]["t"] is not None
    bat = r["s-bat"]
    assert any(x["bat"] < 3100 for x in bat)  # it reported the flat cell before dying
    boots = {s.get("bt") for s in recorder.status["s-bat"] if "bt" in s}
    assert boots == {1, 2}  # a fresh power-on after the cell was replaced
    assert no_gap(recorder.unique("s-bat"))  # the flash buffer survived the power cut
    leak = [x for x in r["v-leak"] if x.get("vs") == 0 and "fl" in x]
    assert leak[-1]["fl"] > leak[0]["fl"] > 0 or leak[-1]["pc"] > 0  # water flows while closed


def test_simulate_command(mosquitto: Mosquitto, recorder: Recorder, tmp_path: Path,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    from server.cli import app

    monkeypatch.setenv("NONGSO_DATABASE_URL", f"sqlite:///{tmp_path / 'none.db'}")
    faults = tmp_path / "faults.toml"
    faults.write_text('[[fault]]\nkind = "duplicate_sends"\n')
    res = CliRunner().invoke(app, ["simulate", "--devices", "10", "--speed", "300", "--synthetic",
                                   "--duration", "900", "--mqtt-url", mosquitto.url,
                                   "--faults", str(faults)])
    assert res.exit_code == 0, res.output
    time.sleep(0.3)
    assert len(recorder.readings) == 10
    raw = [s for u in recorder.seqs for s in recorder.seqs[u]]
    assert len(raw) > len(set(raw))  # the schedule's duplicate sends happened
    res = CliRunner().invoke(app, ["simulate", "--synthetic", "--mqtt-url", mosquitto.url,
                                   "--faults", str(tmp_path / "missing.toml")])
    assert res.exit_code == 2
