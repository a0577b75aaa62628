"""Commands: ``nongso devices add|rotate|revoke|list|claims``, ``nongso mosquitto-config``,
``nongso ingest``, ``nongso telemetry health|maintain``."""

from __future__ import annotations

import csv
import logging
import os
import secrets
import signal
import threading
from pathlib import Path

import typer
from sqlalchemy.engine import Engine

from server.settings import Settings

__all__ = ["register"]

devices_app = typer.Typer(help="Devices and their MQTT credentials.", no_args_is_help=True)


def _engine() -> tuple[Settings, Engine]:
    from server.db import make_engine
    from server.settings import load_settings

    settings = load_settings()
    return settings, make_engine(settings.sqlalchemy_url)


def _fail(msg: str) -> typer.Exit:
    typer.echo(f"error: {msg}", err=True)
    return typer.Exit(2)


@devices_app.command("add")
def devices_add(zone: int = typer.Option(..., help="Zone id."),
                role: str = typer.Option(..., help="sensor|valve"),
                uid: str | None = typer.Option(None, help="Device id (default: generated).")) -> None:
    """Register a device; its MQTT password is printed once."""
    from sqlmodel import Session

    from server.errors import DomainError
    from server.models import DeviceRole, Zone
    from server.telemetry.credentials import add_device

    _, engine = _engine()
    with Session(engine) as s:
        z = s.get(Zone, zone)
        if z is None:
            raise _fail(f"zone {zone} does not exist")
        try:
            device, password = add_device(s, z, DeviceRole(role), uid)
        except (DomainError, ValueError) as exc:
            raise _fail(str(exc)) from None
    typer.echo(f"device {device.uid} (id {device.id}) in zone {zone}, role {role}")
    typer.echo(f"mqtt username: {device.uid}\nmqtt password: {password}   (shown once)")
    typer.echo(f"topics: nongso/v1/{device.uid}/...   then: nongso mosquitto-config --out DIR")


def _load(s, uid: str):  # type: ignore[no-untyped-def]
    from sqlmodel import select

    from server.models import Device

    d = s.exec(select(Device).where(Device.uid == uid)).first()
    if d is None:
        raise _fail(f"no device {uid!r}")
    return d


@devices_app.command("rotate")
def devices_rotate(uid: str) -> None:
    """Give a device a new MQTT password (printed once)."""
    from sqlmodel import Session

    from server.errors import DomainError
    from server.telemetry.credentials import rotate_password

    _, engine = _engine()
    with Session(engine) as s:
        try:
            password = rotate_password(s, _load(s, uid))
        except DomainError as exc:
            raise _fail(str(exc)) from None
    typer.echo(f"mqtt password: {password}   (shown once; reload the broker)")


@devices_app.command("revoke")
def devices_revoke(uid: str) -> None:
    """Refuse a device at the broker (after reload) and at ingest (at once)."""
    from sqlmodel import Session

    from server.telemetry.credentials import revoke_device

    _, engine = _engine()
    with Session(engine) as s:
        revoke_device(s, _load(s, uid))
    typer.echo(f"device {uid} revoked; regenerate the broker files and reload Mosquitto")


@devices_app.command("list")
def devices_list(zone: int | None = typer.Option(None, help="Only this zone.")) -> None:
    """Devices with their status, last contact and honest counters."""
    from sqlmodel import Session, col, select

    from server.models import Device
    from server.models.telemetry import DeviceState
    from server.telemetry.queries import device_health

    _, engine = _engine()
    with Session(engine) as s:
        stmt = select(Device).order_by(col(Device.id))
        if zone is not None:
            stmt = stmt.where(Device.zone_id == zone)
        typer.echo(f"{'id':>5} {'uid':<24} {'zone':>5} {'role':<6} {'reg.':<8} {'link':<11} "
                   f"{'last seen (UTC)':<20} {'seq':>8} {'missing':>7} {'dropped':>7}")
        for d in s.exec(stmt).all():
            h = device_health(d, s.get(DeviceState, d.id))
            seen = h["last_seen_at"].strftime("%Y-%m-%d %H:%M:%S") if h["last_seen_at"] else "-"
            typer.echo(f"{d.id:>5} {d.uid:<24} {d.zone_id:>5} {d.role.value:<6} "
                       f"{d.status.value:<8} {h['status']:<11} {seen:<20} "
                       f"{h['last_seq'] if h['last_seq'] is not None else '-':>8} "
                       f"{h['missing_readings']:>7} "
                       f"{h['buffer_dropped'] if h['buffer_dropped'] is not None else '-':>7}")


@devices_app.command("claims")
def devices_claims(org: int = typer.Option(..., help="Organisation id."),
                   role: str = typer.Option(..., help="sensor|valve"),
                   count: int = typer.Option(1, min=1, max=500),
                   out: Path = typer.Option(..., help="Directory for the sheet and QR codes.")) -> None:
    """Make boards ahead: a CSV to flash (uid, password) and a claim QR per board."""
    from sqlmodel import Session

    from server.models import DeviceRole
    from server.telemetry.api import claim_url, qr_png
    from server.telemetry.credentials import make_claims

    settings, engine = _engine()
    out.mkdir(parents=True, exist_ok=True)
    with Session(engine) as s:
        claims = make_claims(s, org, DeviceRole(role), count)
    fd = os.open(out / "boards.csv", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["uid", "role", "mqtt_password", "claim_code", "claim_url", "qr_file"])
        for c in claims:
            url = claim_url(settings.public_base_url, c.code)
            (out / f"{c.claim.uid}.png").write_bytes(qr_png(url))
            w.writerow([c.claim.uid, c.claim.role, c.password, c.code, url, f"{c.claim.uid}.png"])
    typer.echo(f"{count} boards: {out / 'boards.csv'} (flash, then delete it) and QR codes")


def mosquitto_config(out: Path = typer.Option(..., help="Directory for passwd, acl, nongso.conf."),
                     port: int = typer.Option(1883, help="Devices' listener port in nongso.conf."),
                     bind: str = typer.Option("", help="Address of the devices' listener "
                                              "(empty: all interfaces)."),
                     service_port: int = typer.Option(1884, help="Listener port for the ingest "
                                                      "workers and the controller."),
                     service_bind: str = typer.Option("127.0.0.1", help="Address of that "
                                                      "listener (keep it off the devices' network)."),
                     certfile: Path | None = typer.Option(None, help="TLS certificate chain for "
                                                          "the devices' listener (with --keyfile)."),
                     keyfile: Path | None = typer.Option(None, help="Its private key."),
                     group: str = typer.Option("mosquitto", help="Group the broker reads its "
                                               "files as (files 0640)."),
                     persistence_dir: Path = typer.Option(Path("/var/lib/mosquitto"),
                                                          help="Broker's persistence_location."),
                     pid_file: Path = typer.Option(Path("/run/mosquitto/mosquitto.pid"),
                                                   help="Broker's pid_file (for --reload-pid)."),
                     new_service_passwords: bool = typer.Option(
                         False, "--new-service-passwords", help="Generate missing service "
                         "passwords into NONGSO_VAR_DIR (never done silently in production)."),
                     reload_pid: Path | None = typer.Option(
                         None, help="Mosquitto's pid file: send it SIGHUP afterwards.")) -> None:
    """Write Mosquitto's password files, ACLs and nongso.conf from the device registry.
    Long because its signature lists every broker option."""
    from server.telemetry.credentials import mosquitto_hash
    from server.telemetry.ingest import parse_mqtt_url
    from server.telemetry.mosquitto import (
        CONTROL_USER,
        INGEST_USER,
        BrokerAccount,
        BrokerLoginError,
        service_password,
        write_config,
    )

    settings, engine = _engine()
    create = settings.mode != "production" or new_service_passwords
    url_pw = None
    if settings.mqtt_url:
        p = parse_mqtt_url(settings.mqtt_url)
        url_pw = p["password"] if p["username"] == INGEST_USER else None
    try:
        ingest_pw = url_pw or service_password(settings.var_dir, INGEST_USER, create)
        control_pw = service_password(settings.var_dir, CONTROL_USER, create)
        counts = write_config(out, engine, [BrokerAccount(INGEST_USER, mosquitto_hash(ingest_pw)),
                                            BrokerAccount(CONTROL_USER, mosquitto_hash(control_pw))],
                              port, service_port, service_bind,
                              (certfile, keyfile) if certfile and keyfile else None, bind, group,
                              persistence_dir, pid_file)
    except (BrokerLoginError, ValueError, PermissionError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"wrote {out}/passwd + acl ({counts['devices']} devices, port {port}), "
               f"{out}/services.passwd + services.acl ({counts['services']} service accounts, "
               f"{service_bind}:{service_port}), {out}/nongso.conf")
    typer.echo(f"service accounts: {INGEST_USER}, {CONTROL_USER} (passwords in "
               f"{settings.var_dir}/mqtt_ingest_password, mqtt_control_password)")
    if reload_pid is not None:
        pid = int(reload_pid.read_text().strip())
        os.kill(pid, signal.SIGHUP)
        typer.echo(f"sent SIGHUP to mosquitto (pid {pid})")
    else:
        typer.echo("reload the broker: systemctl reload mosquitto  (or kill -HUP <pid>)")


def ingest(client_id: str = typer.Option("", help="Stable MQTT client id (persistent session); "
                                         "default nongso-ingest-<index>: the id belongs to the "
                                         "index, not the host (docs/scaling.md)."),
           index: int = typer.Option(1, min=1, help="This worker's number, 1..--workers "
                                     "(unique across hosts)."),
           workers: int = typer.Option(1, min=1, max=64, help="How many workers share the "
                                       "stream (each keeps the devices hashed to its index)."),
           shared: bool = typer.Option(False, "--shared", help="An MQTT 5 shared subscription "
                                       "instead (only for a broker that restores them after a "
                                       "restart; Mosquitto 2.0 does not)."),
           group: str = typer.Option("ingest", help="Shared-subscription group (--shared)."),
           mqtt311: bool = typer.Option(False, "--mqtt311", help="Broker without MQTT 5."),
           batch_size: int = typer.Option(2000, min=1, max=50000),
           flush_ms: int = typer.Option(100, min=1, max=10000),
           receive_max: int = typer.Option(20000, min=1, max=65535)) -> None:
    """Run the MQTT → database ingest worker until SIGTERM/Ctrl-C."""
    from server.telemetry.ingest import IngestConfig, IngestWorker

    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from server.telemetry.mosquitto import INGEST_USER, BrokerLoginError, check_login, service_url

    settings, engine = _engine()
    try:  # its own account: nongso-ingest with var/mqtt_ingest_password (or the systemd credential)
        url = service_url(settings.mqtt_url, settings.var_dir, INGEST_USER,
                          settings.mode == "production")
        check_login(url, f"{INGEST_USER}-check-{secrets.token_hex(4)}")  # never a worker's id
    except BrokerLoginError as exc:
        raise _fail(str(exc)) from None
    if index > workers and not shared:
        raise _fail(f"--index {index} is not in 1..--workers {workers}")
    cid = client_id or f"nongso-ingest-{index}"
    worker = IngestWorker(engine, IngestConfig(
        mqtt_url=url, client_id=cid, group=group, mqtt5=not mqtt311, workers=workers,
        index=index, shared=shared, batch_size=batch_size,
        flush_s=flush_ms / 1000, receive_max=receive_max,
        metrics_port=settings.ingest_metrics_port))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        worker.run(stop)
    except KeyboardInterrupt:
        pass
    typer.echo(f"ingest stopped: {worker.stats.line()}")


telemetry_app = typer.Typer(help="The readings store: health and retention.",
                             no_args_is_help=True)


@telemetry_app.command("health")
def telemetry_health() -> None:
    """TimescaleDB jobs (or partitions) and the once-only window; exit 1 on any alert."""
    from server.telemetry.health import as_lines, storage_health

    _, engine = _engine()
    with engine.connect() as c:
        checks = storage_health(c)
    for line in as_lines(checks):
        typer.echo(line)
    bad = sum(not c.ok for c in checks)
    typer.echo(f"{len(checks)} checks, {bad} alert{'s' if bad != 1 else ''}")
    if bad:
        raise typer.Exit(1)


@telemetry_app.command("maintain")
def telemetry_maintain() -> None:
    """One pass of retention (run daily): the once-only window, old dead letters and
    acks, old monthly partitions (TimescaleDB's own policies do its tables)."""
    from server.telemetry.retention import maintain

    _, engine = _engine()
    for k, v in maintain(engine).items():
        typer.echo(f"{k}: {v}")


def register(app: typer.Typer) -> None:
    """Add this package's commands to ``app``."""
    app.add_typer(devices_app, name="devices")
    app.add_typer(telemetry_app, name="telemetry")
    app.command("mosquitto-config")(mosquitto_config)
    app.command("ingest")(ingest)
