"""The ``nongso`` command line (Typer)."""

from __future__ import annotations

import getpass
import logging
import sys

import typer

__all__ = ["app"]

app = typer.Typer(help="nongso — nông nghiệp số: irrigation, traceability and OCOP.",
                  no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")


def _register_packages() -> None:
    from server.irrigation import cli as irrigation_cli
    from server.ocop_workflow import cli as ocop_cli
    from server.stamps import cli as stamps_cli
    from server.telemetry import cli as telemetry_cli
    from server.trace import cli as trace_cli

    for mod in (telemetry_cli, trace_cli, ocop_cli, stamps_cli, irrigation_cli):
        mod.register(app)
    __import__("server.cli_simulate", fromlist=["register"]).register(app)  # nongso simulate
    __import__("server.setup_cli", fromlist=["register"]).register(app)  # nongso setup


_register_packages()


def _logging(verbose: bool = False) -> None:
    from server.logging_setup import setup_logging

    setup_logging(logging.DEBUG if verbose else logging.INFO)


@app.callback()
def _main(ctx: typer.Context) -> None:
    """Logs: readable on a terminal, JSON lines otherwise (journald, files); secrets masked."""
    from server.logging_setup import setup_logging

    setup_logging(logging.WARNING if ctx.invoked_subcommand == "demo" else logging.INFO)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply migrations up to REVISION (default: head)."""
    from server.migrate import upgrade
    from server.settings import load_settings

    _logging()
    settings = load_settings()
    upgrade(settings.sqlalchemy_url, revision)
    typer.echo(f"database at {revision}")


@db_app.command("check")
def db_check() -> None:
    """Fail if the models and the migrations have drifted apart."""
    from server.migrate import check
    from server.settings import load_settings

    check(load_settings().sqlalchemy_url)
    typer.echo("no drift")


@app.command()
def demo(port: int = typer.Option(8000, help="HTTP port."),
         host: str = typer.Option("127.0.0.1", help="Address to listen on."),
         devices: int = typer.Option(20, min=0, max=10000,
                                     help="Demo devices to register across the zones."),
         season_s: float = typer.Option(35.0, "--season-seconds", min=5, max=3600,
                                        help="First start: wall seconds to simulate the "
                                             "demo's past season in.")) -> None:
    """Run the whole platform on one machine with example data (SQLite, embedded broker)."""
    from server.demo import run_demo
    from simulators.fleet import start_in_thread as start_fleet  # the CLI wires the demo

    logging.basicConfig(level=logging.WARNING)
    raise typer.Exit(run_demo(host=host, port=port, devices=devices, start_fleet=start_fleet,
                              season_s=season_s))


@app.command()
def serve(port: int = typer.Option(8000), host: str = typer.Option("127.0.0.1"),
          workers: int = typer.Option(1, min=1),
          access_log: bool = typer.Option(False, help="Log every request (the TLS proxy in "
                                                       "front usually keeps the access log)."),
          forwarded_allow_ips: str = typer.Option(
              "", help="Proxies whose X-Forwarded-For/-Proto are believed: comma-separated "
                       "addresses or networks (default NONGSO_TRUSTED_PROXIES, else 127.0.0.1).")
          ) -> None:
    """Run the API and pages (production: behind a TLS proxy; docs/scaling.md)."""
    import os
    import shutil
    import tempfile

    import uvicorn

    from server.logging_setup import uvicorn_log_config
    from server.metrics import METRICS_DIR_ENV
    from server.settings import Settings

    if forwarded_allow_ips:  # the app's client_address() believes the same proxies
        os.environ["NONGSO_TRUSTED_PROXIES"] = forwarded_allow_ips
    trusted = Settings().trusted_proxies or "127.0.0.1"
    made = None
    if workers > 1 and not os.environ.get(METRICS_DIR_ENV):  # /metrics sums every worker
        made = os.environ[METRICS_DIR_ENV] = tempfile.mkdtemp(prefix="nongso-metrics-")
    try:
        uvicorn.run("server.app:create_app", factory=True, host=host, port=port,
                    workers=workers, proxy_headers=True, forwarded_allow_ips=trusted,
                    access_log=access_log, log_config=uvicorn_log_config())
    finally:
        if made:
            shutil.rmtree(made, ignore_errors=True)


def _read_password(prompt: bool) -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if prompt and getpass.getpass("Again: ") != first:
        raise typer.BadParameter("the passwords differ")
    return first


@users_app.command("add")
def users_add(login: str, full_name: str = typer.Option(..., "--name"),
              org: int | None = typer.Option(None, help="Organisation id."),
              role: str = typer.Option("farmer", help="farmer|coop_admin|evaluator|admin")) -> None:
    """Create a user; the password is read from the terminal or standard input."""
    from server.db import make_engine
    from server.settings import load_settings
    from server.users import create_user

    settings = load_settings()
    engine = make_engine(settings.sqlalchemy_url)
    try:
        user_id = create_user(engine, login, full_name, _read_password(True), org, role)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"user {user_id} created")


@users_app.command("set-password")
def users_set_password(login: str) -> None:
    """Set a user's password (read from the terminal or standard input); logs them out."""
    from server.db import make_engine
    from server.settings import load_settings
    from server.users import set_password

    engine = make_engine(load_settings().sqlalchemy_url)
    try:
        set_password(engine, login, _read_password(True))
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo("password changed")
