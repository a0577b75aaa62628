"""Per-device configuration (issue 22): the device's own settings (calibration, intervals,
…), the config last published to it (retained ``nongso/v1/<id>/config``, docs/protocol.md
"config") and the device's answer to it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import ConfigDict, model_validator
from sqlmodel import Field, SQLModel

from server.models.common import created_at_field

__all__ = ["DeviceConfigBase", "DeviceConfig", "DeviceConfigUpdate", "DeviceConfigPublic"]


def _ts(**kw: Any) -> Any:
    return Field(sa_type=sa.DateTime(timezone=True), **kw)


class DeviceConfigBase(SQLModel):
    """A device's own settings; ``None`` = the protocol's default (or the zone's value)."""

    interval_s: int | None = Field(default=None, ge=10, le=86400)
    upload_every: int | None = Field(default=None, ge=1, le=96)
    samples: int | None = Field(default=None, ge=1, le=15)
    #: Probe raw count in dry air / in water (two-point calibration; dry − wet ≥ 100).
    cal_dry: int | None = Field(default=None, ge=1, le=65534)
    cal_wet: int | None = Field(default=None, ge=1, le=65534)
    #: Per-soil fit: VWC % = a × moisture % + b.
    vwc_a: float | None = Field(default=None, ge=-10, le=10)
    vwc_b: float | None = Field(default=None, ge=-100, le=100)
    grace_s: int | None = Field(default=None, ge=10, le=86400)
    rest_s: int | None = Field(default=None, ge=0, le=86400)
    fallback_s: int | None = Field(default=None, ge=0, le=604800)
    ppl: float | None = Field(default=None, ge=1, le=10000)


class DeviceConfig(DeviceConfigBase, table=True):
    __tablename__ = "device_configs"
    device_id: int = Field(primary_key=True, foreign_key="devices.id", ondelete="CASCADE",
                           sa_column_kwargs={"autoincrement": False})
    #: ``rev`` of the config last published (strictly increasing per device).
    rev: int = 0
    #: The exact payload last published (retained), and when.
    payload: str | None = Field(default=None, max_length=4096)
    published_at: datetime | None = _ts(default=None)
    #: The device's last config ack: its ``cfg`` (rev), ``applied``/``rejected``, reason.
    ack_rev: int | None = None
    ack_res: str | None = Field(default=None, max_length=16)
    ack_reason: str | None = Field(default=None, max_length=64)
    acked_at: datetime | None = _ts(default=None)
    updated_at: datetime = created_at_field()


class DeviceConfigUpdate(DeviceConfigBase):
    """``PUT /api/v1/devices/{id}/config``: the whole set (absent = default)."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    @model_validator(mode="after")
    def _pairs(self) -> DeviceConfigUpdate:
        if (self.cal_dry is None) != (self.cal_wet is None):
            raise ValueError("give both cal_dry and cal_wet, or neither")
        if self.cal_dry is not None and self.cal_wet is not None and \
                self.cal_dry - self.cal_wet < 100:
            raise ValueError("cal_dry must be at least 100 above cal_wet (the probe reads "
                             "lower when wet)")
        if (self.vwc_a is None) != (self.vwc_b is None):
            raise ValueError("give both vwc_a and vwc_b, or neither")
        if self.fallback_s is not None and 0 < self.fallback_s < 600:
            raise ValueError("fallback_s is 0 (never) or 600-604800")
        return self


class DeviceConfigPublic(DeviceConfigBase):
    device_id: int
    rev: int
    #: The config the device should run (what is or will be published).
    desired: dict[str, Any]
    published_at: datetime | None
    #: ``pending`` (not yet published), ``published`` (no answer yet), ``applied``,
    #: ``rejected`` (see ``ack_reason``).
    state: str
    ack_rev: int | None
    ack_reason: str | None
    acked_at: datetime | None
    #: ``rev`` the device reports running (its status ``cfg``).
    device_rev: int | None
