"""The house rules that tools check: ruff (config in pyproject.toml) on the whole tree, and
mypy --strict on the libraries and the server (migrations exempt, see pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)


def test_ruff_is_clean() -> None:
    r = _run("ruff", "check", "--no-cache", ".")
    assert r.returncode == 0, r.stdout + r.stderr


def test_mypy_strict_on_qr_ocop_and_server() -> None:
    r = _run("mypy", "--strict", "--no-incremental", "qr", "ocop", "server")
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-2000:]
