"""The short soak: fleet → Mosquitto → ``nongso ingest`` → PostgreSQL under faults; nothing lost."""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.soak import run_soak  # noqa: E402


def test_short_soak_loses_nothing_and_stores_nothing_twice() -> None:
    lines: list[str] = []
    res = run_soak(seconds=45, nodes=6, speed=200, workers=2, out=lines.append)
    report = "\n".join(lines)
    assert res.events["broker_restarts"] >= 1 and res.events["worker_kills"] >= 1, report
    assert res.events["pg_restarts"] >= 1 and res.events["wifi_cuts"] >= 1, report
    assert res.taken > 300, report  # the fleet really worked through the faults
    assert res.lost == 0, report
    assert res.duplicates == 0, report
    # everything the devices had acknowledged was stored; nothing invented
    assert res.stored >= res.acknowledged - res.dropped, report
    assert res.stored <= res.taken, report
    assert re.fullmatch(r"soak: taken=\d+ stored=\d+ lost=0 duplicates=0", lines[-1]), report
    assert lines[-1] == res.line()
