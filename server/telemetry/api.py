"""JSON API routes of this package (mounted under /api/v1)."""

from fastapi import APIRouter

__all__ = ["router"]

router = APIRouter()
