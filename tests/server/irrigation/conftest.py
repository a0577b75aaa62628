"""Irrigation fixtures: a migrated database with the two co-ops, devices and their state."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from server.db import make_engine
from server.migrate import upgrade
from server.models import Device, DeviceRole, DeviceStatus, Zone
from server.models.irrigation import ZoneIrrigation
from server.models.telemetry import DeviceAck, DeviceState
from tests.server.conftest import build_world


@dataclass
class Irr:
    engine: Engine
    ids: dict[str, dict[str, int]]
    devices: dict[str, int] = field(default_factory=dict)

    def add(self, uid: str, zone: str = "carrot", role: DeviceRole = DeviceRole.sensor) -> int:
        with Session(self.engine) as s:
            d = Device(uid=uid, zone_id=self.ids["zones"][zone], role=role,
                       status=DeviceStatus.active)
            s.add(d)
            s.commit()
            assert d.id is not None
            self.devices[uid] = d.id
            return d.id

    def state(self, uid: str, at: datetime, **values: Any) -> None:
        """Set the latest state of a device as the ingest worker would."""
        with Session(self.engine) as s:
            st = s.get(DeviceState, self.devices[uid]) or DeviceState(device_id=self.devices[uid])
            st.last_seen_at = at
            if "state" not in values and st.state is None:
                st.state = "online"
            for k, v in values.items():
                setattr(st, k, v)
                if k in ("m", "vs", "bat"):
                    setattr(st, f"{k}_at", at)
            s.add(st)
            s.commit()

    def ack(self, uid: str, cmd_id: int, res: str, at: datetime, **body: Any) -> None:
        with Session(self.engine) as s:
            s.add(DeviceAck(device_id=self.devices[uid], received_at=at, cmd_id=cmd_id, res=res,
                            body={"v": 1, "id": cmd_id, "res": res, **body}))
            s.commit()

    def settings(self, zone: str = "carrot", **values: Any) -> None:
        with Session(self.engine) as s:
            z = s.get(Zone, self.ids["zones"][zone])
            assert z is not None
            from server.irrigation.controller import ensure_settings

            row = ensure_settings(s, z)
            for k, v in values.items():
                setattr(row, k, v)
            s.commit()

    def get_settings(self, zone: str = "carrot") -> ZoneIrrigation:
        with Session(self.engine) as s:
            row = s.get(ZoneIrrigation, self.ids["zones"][zone])
            assert row is not None
            s.expunge(row)
            return row

    def rows(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.connect() as c:
            return list(c.execute(sa.text(sql), params).all())

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as c:
            return c.execute(sa.text(sql), params).scalar()


def make_irr(url: str) -> Iterator[Irr]:
    upgrade(url)
    engine = make_engine(url)
    try:
        yield Irr(engine, build_world(engine))
    finally:
        engine.dispose()


@pytest.fixture
def irr(sqlite_url: str) -> Iterator[Irr]:
    yield from make_irr(sqlite_url)


@pytest.fixture
def irr_pg(pg_url: str) -> Iterator[Irr]:
    yield from make_irr(pg_url)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)  # type: ignore[misc]
