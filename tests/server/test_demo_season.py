"""``nongso demo``'s first start (issue 18.4): a season of history through the real path —
simulated fleet (real firmware logic) → embedded broker → ingest → database — so the
consumer page shows the lot's growing conditions from stored readings (Chromium), the
farmer's 7-day chart has data and the irrigation log has real waterings."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from tests.support.browser import launch_chromium
from tests.support.login import page_login
from tests.support.services import free_port


def _reader(proc: subprocess.Popen[str], lines: list[str]) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)


def _stored(db: Path, zone_name: str, harvest: datetime) -> tuple[int, float]:
    """Readings and mean moisture of the zone in the 120 days before harvest, read from
    the demo's database directly (what the consumer page must agree with)."""
    fmt = "%Y-%m-%d %H:%M:%S"
    a = (harvest - timedelta(days=120)).astimezone(UTC).strftime(fmt)
    b = harvest.astimezone(UTC).strftime(fmt)
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
        n, avg = c.execute("SELECT count(*), avg(m) FROM readings r JOIN zones z ON z.id = r.zone_id "
                           "WHERE z.name = ? AND r.time >= ? AND r.time < ?",
                           (zone_name, a, b)).fetchone()
    return int(n), float(avg or 0)


def test_first_start_fills_a_season_the_consumer_page_shows(tmp_path: Path) -> None:
    from server.trace.seed import last_harvest

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NONGSO_")}
    env.update(NONGSO_VAR_DIR=str(tmp_path / "var"), PYTHONUNBUFFERED="1")
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "server", "demo", "--port", str(port),
                             "--devices", "10", "--season-seconds", "10"], cwd=tmp_path,
                            env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines: list[str] = []
    threading.Thread(target=_reader, args=(proc, lines), daemon=True).start()
    try:
        while not "".join(lines).rstrip().endswith("]") or "Demo users" not in "".join(lines):
            assert proc.poll() is None, "".join(lines)
            assert time.monotonic() - t0 < 120, "".join(lines)
            time.sleep(0.2)
        startup = time.monotonic() - t0
        out = "".join(lines)
        assert "Dựng lại mùa vụ (mô phỏng)" in out and "100 %" in out
        stats = json.loads((tmp_path / "var" / "demo-season.json").read_text())
        assert stats["readings"] > 300
        db = tmp_path / "var" / "nongso.db"
        harvest = last_harvest("lychee", datetime.now(UTC).date())
        n, avg = _stored(db, "Khu 1 — vải sớm", harvest)
        assert n > 20
        stamp = next(u for u in re.findall(r"(http://127\.0\.0\.1:\d+/\S*)", out) if "/01/" in u)
        with launch_chromium() as browser:
            page = browser.new_page()
            page.goto(stamp)
            grown = page.locator("section.growing").inner_text()
        n_after, avg_after = _stored(db, "Khu 1 — vải sớm", harvest)
        m = re.search(r"(\d+) lần đo, độ ẩm đất trung bình (\d+(?:\.\d+)?) %", grown)
        assert m, grown
        # the page read the database between our two reads (the ingest may still be
        # writing the last of the backfill on a loaded machine)
        assert n <= int(m.group(1)) <= n_after
        assert min(avg, avg_after) - 0.06 <= float(m.group(2)) <= max(avg, avg_after) + 0.06
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
            runs = c.execute("SELECT count(*), sum(litres) FROM irrigation_log").fetchone()
            weather = c.execute("SELECT count(*) FROM readings r JOIN devices d ON "
                                "d.id = r.device_id WHERE d.role = 'weather'").fetchone()[0]
        assert weather > 20
        users = re.findall(r"^\s+(farmer)\s+(\S+)\s+(\S+)\s", out, re.M)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as c:
            page_login(c, users[0][1], users[0][2])
            farm = c.get("/farm").text
        assert "<polyline points=" in farm, "no 7-day chart at first sight"
        deadline = time.monotonic() + 10  # the controller logs the valves' own runs
        while runs[0] == 0 and time.monotonic() < deadline:
            time.sleep(0.5)
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
                runs = c.execute("SELECT count(*), sum(litres) FROM irrigation_log").fetchone()
        print(f"season backfill: {stats}, startup {startup:.1f} s, waterings {runs}")
        assert runs[0] >= 1 and runs[1] > 0
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert "Traceback" not in "".join(lines), "".join(lines)
