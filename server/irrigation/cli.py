"""Commands: ``nongso controller`` (the irrigation loop, standalone), ``nongso irrigation
water|stop|alerts``."""

from __future__ import annotations

import logging
import secrets
import signal
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from server.settings import Settings

__all__ = ["register"]

irrigation_app = typer.Typer(help="Irrigation: manual watering and alerts.", no_args_is_help=True)


def _engine() -> tuple[Settings, Engine]:
    from server.db import make_engine
    from server.settings import load_settings

    settings = load_settings()
    return settings, make_engine(settings.sqlalchemy_url)


def controller(interval: float = typer.Option(1.0, min=0.1, max=60, help="Seconds per step.")) -> None:
    """Run the irrigation controller (all zones) until SIGTERM/Ctrl-C."""
    from server.irrigation.controller import start_controller

    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from server.telemetry.mosquitto import CONTROL_USER, BrokerLoginError, check_login, service_url

    settings, engine = _engine()
    try:  # its own account: nongso-control with var/mqtt_control_password (issue 22)
        url = service_url(settings.mqtt_url, settings.var_dir, CONTROL_USER,
                          settings.mode == "production")
        check_login(url, f"{CONTROL_USER}-check-{secrets.token_hex(4)}")  # never a live id
    except BrokerLoginError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    from server.irrigation.weather import MeasuredWeather

    handle = start_controller(engine, settings, url, interval_s=interval,
                              forecast=MeasuredWeather(engine),  # gauges; no forecast
                              push_configs=True)  # retained per-device configs (issue 22)
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    handle.stop()
    typer.echo("controller stopped")


def _queue(command: Callable[[Any], list[Any]]) -> None:
    """Run a valve command for a zone in one transaction; print the commands queued."""
    from sqlmodel import Session

    from server.errors import DomainError

    _s, engine = _engine()
    with Session(engine) as s:
        try:
            cmds = command(s)
        except DomainError as exc:
            typer.echo(f"error: {exc.detail}", err=True)
            raise typer.Exit(2) from exc
        s.commit()
        typer.echo(", ".join(f"device {c.device_id}: command {c.cmd_id}" for c in cmds))


@irrigation_app.command("water")
def water(zone: int = typer.Option(..., help="Zone id."),
          minutes: int = typer.Option(10, min=1, max=240)) -> None:
    """Queue "water now" for a zone (the controller publishes it)."""
    from server.irrigation.commands import water_now

    _queue(lambda s: water_now(s, zone, minutes, None))


@irrigation_app.command("stop")
def stop_cmd(zone: int = typer.Option(..., help="Zone id.")) -> None:
    """Queue "stop" for a zone."""
    from server.irrigation.commands import stop_zone

    _queue(lambda s: stop_zone(s, zone, None))


@irrigation_app.command("alerts")
def alerts_list() -> None:
    """Unresolved alerts."""
    from sqlmodel import Session, col, select

    from server.models.irrigation import Alert

    _s, engine = _engine()
    with Session(engine) as s:
        for a in s.exec(select(Alert).where(Alert.state != "resolved").order_by(col(Alert.id))).all():
            typer.echo(f"{a.id}\t{a.state}\t{a.kind}\t{a.message}")


def register(app: typer.Typer) -> None:
    """Add this package's commands to ``app``."""
    app.command("controller")(controller)
    app.add_typer(irrigation_app, name="irrigation")
