"""Fixtures for the server: the test world (tests/support/world.py) on SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.world import PASSWORD, World, build_world, make_world

__all__ = ["PASSWORD", "World", "build_world", "make_world"]


@pytest.fixture
def world(sqlite_url: str, tmp_path: Path) -> Iterator[World]:
    yield from make_world(sqlite_url, tmp_path)


@pytest.fixture
def pg_world(pg_url: str, tmp_path: Path) -> Iterator[World]:
    yield from make_world(pg_url, tmp_path)
