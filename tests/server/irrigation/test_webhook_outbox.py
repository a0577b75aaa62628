"""Issue 15.1: slow alert webhooks no longer block the controller nor lock the database.

Three hooks point at a local server that takes 5 s to answer. While the webhook sender waits
on them, another co-op's "water now" reaches its valve (real Mosquitto, real ingest) within a
second, and an unrelated write to the same SQLite file goes through at once."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from server.irrigation.commands import water_now
from server.irrigation.controller import start_controller
from server.models import DeviceRole
from server.models.irrigation import AlertWebhook
from server.settings import Settings
from tests.server.irrigation.conftest import Irr, ScriptedValve, wait_for
from tests.support.services import Mosquitto


def test_slow_webhooks_do_not_block_valve_commands_or_lock_the_db(  # type: ignore[no-untyped-def]
        irr: Irr, mosquitto: Mosquitto, ingest, hook_server: Any) -> None:
    slow = hook_server(delay_s=5.0)  # takes 5 s to answer
    carrot, lychee = irr.ids["orgs"]["carrot"], irr.ids["zones"]["lychee"]
    irr.add("c-s1")
    irr.add("l-v1", zone="lychee", role=DeviceRole.valve)
    irr.settings(mode="off")
    irr.settings(zone="lychee", mode="off")
    with Session(irr.engine) as s:
        for _ in range(3):
            s.add(AlertWebhook(organisation_id=carrot, url=slow.url, secret="x" * 20))
        s.commit()
    ingest(irr.engine, mosquitto.url)
    valve = ScriptedValve(mosquitto.port, "l-v1").start()
    wait_for(lambda: irr.scalar("select state from device_states") == "online", what="online")
    settings = Settings(webhook_allow_private=True, webhook_timeout_s=10.0)
    ctl = start_controller(irr.engine, settings, mosquitto.url, interval_s=0.2, alerts_every_s=0)
    try:
        irr.state("c-s1", datetime.now(UTC), m=5.0)  # carrot: far too dry → an alert, 3 hooks
        wait_for(lambda: slow.got, 10, "the first webhook delivery under way")
        t0 = time.monotonic()
        with Session(irr.engine) as s:
            water_now(s, lychee, 5, None)
            s.commit()
        wait_for(lambda: valve.received, 5, "the lychee valve command")
        published_s = time.monotonic() - t0
        assert published_s < 1.0, published_s
        # an unrelated write while the sender waits on the slow hook: no "database is locked"
        db = irr.engine.url.database
        assert db is not None
        t1 = time.monotonic()
        with sqlite3.connect(db, timeout=1.0) as c:
            c.execute("UPDATE organisations SET name = name || ' ' WHERE id = ?", (carrot,))
        assert time.monotonic() - t1 < 1.0
        assert len(slow.got) == 1  # the sender was still on its first delivery
        assert irr.scalar("select count(*) from alert_webhook_deliveries") == 3
    finally:
        valve.stop()
        ctl.stop(timeout=1.0)
