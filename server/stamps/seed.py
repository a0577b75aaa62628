"""Demo stamps: a small batch for each demo lot, so that ``nongso demo`` shows a consumer
scan page at once (the banner prints one stamp's URL)."""

from __future__ import annotations

import logging

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from server.errors import DomainError
from server.models.stamps import StampBatch, StampIssueRequest
from server.models.trace import Lot, Product
from server.settings import Settings
from server.stamps.issue import batch_stamps, issue_batch
from server.stamps.keys import keyring_of
from server.trace.stamping import assert_stampable

__all__ = ["seed_demo", "DEMO_BATCH"]

log = logging.getLogger(__name__)
DEMO_BATCH = 12


def seed_demo(engine: Engine, settings: Settings) -> list[str]:
    """Issue :data:`DEMO_BATCH` stamps for each demo lot that has none (idempotent per lot);
    return one stamp URI per lot, lychee first."""
    keyring = keyring_of(settings)
    out: list[str] = []
    with Session(engine, expire_on_commit=False) as s:
        rows = s.exec(select(Lot, Product).join(Product, col(Product.id) == Lot.product_id)
                      .order_by(col(Product.crop).desc(), col(Lot.id))).all()
        for lot, product in rows:
            assert lot.id is not None
            batch = s.exec(select(StampBatch).where(StampBatch.lot_id == lot.id)
                           .order_by(col(StampBatch.id))).first()
            if batch is None:
                try:
                    assert_stampable(s, lot.id)
                except DomainError as exc:  # e.g. an open pre-harvest-interval flag
                    log.info("demo lot %s not stamped: %s", lot.code, exc.detail)
                    continue
                batch = issue_batch(s, keyring, settings.secret_key, lot, product,
                                    StampIssueRequest(request_id=f"demo-stamps-{lot.id:04d}",
                                                      count=DEMO_BATCH), None).batch
            stamps = batch_stamps(s, settings.public_base_url, batch, product, lot)
            if stamps:
                out.append(stamps[0].uri)
    return out
