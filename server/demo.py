"""``nongso demo``: migrations, embedded broker, API and the seeded world in one process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy.engine import Engine

from server.app import create_app
from server.broker import EmbeddedBroker
from server.db import make_engine
from server.migrate import upgrade
from server.seed import DEMO_INTERVAL_S, DemoUser, seed_demo, seed_device_configs
from server.settings import Settings, load_settings

__all__ = ["run_demo"]

log = logging.getLogger(__name__)


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _print_banner(base: str, mqtt_url: str, users: list[DemoUser], db_url: str,
                  ingest: str = "", fleet: str = "", stamp: str = "") -> None:
    out = sys.stdout
    out.write("\n nongso demo is running — Ctrl-C stops every part\n\n")
    out.write(f"  Farmer page (trang nông dân):  {base}/farm\n")
    out.write(f"  Co-op page (trang hợp tác xã): {base}/coop\n")
    if stamp:
        out.write(f"  Stamp scan (quét tem QR):      {stamp}\n")
    out.write(f"  API docs:                      {base}/docs\n")
    out.write(f"  Health:                        {base}/healthz\n")
    out.write(f"  MQTT broker:                   {mqtt_url}\n")
    if ingest:
        out.write(f"  Ingest worker:                 {ingest}\n")
    if fleet:
        out.write(f"  Simulated fleet:               {fleet}\n")
    out.write("  Irrigation controller:         running (all zones; alerts in-app; device configs)\n")
    out.write(f"  Database:                      {db_url}\n\n")
    out.write("  Demo users (passwords are shown only once, when first created):\n")
    for u in users:
        pw = u.password if u.password else "(set at first run; reset: nongso users set-password)"
        out.write(f"    {u.role:<11} {u.login:<32} {pw}   [{u.organisation}]\n")
    out.write("\n")
    out.flush()


class _Server(uvicorn.Server):
    """uvicorn without its own signal capture: the demo stops every part on Ctrl-C itself
    (uvicorn's capture re-raises SIGINT inside the event loop, which tears the embedded
    broker's tasks down with tracebacks)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _demo_devices(engine: Engine) -> list[tuple[str, int, str, str, int, float]]:
    from sqlmodel import Session, col, select

    from server.models import Device, DeviceStatus, Farm, Zone

    with Session(engine) as s:
        rows = s.exec(select(Device, Zone).join(Zone, col(Zone.id) == Device.zone_id)
                      .where(Device.status != DeviceStatus.revoked)
                      .where(col(Device.uid).startswith("demo-"))).all()
        farms = {f.id: f for f in s.exec(select(Farm)).all()}
        return [(d.uid, z.id or 0, d.role.value, z.crop, farms[z.farm_id].id or 0, z.area_m2)
                for d, z in rows]


#: ``start_fleet(rows, mqtt_url, **options) -> handle with .stop()``. The CLI passes the
#: simulators' fleet in (server/ itself never imports simulators/).
FleetStarter = Callable[..., Any]


def _private_files(var_dir: Path, db_path: str) -> None:
    """The demo's database, secrets and uploads are for this user only: ``var/`` 0700,
    files 0600 (umask 077 for everything the demo creates; existing ones tightened)."""
    os.umask(0o077)
    var_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    var_dir.chmod(0o700)
    for path in (Path(db_path), Path(db_path + "-wal"), Path(db_path + "-shm")):
        if db_path and path.is_file():
            path.chmod(0o600)


def _demo_settings(host: str, port: int) -> Settings:
    """The demo's settings; everything it writes from here on is private to this user."""
    os.umask(0o077)  # before anything is written (the secrets in var/, the database)
    overrides: dict[str, object] = {}
    if "public_base_url" not in Settings().model_fields_set:  # not set in the environment
        overrides["public_base_url"] = f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}"
    settings = load_settings(**overrides)
    _private_files(settings.var_dir,
                   settings.sqlalchemy_url.split("///", 1)[-1] if settings.is_sqlite else "")
    return settings


async def _fleet(engine: Engine, mqtt_url: str, embedded: bool,
                 start_fleet: FleetStarter | None, var_dir: Path) -> tuple[Any, str]:
    """Start the simulated fleet if there is one to start; (its handle, a note for the banner)."""
    rows = _demo_devices(engine)
    if rows and embedded and start_fleet is not None:
        # The simulated fleet runs the real firmware logic (simulators/) against the
        # embedded broker; anonymous there. Against a real broker it needs the devices'
        # passwords: run `nongso simulate --credentials FILE` instead.
        fleet = await asyncio.to_thread(start_fleet, rows, mqtt_url, spread_s=20,
                                        interval_s=DEMO_INTERVAL_S, upload_every=1, seed=1,
                                        root=var_dir / "demo-fleet")
        return fleet, f"{len(rows)} simulated nodes (real firmware logic), first data within ~30 s"
    if rows:
        return None, "not started (external broker: use `nongso simulate --credentials`)"
    return None, "none (--devices 0)"


async def _configs_out(engine: Engine, timeout_s: float = 6.0) -> None:
    """Wait (a few seconds at most) until the controller has handed every demo device's
    config to the broker, so each simulated node finds its retained config at its first
    connect (a node that boots earlier gets it at its next upload, as in production)."""
    from sqlmodel import Session, col, func, select

    from server.models import Device, DeviceStatus
    from server.models.device_config import DeviceConfig

    def missing() -> int:
        with Session(engine) as s:
            return s.exec(select(func.count()).select_from(Device)
                          .join(DeviceConfig, col(DeviceConfig.device_id) == Device.id,
                                isouter=True)
                          .where(col(Device.uid).startswith("demo-"),
                                 col(Device.status) != DeviceStatus.revoked,
                                 col(DeviceConfig.published_at).is_(None))).one()

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while await asyncio.to_thread(missing) and loop.time() < deadline:
        await asyncio.sleep(0.2)


async def _season(engine: Engine, mqtt_url: str, embedded: bool,
                  start_fleet: FleetStarter | None, var_dir: Path, season_s: float) -> None:
    """issue 18: once, a season of history through the real path (server/demo_season.py)."""
    if embedded and start_fleet is not None:
        from server import demo_season

        demo_season.prepare_zones(engine)
        await asyncio.to_thread(demo_season.backfill, engine, mqtt_url, start_fleet,
                                _demo_devices(engine), var_dir, None, season_s)


def _controller(engine: Engine, settings: Settings, mqtt_url: str) -> Any:
    """The irrigation controller as `nongso controller` runs it: one loop for all zones
    (thresholds, windows, leases over MQTT 3.1.1, alerts) and the per-device configs
    (retained ``nongso/v1/<id>/config``, issue 22) — each demo node's settings seeded first
    as an installer enters them (the fleet's 300 s interval, calibration; the zone's
    thresholds), so the pushed config keeps the fleet's interval."""
    from server.irrigation.controller import start_controller
    from server.irrigation.weather import MeasuredWeather  # the gauges' rain, measured ET₀

    seed_device_configs(engine, settings.var_dir / "demo-fleet")
    return start_controller(engine, settings, mqtt_url, forecast=MeasuredWeather(engine),
                            push_configs=True)


async def _serve(host: str, port: int, devices: int, start_fleet: FleetStarter | None,
                 season_s: float = 35.0) -> int:
    settings = _demo_settings(host, port)
    if not _port_free(host, port):
        sys.stderr.write(f"nongso demo: port {port} is already in use; try --port {port + 1}\n")
        return 2
    upgrade(settings.sqlalchemy_url)
    engine = make_engine(settings.sqlalchemy_url)
    users = seed_demo(engine, devices=devices)
    from server.stamps import seed as stamps_seed

    stamp_uris = stamps_seed.seed_demo(engine, settings)
    broker: EmbeddedBroker | None = None
    mqtt_url = settings.mqtt_url
    if not mqtt_url:
        broker = EmbeddedBroker()
        await broker.start()
        mqtt_url = broker.url
    from server.telemetry.ingest import start_in_thread

    # amqtt speaks MQTT 3.1.1 only: one worker, plain subscription
    ingest, ingest_stop = start_in_thread(engine, mqtt_url, mqtt5=broker is None)
    await _season(engine, mqtt_url, broker is not None, start_fleet, settings.var_dir, season_s)
    irrigation = _controller(engine, settings, mqtt_url)
    app = create_app(settings, engine)
    app.state.mqtt_url = mqtt_url
    server = _Server(uvicorn.Config(app, host=host, port=port, log_level="warning",
                                    lifespan="on"))
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda: setattr(server, "should_exit", True))
    task = asyncio.create_task(server.serve())
    if broker is not None and start_fleet is not None:  # the simulated fleet will start
        await _configs_out(engine)
    fleet, fleet_note = await _fleet(engine, mqtt_url, broker is not None, start_fleet,
                                     settings.var_dir)
    try:
        while not server.started:
            if task.done():
                break
            await asyncio.sleep(0.05)
        if server.started:
            _print_banner(settings.public_base_url, mqtt_url, users,
                          settings.sqlalchemy_url.split("@")[-1],
                          " ".join(ingest.topics()) + (" (connected)" if ingest.stats.connected
                                                       else " (connecting)"), fleet_note,
                          stamp_uris[0] if stamp_uris else "")
        await task
    finally:
        if fleet is not None:
            await asyncio.to_thread(fleet.stop)
        await asyncio.to_thread(irrigation.stop)
        ingest_stop.set()
        if broker is not None:
            await broker.stop()
        engine.dispose()
        sys.stdout.write("nongso demo stopped.\n")
    return 0


def run_demo(host: str = "127.0.0.1", port: int = 8000, devices: int = 20,
             start_fleet: FleetStarter | None = None, season_s: float = 35.0) -> int:
    try:
        return asyncio.run(_serve(host, port, devices, start_fleet, season_s))
    except KeyboardInterrupt:
        # uvicorn re-raises the captured Ctrl-C after its clean shutdown; every part has
        # stopped by then (the ``finally`` above ran), so this is a normal exit.
        return 0
