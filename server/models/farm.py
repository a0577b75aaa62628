"""Farms, irrigation zones and the devices in them."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from pydantic import field_validator
from sqlmodel import Field, SQLModel

from server.models.common import (
    COMMUNE_PATTERN,
    PROVINCE_PATTERN,
    check_province,
    clean_optional_name,
    created_at_field,
)

__all__ = [
    "FarmBase", "FarmCreate", "FarmUpdate", "FarmPublic", "Farm", "ZoneBase", "ZoneCreate",
    "ZoneUpdate", "ZonePublic", "Zone", "DeviceRole", "DeviceStatus", "Device",
]


class FarmBase(SQLModel):
    name: str = Field(min_length=2, max_length=200)
    province_code: str = Field(schema_extra={"pattern": PROVINCE_PATTERN}, max_length=2)
    commune_code: str = Field(schema_extra={"pattern": COMMUNE_PATTERN}, max_length=5)
    address_detail: str | None = Field(default=None, max_length=300)
    legacy_address: str | None = Field(default=None, max_length=300)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)

    _names = field_validator("name", "address_detail", "legacy_address")(clean_optional_name)
    _province = field_validator("province_code")(check_province)


class FarmCreate(FarmBase):
    organisation_id: int


class FarmUpdate(SQLModel):
    name: str | None = Field(default=None, min_length=2, max_length=200)
    province_code: str | None = Field(default=None, schema_extra={"pattern": PROVINCE_PATTERN}, max_length=2)
    commune_code: str | None = Field(default=None, schema_extra={"pattern": COMMUNE_PATTERN}, max_length=5)
    address_detail: str | None = Field(default=None, max_length=300)
    legacy_address: str | None = Field(default=None, max_length=300)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)

    _names = field_validator("name", "address_detail", "legacy_address")(clean_optional_name)
    _province = field_validator("province_code")(check_province)


class Farm(FarmBase, table=True):
    __tablename__ = "farms"
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    created_at: datetime = created_at_field()


class FarmPublic(FarmBase):
    id: int
    organisation_id: int


class ZoneBase(SQLModel):
    name: str = Field(min_length=1, max_length=120)
    #: Crop profile key, e.g. ``lychee`` or ``carrot``.
    crop: str = Field(min_length=2, max_length=40, schema_extra={"pattern": r"^[a-z][a-z0-9_]*$"})
    area_m2: float = Field(gt=0, le=10_000_000)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    #: Variety key of the crop's calendar (``server/irrigation/profiles.py``), e.g.
    #: ``chinh_vu`` / ``som`` for lychee; empty = the crop's default variety.
    variety: str | None = Field(default=None, max_length=40,
                                schema_extra={"pattern": r"^[a-z][a-z0-9_]*$"})
    #: The season's anchor date: sowing date (carrot) or this season's expected harvest
    #: start (lychee); None = the variety's usual date.
    season_date: date | None = None
    #: Drip emitters in the zone and the rated flow of one (L/h): the zone's flow estimate.
    emitters: int | None = Field(default=None, ge=1, le=1_000_000)
    emitter_lph: float | None = Field(default=None, gt=0, le=1000)
    #: Line flow measured by the flow meter (L/min); replaces the emitter estimate.
    measured_lpm: float | None = Field(default=None, gt=0, le=10_000)

    _names = field_validator("name")(clean_optional_name)


class ZoneCreate(ZoneBase):
    farm_id: int


class ZoneUpdate(SQLModel):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    crop: str | None = Field(default=None, min_length=2, max_length=40,
                             schema_extra={"pattern": r"^[a-z][a-z0-9_]*$"})
    area_m2: float | None = Field(default=None, gt=0, le=10_000_000)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    variety: str | None = Field(default=None, max_length=40,
                                schema_extra={"pattern": r"^[a-z][a-z0-9_]*$"})
    season_date: date | None = None
    emitters: int | None = Field(default=None, ge=1, le=1_000_000)
    emitter_lph: float | None = Field(default=None, gt=0, le=1000)
    measured_lpm: float | None = Field(default=None, gt=0, le=10_000)

    _names = field_validator("name")(clean_optional_name)


class Zone(ZoneBase, table=True):
    __tablename__ = "zones"
    id: int | None = Field(default=None, primary_key=True)
    farm_id: int = Field(foreign_key="farms.id", index=True, ondelete="CASCADE")
    created_at: datetime = created_at_field()


class ZonePublic(ZoneBase):
    id: int
    farm_id: int


class DeviceRole(str, enum.Enum):
    sensor = "sensor"
    valve = "valve"
    #: Air temperature/humidity, tipping-bucket rain (issue 18).
    weather = "weather"


class DeviceStatus(str, enum.Enum):
    pending = "pending"  # registered, never connected
    active = "active"
    revoked = "revoked"


class Device(SQLModel, table=True):
    __tablename__ = "devices"
    id: int | None = Field(default=None, primary_key=True)
    #: MQTT client id and topic segment: ``nongso/v1/<uid>/...``.
    uid: str = Field(max_length=64, sa_column_kwargs={"unique": True}, index=True)
    zone_id: int = Field(foreign_key="zones.id", index=True, ondelete="CASCADE")
    role: DeviceRole = Field(sa_type=sa.Enum(DeviceRole, native_enum=False, length=16))
    status: DeviceStatus = Field(
        default=DeviceStatus.pending, sa_type=sa.Enum(DeviceStatus, native_enum=False, length=16)
    )
    #: Hash of the MQTT password (shown once at registration).
    mqtt_password_hash: str | None = Field(default=None, max_length=255)
    firmware_version: str | None = Field(default=None, max_length=40)
    last_seen_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    created_at: datetime = created_at_field()
