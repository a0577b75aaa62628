from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from server.settings import InsecureSettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_use_sqlite_in_var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for k in list(os.environ):
        if k.startswith("NONGSO_"):
            monkeypatch.delenv(k)
    monkeypatch.setenv("NONGSO_VAR_DIR", str(tmp_path / "var"))
    s = load_settings()
    assert s.sqlalchemy_url == f"sqlite:///{tmp_path / 'var' / 'nongso.db'}"
    assert s.mqtt_url == ""  # embedded broker
    assert s.mode == "development"


def test_env_prefix_and_postgres_driver(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NONGSO_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("NONGSO_DATABASE_URL", "postgresql://u:p@db:5432/nongso")
    monkeypatch.setenv("NONGSO_PUBLIC_BASE_URL", "https://tem.example.vn/")
    monkeypatch.setenv("NONGSO_MQTT_URL", "mqtt://broker:1883")
    s = load_settings()
    assert s.sqlalchemy_url == "postgresql+psycopg://u:p@db:5432/nongso"
    assert s.public_base_url == "https://tem.example.vn"
    assert s.mqtt_url == "mqtt://broker:1883"


def test_bad_public_base_url_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="http"):
        load_settings(var_dir=tmp_path, public_base_url="tem.example.vn")


def test_secret_generated_once_and_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NONGSO_SECRET_KEY", raising=False)
    a = load_settings(var_dir=tmp_path / "v")
    b = load_settings(var_dir=tmp_path / "v")
    assert len(a.secret_key) >= 32 and a.secret_key == b.secret_key
    f = tmp_path / "v" / "secret_key"
    assert f.stat().st_mode & 0o077 == 0, "secret file must be private"
    assert load_settings(var_dir=tmp_path / "other").secret_key != a.secret_key


@pytest.mark.parametrize("secret", ["", "change-me", "short-but-not-default"])
def test_production_refuses_default_or_weak_secret(tmp_path: Path, secret: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NONGSO_SECRET_KEY", raising=False)
    with pytest.raises(InsecureSettingsError):
        load_settings(var_dir=tmp_path, mode="production", secret_key=secret)
    assert not (tmp_path / "secret_key").exists(), "production never generates a secret"


def test_production_accepts_strong_secret(tmp_path: Path) -> None:
    s = load_settings(var_dir=tmp_path, mode="production", secret_key="x" * 8 + "Q7pL" * 8,
                      stamp_keys="1:" + "ab" * 32)
    assert s.mode == "production"
    assert "secret" not in repr(s).lower() or "Q7pL" not in repr(s)


def test_nothing_built_at_import_time(tmp_path: Path) -> None:
    """Importing the app, CLI and models creates no settings, engine or files."""
    code = ("import server.app, server.cli, server.models, server.demo, server.deps;"
            "import sqlalchemy.engine as e, gc;"
            "assert not [o for o in gc.get_objects() if isinstance(o, e.Engine)]")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NONGSO_")}
    env["PYTHONPATH"] = str(ROOT)
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert list(tmp_path.iterdir()) == [], "import wrote files"


def test_production_refuses_missing_stamp_keys(tmp_path: Path) -> None:
    with pytest.raises(InsecureSettingsError, match="NONGSO_STAMP_KEYS"):
        load_settings(var_dir=tmp_path, mode="production", secret_key="Q7pL" * 10, stamp_keys="")
    assert not (tmp_path / "stamp_keys").exists()


#: Places in ``server/`` that may touch the process environment, with the reason.
ENV_ALLOWED = {
    "server/settings.py": "the one settings class reads NONGSO_* (pydantic-settings)",
    "server/cli.py": "`serve` hands settings to its uvicorn worker processes through their "
                     "environment (trusted proxies, the metrics directory)",
}
ENV_READ = re.compile(r"os\.environ|getenv\s*\(|environ\.get\s*\(")


def test_every_setting_goes_through_settings() -> None:
    offenders = []
    for path in sorted((ROOT / "server").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel in ENV_ALLOWED:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if ENV_READ.search(line):
                offenders.append(f"{rel}:{n}: {line.strip()}")
    assert not offenders, "read settings through server.settings.Settings:\n" + "\n".join(offenders)


def test_metrics_and_ingest_settings_from_env(monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    monkeypatch.setenv("NONGSO_METRICS_TOKEN", "tok-123")
    monkeypatch.setenv("NONGSO_INGEST_METRICS_PORT", "9101")
    s = load_settings(var_dir=tmp_path)
    assert s.metrics_token == "tok-123" and "tok-123" not in repr(s)
    assert s.ingest_metrics_port == 9101
