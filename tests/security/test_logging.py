"""Structured logs: JSON lines when stderr is not a terminal; secrets never logged."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from server.logging_setup import JsonFormatter, redact, setup_logging

ROOT = Path(__file__).resolve().parents[2]


def test_json_lines_with_fields_and_redaction() -> None:
    buf = io.StringIO()
    handler = setup_logging(logging.INFO, stream=buf)
    try:
        log = logging.getLogger("nongso.test")
        log.info("connecting to mqtt://nongso-ingest:hunter2pass@broker:1883 as %s", "w1",
                 extra={"device": "th-01", "batch": 12})
        try:
            raise ValueError("password=hunter2pass rejected")
        except ValueError:
            log.exception("boom")
    finally:
        logging.getLogger().removeHandler(handler)
    lines = [json.loads(x) for x in buf.getvalue().splitlines()]
    assert lines[0]["level"] == "info" and lines[0]["logger"] == "nongso.test"
    assert lines[0]["device"] == "th-01" and lines[0]["batch"] == 12
    assert "nongso-ingest:***@broker" in lines[0]["msg"]
    assert "hunter2pass" not in buf.getvalue()
    assert "ValueError" in lines[1]["exc"]


def test_redact_keeps_ordinary_text() -> None:
    assert redact("Tưới khu 3 trong 15 phút") == "Tưới khu 3 trong 15 phút"
    assert redact("postgresql://nongso:pw@db/nongso") == "postgresql://nongso:***@db/nongso"
    assert redact("token=abc123 ok") == "token=*** ok"
    assert isinstance(JsonFormatter().format(logging.makeLogRecord({"msg": "x"})), str)


def test_cli_logs_json_when_not_a_terminal(tmp_path: Path) -> None:
    env = dict(os.environ, NONGSO_VAR_DIR=str(tmp_path / "var"),
               NONGSO_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite'}")
    r = subprocess.run([sys.executable, "-m", "server", "db", "upgrade"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    records = [json.loads(line) for line in r.stderr.splitlines() if line.startswith("{")]
    assert records, r.stderr
    assert all({"ts", "level", "logger", "msg"} <= set(x) for x in records)
