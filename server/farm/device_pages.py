"""Devices from the pages (issue 21, ``/coop/devices``): each zone's devices with their last
message, battery, buffer, online state and missing readings; add a device to a zone (its
MQTT password shown once), make a claim QR for a board to be fitted later (the installer
scans it and picks the zone on ``/claim/{code}``), rotate or revoke a device's password.
The writes are :mod:`server.telemetry.credentials`' functions, as the API's are.
"""

from __future__ import annotations

import base64

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session, col, select

from server.deps import CurrentUser, Principal, SessionDep, SettingsDep, load_zone
from server.errors import NotFound
from server.farm.coop_pages import admin_orgs
from server.farm.dashboard import devices_with_health
from server.farm.views import zone_rows
from server.models import Device, DeviceRole, Role
from server.models.device_config import DeviceConfig
from server.telemetry import credentials as cred
from server.telemetry.api import claim_url, qr_png
from server.templating import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
ADMINS = (Role.coop_admin,)
ROLES_VI = {DeviceRole.sensor: "Cảm biến độ ẩm", DeviceRole.valve: "Van tưới",
            DeviceRole.weather: "Trạm thời tiết"}
STATUS_VI = {"online": "Đang kết nối", "asleep": "Đang ngủ (tiết kiệm pin)",
             "offline": "Mất kết nối", "never_seen": "Chưa từng gửi dữ liệu"}


def _page(request: Request, who: Principal, session: Session, shown: dict[str, object] | None = None,
          status: int = 200) -> HTMLResponse:
    orgs = admin_orgs(who)
    devices = devices_with_health(session, orgs)
    ids = [r["device"].id for r in devices]
    configs = {c.device_id: c for c in session.exec(  # one statement for every device
        select(DeviceConfig).where(col(DeviceConfig.device_id).in_(ids))).all()} if ids else {}
    return render(request, "coop_devices.html", {
        "who": who, "zones": zone_rows(session, orgs), "devices": devices, "configs": configs,
        "roles": ROLES_VI, "status_vi": STATUS_VI, "shown": shown,
        "orgs": orgs if orgs is not None else sorted(who.roles) or []}, status=status)


@router.get("/coop/devices", response_class=HTMLResponse)
def devices_page(request: Request, who: CurrentUser, session: SessionDep) -> HTMLResponse:
    return _page(request, who, session)


@router.post("/coop/zones/{zone_id}/devices", response_class=HTMLResponse)
def add_device(request: Request, zone_id: int, who: CurrentUser, session: SessionDep,
               role: DeviceRole = Form()) -> HTMLResponse:
    zone, _ = load_zone(session, who, zone_id, *ADMINS)
    device, password = cred.add_device(session, zone, role, None)
    return _page(request, who, session, {"device": device, "password": password}, 201)


@router.post("/coop/devices/claims", response_class=HTMLResponse)
def make_claim(request: Request, who: CurrentUser, session: SessionDep, settings: SettingsDep,
               org_id: int = Form(), role: DeviceRole = Form()) -> HTMLResponse:
    who.require(org_id, *ADMINS)
    made = cred.make_claims(session, org_id, role, 1)[0]
    url = claim_url(settings.public_base_url, made.code)
    return _page(request, who, session, {
        "claim": made, "claim_url": url, "password": made.password,
        "qr": "data:image/png;base64," + base64.b64encode(qr_png(url)).decode()}, 201)


def _device(session: Session, who: Principal, device_id: int) -> Device:
    device = session.get(Device, device_id)
    if device is None:
        raise NotFound("Không có thiết bị này.")
    load_zone(session, who, device.zone_id, *ADMINS)
    return device


@router.post("/coop/devices/{device_id}/rotate", response_class=HTMLResponse)
def rotate(request: Request, device_id: int, who: CurrentUser,
           session: SessionDep) -> HTMLResponse:
    device = _device(session, who, device_id)
    password = cred.rotate_password(session, device)
    return _page(request, who, session, {"device": device, "password": password})


@router.post("/coop/devices/{device_id}/revoke", response_class=HTMLResponse)
def revoke(request: Request, device_id: int, who: CurrentUser,
           session: SessionDep) -> HTMLResponse:
    cred.revoke_device(session, _device(session, who, device_id))
    return _page(request, who, session)
