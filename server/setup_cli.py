"""``nongso setup``: the first run of a new installation (docs/operations.md, section 1).

Interactive (it asks for what is missing) or non-interactive (``--yes``: every value from
flags or ``NONGSO_SETUP_*`` variables; a missing one is an error). It is safe to run again:
what exists already (env file, user, organisation, farm, zone, service password) is kept
and reported, never replaced. In order:

1. ``--env-file``: the service settings file, with freshly generated ``NONGSO_SECRET_KEY`` and
   ``NONGSO_STAMP_KEYS`` (said on the terminal — production mode never generates them
   silently), mode 0640, group ``--service-user``;
2. the database schema (``nongso db upgrade``);
3. the first platform administrator, an organisation, its farms and zones;
4. the broker service accounts ``nongso-ingest`` and ``nongso-control``: a generated
   password each in ``NONGSO_VAR_DIR``, mode 0600, owned by the system user of the same
   name (the ingest workers and the controller run as those users: each password is
   readable by its own service only);
5. ``--broker-dir``: the Mosquitto files (``nongso mosquitto-config``).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import typer

__all__ = ["register", "parse_farm", "parse_zone"]

_E = "NONGSO_SETUP_"


def _fail(msg: str) -> typer.Exit:
    typer.echo(f"error: {msg}", err=True)
    return typer.Exit(2)


def parse_farm(spec: str) -> tuple[str, str]:
    """``"Name|commune code"`` → (name, commune)."""
    name, _, commune = spec.rpartition("|")
    if not name or not commune:
        raise ValueError(f"--farm {spec!r}: write it as 'Farm name|5-digit commune code'")
    return name.strip(), commune.strip()


def parse_zone(spec: str) -> tuple[str, str, str, float]:
    """``"Farm name|Zone name|crop|area m²"`` → (farm, zone, crop, area)."""
    parts = spec.split("|")
    if len(parts) != 4:
        raise ValueError(f"--zone {spec!r}: write it as 'Farm name|Zone name|crop|area_m2'")
    try:
        area = float(parts[3])
    except ValueError:
        raise ValueError(f"--zone {spec!r}: the area must be a number of m²") from None
    return parts[0].strip(), parts[1].strip(), parts[2].strip(), area


def _ask(value: str | None, prompt: str, interactive: bool, hide: bool = False) -> str:
    if value:
        return value
    if not interactive:
        raise _fail(f"{prompt} is required (flag or {_E}* variable; see nongso setup --help)")
    return str(typer.prompt(prompt, hide_input=hide, confirmation_prompt=hide))


def _write_private(path: Path, text: str, mode: int, group: str | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    if group:
        import grp

        try:
            os.chown(path, -1, grp.getgrnam(group).gr_gid)
        except (KeyError, PermissionError):
            typer.echo(f"  (group {group!r} not set on {path}: no such group or not root)")


def write_env_file(path: Path, database_url: str, var_dir: Path, public_url: str,
                   mqtt_url: str, group: str | None) -> None:
    """The production settings file; generated secrets are announced, never silent."""
    if path.exists():
        typer.echo(f"env file {path}: exists, kept")
        return
    secret = secrets.token_urlsafe(48)
    stamp = "1:" + secrets.token_hex(32)
    _write_private(path, "\n".join([
        "# nongso settings (written by `nongso setup`). Keep a copy off the machine: the",
        "# stamp keys are what make printed stamps verifiable.",
        "NONGSO_MODE=production", f"NONGSO_DATABASE_URL={database_url}",
        f"NONGSO_VAR_DIR={var_dir}", f"NONGSO_PUBLIC_BASE_URL={public_url}",
        f"NONGSO_COOKIE_SECURE={'true' if public_url.startswith('https') else 'false'}",
        "# the broker's service listener; each service logs in with its own account",
        f"NONGSO_MQTT_URL={mqtt_url}",
        f"NONGSO_SECRET_KEY={secret}", f"NONGSO_STAMP_KEYS={stamp}", ""]), 0o640, group)
    typer.echo(f"env file {path}: written (mode 0640) with a NEW NONGSO_SECRET_KEY and "
               "NONGSO_STAMP_KEYS — back it up")


def _service_dirs(var_dir: Path, service_user: str | None) -> None:
    var_dir.mkdir(parents=True, exist_ok=True)
    if not service_user:
        return
    import pwd

    try:
        pw = pwd.getpwnam(service_user)
    except KeyError:
        raise _fail(f"system user {service_user!r} does not exist (useradd --system "
                    f"{service_user})") from None
    try:
        os.chown(var_dir, pw.pw_uid, pw.pw_gid)
        os.chmod(var_dir, 0o750)
    except PermissionError:
        typer.echo(f"  ({var_dir} left as it is: not root)")


def _service_passwords(var_dir: Path) -> None:
    """One generated password per broker service account, mode 0600, owned by the system
    user of the same name (``nongso-ingest``, ``nongso-control``) when it exists: each is
    readable by its own service only."""
    import pwd

    from server.telemetry.mosquitto import SERVICE_FILES, service_password

    for user, name in SERVICE_FILES.items():
        path = var_dir / name
        existed = path.exists()
        service_password(var_dir, user, create=True)
        owner = "the invoking user"
        try:
            os.chown(path, pwd.getpwnam(user).pw_uid, -1)
            owner = f"system user {user}"
        except (KeyError, PermissionError):
            pass
        os.chmod(path, 0o600)
        typer.echo(f"broker account {user}: password in {path} "
                   f"({'kept' if existed else 'generated'}, mode 0600, {owner})")


def _records(url: str, admin: tuple[str, str, str], org: tuple[str, str, str],
             farm_specs: list[str], zone_specs: list[str]) -> None:
    from server.db import make_engine
    from server.setup_records import (
        check_inputs,
        ensure_admin,
        ensure_farm,
        ensure_org,
        ensure_zone,
    )

    farms = [parse_farm(f) for f in farm_specs]
    zones = [parse_zone(z) for z in zone_specs]
    check_inputs(admin, org, farms, zones)  # all of it, before anything is written
    engine = make_engine(url)
    try:
        typer.echo(ensure_admin(engine, *admin))
        org_id, line = ensure_org(engine, *org)
        typer.echo(line)
        farm_ids: dict[str, int] = {}
        for name, commune in farms:
            farm_ids[name], line = ensure_farm(engine, org_id, name, org[2], commune)
            typer.echo(line)
        for farm, zone, crop, area in zones:
            typer.echo(ensure_zone(engine, farm_ids[farm], zone, crop, area)[1])
    finally:
        engine.dispose()


def setup(
    yes: bool = typer.Option(False, "--yes", "-y", help="Non-interactive: never ask."),
    env_file: Path | None = typer.Option(None, envvar=_E + "ENV_FILE",
                                         help="Write this settings file (if missing)."),
    database_url: str = typer.Option("", envvar="NONGSO_DATABASE_URL", help="PostgreSQL URL."),
    var_dir: Path = typer.Option(Path("./var"), envvar="NONGSO_VAR_DIR"),
    public_url: str = typer.Option("http://localhost:8000", envvar="NONGSO_PUBLIC_BASE_URL"),
    mqtt_url: str = typer.Option("mqtt://127.0.0.1:1884", envvar="NONGSO_MQTT_URL"),
    service_user: str | None = typer.Option(None, envvar=_E + "SERVICE_USER",
                                            help="System user the services run as."),
    admin_login: str | None = typer.Option(None, envvar=_E + "ADMIN_LOGIN"),
    admin_name: str | None = typer.Option(None, envvar=_E + "ADMIN_NAME"),
    admin_password: str | None = typer.Option(None, envvar=_E + "ADMIN_PASSWORD", hidden=True),
    admin_password_file: Path | None = typer.Option(None, envvar=_E + "ADMIN_PASSWORD_FILE"),
    org_name: str | None = typer.Option(None, envvar=_E + "ORG_NAME"),
    org_kind: str = typer.Option("htx", envvar=_E + "ORG_KIND", help="htx|dn|tht|ho_sxkd"),
    province: str | None = typer.Option(None, envvar=_E + "PROVINCE", help="2-digit code."),
    farm: list[str] = typer.Option([], help="'Name|commune code' (repeat)."),
    zone: list[str] = typer.Option([], help="'Farm|Zone|crop|area_m2' (repeat)."),
    broker_dir: Path | None = typer.Option(None, envvar=_E + "BROKER_DIR",
                                           help="Write the Mosquitto files here."),
    mosquitto_group: str = typer.Option("mosquitto"),
    device_port: int = typer.Option(1883, help="Devices' listener (8883 with TLS)."),
    certfile: Path | None = typer.Option(None), keyfile: Path | None = typer.Option(None),
) -> None:
    """First run: settings file, schema, first admin, organisation, farms, zones, broker
    service accounts and broker files. See docs/operations.md."""
    interactive = not yes
    url = _ask(database_url, "Database URL (postgresql://…)", interactive)
    if env_file is not None:
        write_env_file(env_file, url, var_dir.resolve(), public_url, mqtt_url, service_user)
    from server.migrate import upgrade
    from server.settings import Settings

    upgrade(Settings(database_url=url).sqlalchemy_url)
    typer.echo("database schema: up to date")
    if admin_password_file is not None:
        admin_password = admin_password_file.read_text(encoding="utf-8").strip()
    admin = (_ask(admin_login, "Administrator login", interactive),
             _ask(admin_name, "Administrator's full name", interactive),
             _ask(admin_password, "Administrator password", interactive, hide=True))
    org = (_ask(org_name, "Organisation name", interactive), org_kind,
           _ask(province, "Province code (2 digits, e.g. 31 Hải Phòng)", interactive))
    if interactive and not farm:
        farm = [f"{typer.prompt('First farm name')}|{typer.prompt('Its commune code (5 digits)')}"]
    try:
        _records(Settings(database_url=url).sqlalchemy_url, admin, org, farm, zone)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    _service_dirs(var_dir, service_user)
    _service_passwords(var_dir)
    if broker_dir is not None:
        _broker(url, var_dir, broker_dir, mosquitto_group, device_port, certfile, keyfile)
    typer.echo("setup done; next: docs/operations.md, section 1 (services)")


def _broker(url: str, var_dir: Path, out: Path, group: str, port: int,
            certfile: Path | None, keyfile: Path | None) -> None:
    from server.db import make_engine
    from server.settings import Settings
    from server.telemetry.credentials import mosquitto_hash
    from server.telemetry.mosquitto import SERVICE_FILES, BrokerAccount, write_config

    engine = make_engine(Settings(database_url=url).sqlalchemy_url)
    try:
        accounts = [BrokerAccount(u, mosquitto_hash((var_dir / f).read_text().strip()))
                    for u, f in SERVICE_FILES.items()]
        write_config(out, engine, accounts, port, tls=(certfile, keyfile)
                     if certfile and keyfile else None, group=group,
                     pid_file=Path("/run/mosquitto/mosquitto.pid"))
    except ValueError as exc:
        raise _fail(str(exc)) from None
    finally:
        engine.dispose()
    typer.echo(f"broker files: {out} (passwd, acl, services.*: 0640 group {group}; nongso.conf)")


def register(app: typer.Typer) -> None:
    app.command("setup")(setup)
