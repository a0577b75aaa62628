"""``/api/v1/devices/{id}/config``: a device's own settings and the config it runs
(docs/protocol.md, "config"; published by :mod:`server.telemetry.config_push`)."""

from __future__ import annotations

from fastapi import APIRouter

from server.deps import CurrentUser, SessionDep
from server.models import Role
from server.models.device_config import DeviceConfigPublic, DeviceConfigUpdate
from server.telemetry.api import _device
from server.telemetry.config_push import config_view, update_config

__all__ = ["router"]

router = APIRouter(tags=["telemetry"])


@router.get("/devices/{device_id}/config", response_model=DeviceConfigPublic)
def get_config(device_id: int, who: CurrentUser, session: SessionDep) -> DeviceConfigPublic:
    """The config the device should run, its ``rev``, when it was published and the
    device's answer (``pending``, ``published``, ``applied`` or ``rejected``)."""
    return config_view(session, _device(session, who, device_id))


@router.put("/devices/{device_id}/config", response_model=DeviceConfigPublic)
def put_config(device_id: int, body: DeviceConfigUpdate, who: CurrentUser,
               session: SessionDep) -> DeviceConfigPublic:
    """Set the device's calibration and intervals (absent = protocol default); the
    controller service publishes the new config retained within seconds."""
    return update_config(session, _device(session, who, device_id, Role.coop_admin), body)
