"""The JSON API under ``/api/v1``."""

from fastapi import APIRouter

from server.api import auth, farms, organisations, zones

__all__ = ["api_router"]

api_router = APIRouter(prefix="/api/v1")
api_router.include_router(auth.router)
api_router.include_router(organisations.router)
api_router.include_router(farms.router)
api_router.include_router(zones.router)
