"""Lot lineage through splits, merges and grading, both directions, to any depth.

Edges live in ``trace_lot_links`` (parent lot → child lot, written by each transformation).
One recursive CTE walks them; it runs unchanged on SQLite and PostgreSQL. ``UNION`` (not
``UNION ALL``) drops repeats, so even a malformed cycle terminates.
"""

from __future__ import annotations

from typing import Literal

import sqlalchemy as sa
from sqlmodel import Session

__all__ = ["ancestors", "descendants", "parents", "children", "lineage"]

_WALK = {
    "up": sa.text(
        "WITH RECURSIVE walk(lot_id, depth) AS ("
        " SELECT parent_id, 1 FROM trace_lot_links WHERE child_id = :lot"
        " UNION"
        " SELECT l.parent_id, w.depth + 1 FROM trace_lot_links l"
        " JOIN walk w ON l.child_id = w.lot_id WHERE w.depth < :max_depth"
        ") SELECT lot_id, MIN(depth) FROM walk WHERE lot_id <> :lot"
        " GROUP BY lot_id ORDER BY MIN(depth), lot_id"),
    "down": sa.text(
        "WITH RECURSIVE walk(lot_id, depth) AS ("
        " SELECT child_id, 1 FROM trace_lot_links WHERE parent_id = :lot"
        " UNION"
        " SELECT l.child_id, w.depth + 1 FROM trace_lot_links l"
        " JOIN walk w ON l.parent_id = w.lot_id WHERE w.depth < :max_depth"
        ") SELECT lot_id, MIN(depth) FROM walk WHERE lot_id <> :lot"
        " GROUP BY lot_id ORDER BY MIN(depth), lot_id"),
}

#: A guard, not a limit anyone should reach: a lot's history is a few dozen steps at most.
MAX_DEPTH = 1000


def _walk(session: Session, lot_id: int, way: Literal["up", "down"],
          max_depth: int) -> dict[int, int]:
    rows = session.connection().execute(_WALK[way], {"lot": lot_id, "max_depth": max_depth})
    return {int(r[0]): int(r[1]) for r in rows}


def ancestors(session: Session, lot_id: int, max_depth: int = MAX_DEPTH) -> dict[int, int]:
    """Every lot that went into ``lot_id``, at any depth: ``{lot_id: steps back}``."""
    return _walk(session, lot_id, "up", max_depth)


def descendants(session: Session, lot_id: int, max_depth: int = MAX_DEPTH) -> dict[int, int]:
    """Every lot made (partly) from ``lot_id``, at any depth: ``{lot_id: steps forward}``."""
    return _walk(session, lot_id, "down", max_depth)


def parents(session: Session, lot_id: int) -> list[int]:
    """One step back."""
    return sorted(ancestors(session, lot_id, 1))


def children(session: Session, lot_id: int) -> list[int]:
    """One step forward."""
    return sorted(descendants(session, lot_id, 1))


def lineage(session: Session, lot_id: int) -> set[int]:
    """The lot, its ancestors and its descendants."""
    return {lot_id} | set(ancestors(session, lot_id)) | set(descendants(session, lot_id))
