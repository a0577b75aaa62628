"""Response models of the traceability API routes that answer with more than a table row:
recorded events, transformations, timelines, lineage, EPCIS documents and captures, the
zone irrigation summary and a lot's diary (so that ``/docs`` shows them).

The routes build plain dicts; these models forbid extra keys (an EPCIS document excepted:
it carries whatever the GS1 standard allows), so a key added without its model fails the
tests. Routes whose dicts leave optional keys out use ``response_model_exclude_unset``,
which keeps their JSON exactly as before.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import SQLModel

__all__ = ["EventRecorded", "TransformResult", "TimelineItem", "LotLineage", "EpcisBody",
           "EpcisDocument", "CaptureSummary", "IrrigationSummary", "DiaryItem", "LotDiary"]


class _View(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]


class EventRecorded(_View):
    #: The EPCIS ``eventID`` (hash ID).
    event_id: str
    type: str
    biz_step: str | None
    #: The lot now carries a stamp-block flag (e.g. harvest inside a pre-harvest interval).
    blocked: bool


class TransformResult(_View):
    event_id: str
    #: Ids of the output lots (new ones created by the transformation included).
    outputs: list[int]


class TimelineItem(_View):
    event_id: str
    type: str
    biz_step: str | None
    label_vi: str
    #: Event time with its recorded offset (ISO 8601).
    time: str
    read_point: str | None
    disposition: str | None
    lot_ids: list[int]
    #: EPCIS ``sensorReport`` entries as recorded.
    sensors: list[dict[str, Any]]


class LotLineage(_View):
    lot_id: int
    parents: list[int]
    children: list[int]
    #: ``{lot id: steps back}``
    ancestors: dict[int, int]
    #: ``{lot id: steps forward}``
    descendants: dict[int, int]


class EpcisBody(BaseModel):
    model_config = ConfigDict(extra="allow")
    event_list: list[dict[str, Any]] = Field(alias="eventList")


class EpcisDocument(BaseModel):
    """An EPCIS 2.0 ``EPCISDocument`` (validated against the GS1 JSON schema on export)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    context: list[Any] = Field(alias="@context")
    type: str
    schema_version: str = Field(alias="schemaVersion")
    creation_date: str = Field(alias="creationDate")
    id: str | None = None
    epcis_body: EpcisBody = Field(alias="epcisBody")


class CaptureSummary(_View):
    received: int
    stored: int
    duplicates: int
    event_ids: list[str]
    linked_lots: list[int]


class IrrigationSummary(_View):
    """Soil moisture and watering of a zone over a period (``available`` false: no data)."""

    available: bool
    zone_id: int | None
    readings: int
    reason: str | None = None
    first: datetime | None = None
    last: datetime | None = None
    moisture_avg: float | None = None
    moisture_min: float | None = None
    moisture_max: float | None = None
    valve_open_share: float | None = None
    in_band_pct: int | None = None
    #: The zone's healthy moisture band (too dry, too wet), in %.
    band: tuple[float, float] | None = None


class DiaryItem(_View):
    date: str
    product: str
    active_ingredient: str | None
    dose: float | None
    dose_unit: str | None
    phi_days: int | None = None
    #: Where the interval comes from: "nhật ký" (the diary) or the registered label.
    phi_source: str | None = None
    days_before_harvest: float | None = None
    #: None when no interval is known (shown as "không ghi nhận thời gian cách ly").
    phi_respected: bool | None = None


class LotDiary(_View):
    """What a consumer page shows of a lot's farm diary before its harvest."""

    lot_id: int
    zone_id: int | None
    sprayings: list[DiaryItem]
    fertilisings: list[DiaryItem]
    irrigation: IrrigationSummary
