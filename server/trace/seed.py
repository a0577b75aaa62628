"""This package's part of the demo world (idempotent)."""

from sqlalchemy.engine import Engine

__all__ = ["seed_demo"]


def seed_demo(engine: Engine) -> None:
    """Add this package's demo data if missing."""
