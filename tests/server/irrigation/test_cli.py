"""``nongso controller`` / ``nongso irrigation`` commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from server.cli import app
from server.models import DeviceRole
from tests.server.irrigation.conftest import Irr


def test_controller_needs_a_broker_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NONGSO_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.delenv("NONGSO_MQTT_URL", raising=False)
    r = CliRunner().invoke(app, ["controller"])
    assert r.exit_code == 2 and "NONGSO_MQTT_URL" in r.output


def test_water_and_stop_queue_commands(irr: Irr, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NONGSO_DATABASE_URL", str(irr.engine.url))
    zone = irr.ids["zones"]["carrot"]
    r = CliRunner().invoke(app, ["irrigation", "water", "--zone", str(zone), "--minutes", "7"])
    assert r.exit_code == 2 and "chưa lắp van" in r.output
    irr.add("c-v1", role=DeviceRole.valve)
    r = CliRunner().invoke(app, ["irrigation", "water", "--zone", str(zone), "--minutes", "7"])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(app, ["irrigation", "stop", "--zone", str(zone)])
    assert r.exit_code == 0 and "command 2" in r.output
    assert irr.rows("select op, dur_s, trigger from irrigation_commands order by id") == [
        ("open", 420, "manual"), ("close", None, "manual")]
