"""Throw-away real services for tests and benchmarks: PostgreSQL 15 and Mosquitto 2.

Each starts on a free loopback port in its own temporary directory and is torn down
afterwards. PostgreSQL refuses to run as root, so as root the cluster runs as the
unprivileged ``postgres`` user. If the ``timescaledb`` extension is installed it is
preloaded and created in every new database.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

__all__ = ["PostgresCluster", "Mosquitto", "free_port", "wait_port", "pg_bindir"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_port(port: int, timeout: float = 15.0, host: str = "127.0.0.1") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout}s")


def _stop_process(proc: subprocess.Popen[bytes] | None, sig: int, timeout: float) -> None:
    """Signal the whole process group (started with ``start_new_session``): as root the
    server runs under ``runuser``, which does not pass signals on, so signalling only the
    child left PostgreSQL running and every stop waited out its timeout."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def pg_bindir() -> Path:
    found = shutil.which("pg_config")
    candidates = []
    if found:
        out = subprocess.run([found, "--bindir"], capture_output=True, text=True)
        if out.returncode == 0:
            candidates.append(Path(out.stdout.strip()))
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for c in candidates:
        if (c / "initdb").exists() and (c / "postgres").exists():
            return c
    raise FileNotFoundError("PostgreSQL server binaries (initdb, postgres) not found")


def _as_user() -> tuple[list[str], int | None, int | None]:
    """Command prefix and uid/gid to run PostgreSQL unprivileged when we are root."""
    if os.geteuid() != 0:
        return [], None, None
    pw = pwd.getpwnam("postgres")
    return ["runuser", "-u", "postgres", "--"], pw.pw_uid, pw.pw_gid


def _timescaledb_available(bindir: Path) -> bool:
    out = subprocess.run([str(bindir / "pg_config"), "--sharedir"], capture_output=True, text=True)
    share = Path(out.stdout.strip()) if out.returncode == 0 else None
    return bool(share and (share / "extension" / "timescaledb.control").exists())


class PostgresCluster:
    """A PostgreSQL cluster in a temporary directory on a free port."""

    def __init__(self, settings: dict[str, str] | None = None) -> None:
        #: extra server settings (``-c name=value``), e.g. bench/storage.py's memory
        self.settings = dict(settings or {})
        self.bindir = pg_bindir()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="nongso-pg-"))
        self.data = self.dir / "data"
        self.timescaledb = _timescaledb_available(self.bindir)
        self._proc: subprocess.Popen[bytes] | None = None
        self._prefix, uid, gid = _as_user()
        if uid is not None and gid is not None:
            os.chown(self.dir, uid, gid)

    def _run(self, args: Sequence[str]) -> None:
        subprocess.run([*self._prefix, *args], check=True, capture_output=True)

    def _opts(self) -> list[str]:
        opts = ["-c", "listen_addresses=127.0.0.1", "-c", f"port={self.port}",
                "-c", f"unix_socket_directories={self.dir}", "-c", "fsync=off",
                "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                "-c", "max_connections=200", "-c", "shared_buffers=128MB"]
        if self.timescaledb:
            opts += ["-c", "shared_preload_libraries=timescaledb",
                     "-c", "timescaledb.telemetry_level=off"]
        for k, v in self.settings.items():
            opts += ["-c", f"{k}={v}"]
        return opts

    def start(self) -> PostgresCluster:
        """Create the cluster (first call) and start the server."""
        if not self.data.exists():
            self._run([str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres",
                       "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])
        log = open(self.dir / "postgres.log", "ab")
        self._proc = subprocess.Popen([*self._prefix, str(self.bindir / "postgres"),
                                       "-D", str(self.data), *self._opts()],
                                      stdout=log, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 30.0) -> None:
        import psycopg

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                raise RuntimeError("postgres exited:\n" + self.log_tail())
            try:
                with psycopg.connect(self.dsn("postgres"), connect_timeout=1):
                    return
            except psycopg.OperationalError:
                time.sleep(0.1)
        raise TimeoutError("postgres did not start:\n" + self.log_tail())

    def log_tail(self, n: int = 4000) -> str:
        try:
            return (self.dir / "postgres.log").read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def dsn(self, dbname: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str | None = None, timescaledb: bool | None = None) -> str:
        """Create a fresh database; return its SQLAlchemy URL.

        ``timescaledb``: create the extension (readings become a hypertable at migration),
        or not (native monthly partitions); by default, whenever the cluster has it."""
        import psycopg

        name = name or "t_" + uuid.uuid4().hex[:16]
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        if self.timescaledb if timescaledb is None else timescaledb:
            with psycopg.connect(self.dsn(name), autocommit=True) as conn:
                conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
        return self.url(name)

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self, mode: str = "fast") -> None:
        sig = {"smart": signal.SIGTERM, "fast": signal.SIGINT, "immediate": signal.SIGQUIT}[mode]
        proc, self._proc = self._proc, None
        _stop_process(proc, sig, timeout=20)

    def restart(self) -> None:
        """Stop and start the same cluster on the same port (fault injection)."""
        self.stop()
        self.start()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class Mosquitto:
    """A Mosquitto 2 broker on a free loopback port, with optional password file and ACL."""

    def __init__(self, extra_conf: str = "", password_file: Path | None = None,
                 acl_file: Path | None = None) -> None:
        exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        if not Path(exe).exists():
            raise FileNotFoundError("mosquitto is not installed (apt-get install mosquitto)")
        self.exe = exe
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="nongso-mqtt-"))
        os.chmod(self.dir, 0o755)
        self.password_file = password_file
        self.acl_file = acl_file
        self.extra_conf = extra_conf
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def _conf(self) -> Path:
        lines = [f"listener {self.port} 127.0.0.1", "persistence true",
                 f"persistence_location {self.dir}/", "log_dest stderr",
                 "log_type error", "log_type warning",
                 "max_queued_messages 0", "max_inflight_messages 0", "user root"]
        if self.password_file:
            lines += ["allow_anonymous false", f"password_file {self.password_file}"]
        else:
            lines += ["allow_anonymous true"]
        if self.acl_file:
            lines += [f"acl_file {self.acl_file}"]
        if self.extra_conf:
            lines += [self.extra_conf]
        conf = self.dir / "mosquitto.conf"
        conf.write_text("\n".join(lines) + "\n")
        return conf

    def start(self) -> Mosquitto:
        conf = self._conf()
        log = open(self.dir / "mosquitto.log", "ab")
        self._proc = subprocess.Popen([self.exe, "-c", str(conf)], stdout=log,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_port(self.port, 10)
        except TimeoutError:
            raise RuntimeError("mosquitto did not start:\n"
                               + (self.dir / "mosquitto.log").read_text(errors="replace")) from None
        return self

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        _stop_process(proc, signal.SIGTERM, timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
