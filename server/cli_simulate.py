"""``nongso simulate``: run a simulated fleet (simulators/) against the broker.

Devices come from the device registry (the ``devices`` table, optionally one farm's);
their broker passwords, which the registry keeps only as hashes, come from
``--credentials`` (JSON ``{"uid": "password"}`` or CSV ``uid,password`` lines, as printed at
provisioning).  When the registry has no devices, synthetic unregistered ones are made
(an anonymous broker, e.g. the demo's, accepts them).
"""

from __future__ import annotations

import asyncio
import csv
import json
import logging
from pathlib import Path
from typing import Any

import typer

__all__ = ["register"]

log = logging.getLogger(__name__)


def _credentials(path: Path | None) -> dict[str, str]:
    if path is None:
        return {}
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        data = json.loads(text)
        if not isinstance(data, dict):
            raise typer.BadParameter("credentials JSON must be an object uid -> password")
        return {str(k): str(v) for k, v in data.items()}
    return {row[0].strip(): row[1].strip() for row in csv.reader(text.splitlines()) if len(row) >= 2}


def _registry(n: int, farm: int | None) -> list[tuple[str, int, str, str, int, float]]:
    """(uid, zone, role, crop, farm, area) of up to ``n`` registered, non-revoked devices."""
    from sqlmodel import Session, select

    from server.db import make_engine
    from server.models import Device, Zone
    from server.settings import load_settings

    engine = make_engine(load_settings().sqlalchemy_url)
    try:
        with Session(engine) as s:
            q = select(Device, Zone).join(Zone, Zone.id == Device.zone_id)  # type: ignore[arg-type]
            if farm is not None:
                q = q.where(Zone.farm_id == farm)
            rows = s.exec(q.order_by(Device.id)).all()  # type: ignore[arg-type]
            out = [(d.uid, int(z.id or 0), d.role.value, z.crop, z.farm_id, z.area_m2)
                   for d, z in rows if d.status.value != "revoked"]
    finally:
        engine.dispose()
    return out[:n]


def _fleet_devices(devices: int, farm: int | None, synthetic: bool, seed: int,
                   credentials: Path | None) -> list[Any]:
    """The registry's devices (with their passwords), or made-up ones when there are none."""
    from simulators.fleet import specs, synthetic_devices

    rows = [] if synthetic else _registry(devices, farm)
    if rows:
        if len(rows) < devices:
            typer.echo(f"note: the registry has {len(rows)} devices; simulating those")
        return list(specs(rows, _credentials(credentials)))
    if not synthetic:
        typer.echo("note: no registered devices; simulating unregistered ones")
    return list(synthetic_devices(devices, seed=seed))


async def _run_fleet(fleet: Any, url: str, speed: float, duration: float) -> None:
    await fleet.start()
    typer.echo(f"simulating {len(fleet.nodes)} nodes at {speed:g}x against {url} (Ctrl-C stops)")
    try:
        if duration:
            await fleet.run_for(duration)
        else:
            while True:
                await asyncio.sleep(60)
                log.info("fleet: %s", fleet.stats.as_dict())
    finally:
        await fleet.stop()
        typer.echo(f"done: {fleet.stats.as_dict()}")


def register(app: typer.Typer) -> None:
    @app.command()
    def simulate(
        devices: int = typer.Option(20, "--devices", min=1, max=100_000, help="Number of nodes."),
        speed: float = typer.Option(1.0, "--speed", min=0.01, max=10_000,
                                    help="Simulated seconds per wall second."),
        farm: int | None = typer.Option(None, "--farm", help="Only this farm's devices."),
        seed: int = typer.Option(1, "--seed", help="Seed for weather, soils and devices."),
        faults: Path | None = typer.Option(None, "--faults", exists=True, dir_okay=False,
                                           help="Fault schedule (JSON or TOML)."),
        mqtt_url: str = typer.Option("", "--mqtt-url", help="Broker (default: settings)."),
        credentials: Path | None = typer.Option(None, "--credentials", exists=True,
                                                dir_okay=False,
                                                help="Device passwords: JSON or CSV uid,password."),
        duration: float = typer.Option(0, "--duration", min=0,
                                       help="Stop after this many simulated seconds (0: Ctrl-C)."),
        synthetic: bool = typer.Option(False, "--synthetic",
                                       help="Ignore the registry; make up devices."),
    ) -> None:
        """Run N virtual nodes (real firmware logic, simulated soil) against the MQTT broker."""
        from server.settings import load_settings
        from simulators.faults import FaultError, load_faults
        from simulators.fleet import Fleet

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        url = mqtt_url or load_settings().mqtt_url
        if not url:
            typer.echo("error: no broker: pass --mqtt-url or set NONGSO_MQTT_URL", err=True)
            raise typer.Exit(2)
        try:
            schedule = load_faults(faults) if faults else []
        except (FaultError, OSError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        fleet_devices = _fleet_devices(devices, farm, synthetic, seed, credentials)
        fleet = Fleet(fleet_devices, url, speed=speed, seed=seed, faults=schedule)
        try:
            asyncio.run(_run_fleet(fleet, url, speed, duration))
        except KeyboardInterrupt:
            pass
