"""JSON API of the telemetry package (mounted under /api/v1).

Devices: register (password shown once), rotate, revoke, list with health. Claim codes for
boards made ahead, and the claim itself. Readings: downsampled series per zone or device,
CSV export, latest state per zone, sequence gaps. Dead letters (platform admins).
"""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from server.deps import CurrentUser, Principal, SessionDep, SettingsDep, load_zone
from server.errors import Forbidden, NotFound
from server.models import Device, DeviceRole, Farm, Role, Zone
from server.models.telemetry import DeadLetter, DeviceState
from server.telemetry import credentials as cred
from server.telemetry import queries

__all__ = ["router", "claim_url", "qr_png"]

router = APIRouter(tags=["telemetry"])
ADMINS = (Role.coop_admin,)


class DeviceCreate(BaseModel):
    role: DeviceRole
    uid: str | None = Field(default=None, max_length=64)


class DeviceOut(BaseModel):
    id: int
    uid: str
    zone_id: int
    role: DeviceRole
    status: str
    firmware_version: str | None
    health: dict[str, Any]


class DeviceCredentials(BaseModel):
    device: DeviceOut
    mqtt_username: str
    mqtt_password: str = Field(description="Shown only in this response; stored hashed.")
    topic_prefix: str


class ClaimCreate(BaseModel):
    role: DeviceRole
    count: int = Field(default=1, ge=1, le=100)


class ClaimBody(BaseModel):
    code: str = Field(min_length=8, max_length=40)
    zone_id: int


def claim_url(base: str, code: str) -> str:
    return f"{base}/claim/{code}"


def qr_png(text: str) -> bytes:
    import qrcode

    img = qrcode.make(text, error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8,
                      border=4)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def _out(session: Session, d: Device) -> DeviceOut:
    assert d.id is not None
    state = session.get(DeviceState, d.id)
    return DeviceOut(id=d.id, uid=d.uid, zone_id=d.zone_id, role=d.role, status=d.status.value,
                     firmware_version=d.firmware_version, health=queries.device_health(d, state))


def _device(session: Session, who: Principal, device_id: int, *roles: Role) -> Device:
    d = session.get(Device, device_id)
    if d is None:
        raise NotFound(f"Device {device_id} does not exist.")
    load_zone(session, who, d.zone_id, *roles)
    return d


def _creds(session: Session, d: Device, password: str) -> DeviceCredentials:
    return DeviceCredentials(device=_out(session, d), mqtt_username=d.uid,
                             mqtt_password=password, topic_prefix=f"nongso/v1/{d.uid}/")


@router.post("/zones/{zone_id}/devices", response_model=DeviceCredentials, status_code=201)
def add_device(zone_id: int, body: DeviceCreate, who: CurrentUser,
               session: SessionDep) -> DeviceCredentials:
    zone, _ = load_zone(session, who, zone_id, *ADMINS)
    device, password = cred.add_device(session, zone, body.role, body.uid)
    return _creds(session, device, password)


@router.get("/zones/{zone_id}/devices", response_model=list[DeviceOut])
def list_devices(zone_id: int, who: CurrentUser, session: SessionDep) -> list[DeviceOut]:
    load_zone(session, who, zone_id)
    rows = session.exec(select(Device).where(Device.zone_id == zone_id).order_by(col(Device.id))).all()
    return [_out(session, d) for d in rows]


@router.get("/devices/{device_id}", response_model=DeviceOut)
def get_device(device_id: int, who: CurrentUser, session: SessionDep) -> DeviceOut:
    return _out(session, _device(session, who, device_id))


@router.post("/devices/{device_id}/rotate", response_model=DeviceCredentials)
def rotate(device_id: int, who: CurrentUser, session: SessionDep) -> DeviceCredentials:
    d = _device(session, who, device_id, *ADMINS)
    return _creds(session, d, cred.rotate_password(session, d))


@router.post("/devices/{device_id}/revoke", response_model=DeviceOut)
def revoke(device_id: int, who: CurrentUser, session: SessionDep) -> DeviceOut:
    d = _device(session, who, device_id, *ADMINS)
    cred.revoke_device(session, d)
    return _out(session, d)


@router.get("/devices/{device_id}/gaps")
def gaps(device_id: int, who: CurrentUser, session: SessionDep) -> dict[str, Any]:
    d = _device(session, who, device_id)
    assert d.id is not None
    return {"device_id": d.id, "gaps": queries.sequence_gaps(session, d.id)}


@router.post("/organisations/{org_id}/device-claims", status_code=201)
def create_claims(org_id: int, body: ClaimCreate, who: CurrentUser, session: SessionDep,
                  settings: SettingsDep) -> list[dict[str, Any]]:
    """Boards made ahead: flash uid and password; stick the QR (claim URL) on the box."""
    who.require(org_id, *ADMINS)
    out = []
    for c in cred.make_claims(session, org_id, body.role, body.count):
        url = claim_url(settings.public_base_url, c.code)
        out.append({"uid": c.claim.uid, "role": c.claim.role, "claim_code": c.code,
                    "claim_url": url, "mqtt_username": c.claim.uid, "mqtt_password": c.password,
                    "qr_png_base64": base64.b64encode(qr_png(url)).decode()})
    return out


@router.post("/device-claims/claim", response_model=DeviceOut, status_code=201)
def claim(body: ClaimBody, who: CurrentUser, session: SessionDep) -> DeviceOut:
    """Attach a claimed board to a zone of the claim's organisation (farmers may)."""
    c = cred.find_claim(session, body.code)
    zone, farm = load_zone(session, who, body.zone_id)
    if farm.organisation_id != c.organisation_id:
        raise Forbidden("This board belongs to another organisation.")
    return _out(session, cred.claim_device(session, c, zone))


# ---- readings ----------------------------------------------------------------------------

def _range(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    end = end or datetime.now(UTC)
    return (start or end - timedelta(days=1)), end


From = Annotated[datetime | None, Query(alias="from")]
To = Annotated[datetime | None, Query(alias="to")]
Bucket = Annotated[str, Query(max_length=12)]
Metric = Annotated[str, Query(max_length=8)]


@router.get("/zones/{zone_id}/readings")
def zone_readings(zone_id: int, who: CurrentUser, session: SessionDep, start: From = None,
                  end: To = None, bucket: Bucket = "1h", metric: Metric = "m") -> dict[str, Any]:
    load_zone(session, who, zone_id)
    lo, hi = _range(start, end)
    return queries.series(session, start=lo, end=hi, bucket_s=queries.parse_bucket(bucket),
                          metric=metric, zone_id=zone_id)


@router.get("/devices/{device_id}/readings")
def device_readings(device_id: int, who: CurrentUser, session: SessionDep, start: From = None,
                    end: To = None, bucket: Bucket = "1h", metric: Metric = "m") -> dict[str, Any]:
    d = _device(session, who, device_id)
    lo, hi = _range(start, end)
    return queries.series(session, start=lo, end=hi, bucket_s=queries.parse_bucket(bucket),
                          metric=metric, device_id=d.id)


def _csv(session: Session, name: str, lo: datetime, hi: datetime, **key: Any) -> StreamingResponse:
    if hi <= lo:
        from server.errors import Invalid

        raise Invalid("'to' must be after 'from'.")
    lines = queries.export_csv(session, start=lo, end=hi, **key)
    return StreamingResponse(lines, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/zones/{zone_id}/readings.csv")
def zone_csv(zone_id: int, who: CurrentUser, session: SessionDep, start: From = None,
             end: To = None) -> StreamingResponse:
    load_zone(session, who, zone_id)
    lo, hi = _range(start, end)
    return _csv(session, f"zone-{zone_id}.csv", lo, hi, zone_id=zone_id)


@router.get("/devices/{device_id}/readings.csv")
def device_csv(device_id: int, who: CurrentUser, session: SessionDep, start: From = None,
               end: To = None) -> StreamingResponse:
    d = _device(session, who, device_id)
    lo, hi = _range(start, end)
    return _csv(session, f"{d.uid}.csv", lo, hi, device_id=d.id)


@router.get("/zones/{zone_id}/latest")
def zone_latest(zone_id: int, who: CurrentUser, session: SessionDep) -> dict[str, Any]:
    load_zone(session, who, zone_id)
    rows = session.exec(select(Device).where(Device.zone_id == zone_id).order_by(col(Device.id))).all()
    devices = [_out(session, d).model_dump() for d in rows]
    moist = [d["health"] for d in devices if d["health"]["moisture_at"] is not None]
    latest = max(moist, key=lambda h: h["moisture_at"]) if moist else None
    return {"zone_id": zone_id, "devices": devices,
            "moisture_pct": latest["moisture_pct"] if latest else None,
            "moisture_at": latest["moisture_at"] if latest else None}


@router.get("/dead-letters")
def dead_letters(who: CurrentUser, session: SessionDep,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict[str, Any]]:
    who.require_admin()
    rows = session.exec(select(DeadLetter).order_by(col(DeadLetter.id).desc()).limit(limit)).all()
    return [{"id": r.id, "received_at": r.received_at, "topic": r.topic, "device": r.device_uid,
             "reason": r.reason, "detail": r.detail, "size": r.size,
             "payload_head": r.payload[:200].decode("utf-8", "replace")} for r in rows]


def zones_of(session: Session, org_id: int) -> list[Zone]:
    """Zones of an organisation (the claim page offers these)."""
    return list(session.exec(select(Zone).join(Farm, col(Farm.id) == Zone.farm_id)
                             .where(Farm.organisation_id == org_id).order_by(col(Zone.id))).all())
