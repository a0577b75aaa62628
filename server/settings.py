"""One settings class for the whole server (env prefix ``NONGSO_``).

Nothing is built at import time: call :func:`load_settings` once at start-up
(the CLI and the app factory do) and pass the object on.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "load_settings", "InsecureSettingsError", "DEFAULT_SECRET_MARKERS"]

log = logging.getLogger(__name__)

#: Secret values that must never be accepted in production.
DEFAULT_SECRET_MARKERS = frozenset({"", "change-me", "changeme", "secret", "dev", "nongso"})


class InsecureSettingsError(RuntimeError):
    """Raised when production mode would run with a default or missing secret."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NONGSO_", extra="ignore")

    #: ``development`` generates missing secrets into ``var_dir``; ``production`` refuses to.
    mode: Literal["development", "production"] = "development"
    #: Where generated secrets and the demo database live. Never committed.
    var_dir: Path = Path("./var")
    #: SQLAlchemy URL. Default: SQLite file ``<var_dir>/nongso.db``.
    database_url: str = ""
    #: ``mqtt://user:pass@host:port``. Empty: the embedded broker (demo).
    mqtt_url: str = ""
    #: The public origin printed in QR stamps (GS1 Digital Link base).
    public_base_url: str = "http://localhost:8000"
    #: Key for session tokens. Empty: generated on first run into ``var_dir``.
    secret_key: str = Field(default="", repr=False)
    #: Stamp-serial MAC keys, ``ID:HEX,ID:HEX`` (first = current). Empty: generated on first
    #: run into ``var_dir`` (development only).
    stamp_keys: str = Field(default="", repr=False)
    #: Lifetime of a login, seconds.
    session_ttl_s: int = 12 * 3600
    #: Set the Secure flag on cookies (behind HTTPS). Also set when ``public_base_url`` is
    #: https or a trusted proxy says ``X-Forwarded-Proto: https``.
    cookie_secure: bool = False
    #: Reverse proxies whose ``X-Forwarded-For``/``-Proto`` are believed: comma-separated
    #: networks, e.g. ``127.0.0.1/32,10.0.0.0/8``. Empty: none (the peer is the client).
    trusted_proxies: str = ""
    #: set by ``serve --workers N`` for its worker processes: each writes its counters
    #: there and ``/metrics`` sums them (server/metrics.py ``MultiProcess``)
    metrics_dir: str = ""
    #: systemd's ``LoadCredential=`` directory of the running service (not NONGSO_-prefixed:
    #: systemd names it); the broker service password is read from there first
    credentials_directory: str = Field(default="", validation_alias="CREDENTIALS_DIRECTORY")
    #: Alert webhooks: at most this many per organisation.
    webhook_max_per_org: int = Field(default=5, ge=1, le=100)
    #: Alert webhooks: seconds allowed to connect and for each read of one delivery.
    webhook_timeout_s: float = Field(default=3.0, gt=0, le=30)
    #: Alert webhooks: tries per delivery before it is marked failed; the wait between tries
    #: doubles from ``webhook_backoff_s`` (at most one hour).
    webhook_max_attempts: int = Field(default=6, ge=1, le=20)
    webhook_backoff_s: float = Field(default=30.0, gt=0, le=3600)
    #: Alert webhooks may target loopback/private addresses (tests only; never in production).
    webhook_allow_private: bool = False
    #: Bearer token that may read ``/metrics`` (besides a platform admin). Empty: admins only.
    metrics_token: str = Field(default="", repr=False)
    #: ``nongso ingest``: serve this worker's metrics at ``127.0.0.1:<port>/metrics``. 0: off.
    ingest_metrics_port: int = Field(default=0, ge=0, le=65535)
    #: Request bodies (``server/body_limit.py``): bytes allowed on any route; on the upload
    #: routes (product photo, certificate, OCOP dossier document, EPCIS capture); and on any
    #: route for a request without a correctly signed session token (header or cookie).
    body_limit_bytes: int = Field(default=1024 * 1024, ge=1024)
    upload_body_limit_bytes: int = Field(default=14 * 1024 * 1024, ge=1024)
    anonymous_body_limit_bytes: int = Field(default=64 * 1024, ge=1024)
    #: Product photos decoded at once (each may need ~100 MB); other uploads wait this many
    #: seconds for a turn, then get 503 with ``Retry-After``.
    image_decode_slots: int = Field(default=2, ge=1, le=16)
    image_decode_wait_s: float = Field(default=10.0, ge=0, le=120)
    #: OCOP reminders by e-mail (server/ocop_workflow/mailer.py): ``smtp://user:pass@host:587``
    #: (STARTTLS when the server offers it) or ``smtps://user:pass@host:465``. Empty: off.
    smtp_url: str = Field(default="", repr=False)
    #: The From address of those e-mails (required when ``smtp_url`` is set).
    smtp_from: str = ""
    #: Seconds allowed to connect to the SMTP server and for each reply.
    smtp_timeout_s: float = Field(default=10.0, gt=0, le=120)

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, v: str) -> str:
        for part in filter(None, (p.strip() for p in v.split(","))):
            try:
                ipaddress.ip_network(part, strict=False)
            except ValueError:
                raise ValueError(f"NONGSO_TRUSTED_PROXIES: {part!r} is not a network") from None
        return v

    @property
    def trusted_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        return [ipaddress.ip_network(p.strip(), strict=False)
                for p in self.trusted_proxies.split(",") if p.strip()]

    @field_validator("public_base_url")
    @classmethod
    def _strip_slash(cls, v: str) -> str:
        v = v.strip().rstrip("/")
        if not (v.startswith("http://") or v.startswith("https://")):
            raise ValueError("NONGSO_PUBLIC_BASE_URL must start with http:// or https://")
        return v

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            url = self.database_url
            # psycopg 3 is the only PostgreSQL driver we ship.
            if url.startswith("postgresql://") or url.startswith("postgres://"):
                url = "postgresql+psycopg://" + url.split("://", 1)[1]
            return url
        return f"sqlite:///{(self.var_dir / 'nongso.db').as_posix()}"

    @property
    def is_sqlite(self) -> bool:
        return self.sqlalchemy_url.startswith("sqlite")


def _secret_file(var_dir: Path, name: str) -> str:
    """Read ``var_dir/name``; create it with a fresh random secret on first run."""
    path = var_dir / name
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(value + "\n")
    log.info("generated a new secret in %s", path)
    return value


def load_settings(**overrides: object) -> Settings:
    """Build the settings from the environment (and ``overrides``), resolving secrets.

    In production a missing or default secret is an error; in development a missing
    one is generated into ``var_dir`` and reused on later runs.
    """
    settings = Settings(**overrides)  # type: ignore[arg-type]
    key = settings.secret_key
    if settings.mode == "production":
        if key.strip().lower() in DEFAULT_SECRET_MARKERS or len(key) < 32:
            raise InsecureSettingsError(
                "refusing to start in production mode: set NONGSO_SECRET_KEY to a random "
                "value of at least 32 characters (e.g. `python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'`)"
            )
        if not settings.stamp_keys:
            raise InsecureSettingsError(
                "refusing to start in production mode: set NONGSO_STAMP_KEYS (stamp serial "
                "MAC keys, `nongso stamps new-key` prints one)")
    else:
        if not key:
            settings.secret_key = _secret_file(settings.var_dir, "secret_key")
        if not settings.stamp_keys:
            settings.stamp_keys = _stamp_keys_file(settings.var_dir)
    return settings


def _stamp_keys_file(var_dir: Path) -> str:
    """Read or create ``var_dir/stamp_keys`` (one key, id 1) in keyring spec form."""
    path = var_dir / "stamp_keys"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    spec = "1:" + secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(spec + "\n")
    log.info("generated stamp keys in %s", path)
    return spec
