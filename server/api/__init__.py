"""The JSON API under ``/api/v1``."""

from fastapi import APIRouter

from server.api import auth, farms, invitations, organisations, zones
from server.irrigation import api as irrigation_api
from server.ocop_workflow import api as ocop_api
from server.stamps import api as stamps_api
from server.telemetry import api as telemetry_api
from server.telemetry import config_api as telemetry_config_api
from server.trace import api as trace_api

__all__ = ["api_router"]

api_router = APIRouter(prefix="/api/v1")
api_router.include_router(auth.router)
api_router.include_router(organisations.router)
api_router.include_router(invitations.router)
api_router.include_router(farms.router)
api_router.include_router(zones.router)
api_router.include_router(telemetry_api.router)
api_router.include_router(telemetry_config_api.router)
api_router.include_router(trace_api.router)
api_router.include_router(ocop_api.router)
api_router.include_router(stamps_api.router)
api_router.include_router(irrigation_api.router)
