"""The webhook outbox (issue 15.1): alerts queue deliveries, a sender sends them.

An alert that opens or resolves adds one ``alert_webhook_deliveries`` row per active hook of
its organisation, in the alert's own transaction (:func:`enqueue`): nothing is sent there.
:class:`WebhookSender` runs in its own thread of the controller process (started and stopped
with the controller loop by :class:`server.irrigation.controller.ControllerHandle`). Each round it
claims the due rows in a short transaction, sends each one with **no transaction open**
(short timeout, :func:`server.irrigation.webhooks.post`), then records the result in
another short transaction: delivered, or retried after ``backoff_s × 2^(attempts−1)``
(at most an hour) until ``max_attempts``, then failed. The hook keeps its last status,
success and failure times (shown by the API as a status class only).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from server.irrigation import webhooks
from server.models.irrigation import AlertWebhook, WebhookDelivery
from server.settings import Settings

__all__ = ["enqueue", "WebhookSender", "backoff_s"]

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 3600.0
#: Delivered and failed deliveries are kept this long (the hook keeps its last result).
KEEP_DAYS = 30
Post = Callable[..., webhooks.SendResult]


def enqueue(session: Session, hook_id: int, alert_id: int, event: str, body: dict[str, Any],
            now: datetime) -> WebhookDelivery:
    """Queue one delivery in the caller's transaction (due at once)."""
    row = WebhookDelivery(hook_id=hook_id, alert_id=alert_id, event=event,
                          payload=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                          next_attempt_at=now, created_at=now)
    session.add(row)
    return row


def backoff_s(attempts: int, base_s: float) -> float:
    """The wait after the ``attempts``-th failed try: base, 2×base, 4×base… at most an hour."""
    return float(min(MAX_BACKOFF_S, base_s * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True, slots=True)
class _Job:
    id: int
    hook_id: int
    url: str
    secret: str
    payload: bytes


@dataclass
class WebhookSender:
    engine: Engine
    timeout_s: float = 3.0
    max_attempts: int = 6
    backoff_base_s: float = 30.0
    allow_private: bool = False
    batch: int = 20
    post: Post = webhooks.post
    _pruned_at: datetime | None = None

    @classmethod
    def from_settings(cls, engine: Engine, settings: Settings | None) -> WebhookSender:
        """The sender configured by ``NONGSO_WEBHOOK_*`` (the defaults above when None)."""
        if settings is None:
            return cls(engine)
        return cls(engine, timeout_s=settings.webhook_timeout_s,
                   max_attempts=settings.webhook_max_attempts,
                   backoff_base_s=settings.webhook_backoff_s,
                   allow_private=settings.webhook_allow_private)

    def _claim(self, now: datetime) -> list[_Job]:
        """Take the due deliveries (their next try pushed past this round, so that another
        sender does not take them too) and what is needed to send them; commit."""
        hold = now + timedelta(seconds=self.timeout_s * 3 + 30)
        with Session(self.engine) as s:
            rows = s.exec(select(WebhookDelivery, AlertWebhook)
                          .join(AlertWebhook, col(AlertWebhook.id) == WebhookDelivery.hook_id)
                          .where(WebhookDelivery.status == "pending",
                                 col(WebhookDelivery.next_attempt_at) <= now)
                          .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.id))
                          .limit(self.batch).with_for_update(skip_locked=True)).all()
            jobs = []
            for d, hook in rows:
                assert d.id is not None and hook.id is not None
                if not hook.active:
                    d.status, d.last_error = "failed", "hook disabled"
                    continue
                d.next_attempt_at = hold
                jobs.append(_Job(d.id, hook.id, hook.url, hook.secret, d.payload.encode()))
            s.commit()
        return jobs

    def _record(self, job: _Job, res: webhooks.SendResult, now: datetime) -> None:
        with Session(self.engine) as s:
            d = s.get(WebhookDelivery, job.id)
            hook = s.get(AlertWebhook, job.hook_id)
            if d is None or hook is None:
                return  # the hook was removed meanwhile
            d.attempts += 1
            hook.last_status, hook.last_error = res.status, res.error
            if res.ok:
                d.status, d.delivered_at, d.last_error = "delivered", now, None
                hook.last_success_at = now
            else:
                d.last_error = res.error
                hook.last_failure_at = now
                if d.attempts >= self.max_attempts:
                    d.status = "failed"
                else:
                    d.next_attempt_at = now + timedelta(
                        seconds=backoff_s(d.attempts, self.backoff_base_s))
                log.warning("webhook %s delivery %s failed (try %d): %s", hook.id, d.id,
                            d.attempts, res.error)
            s.commit()

    def prune(self, now: datetime) -> int:
        """Delete finished deliveries older than :data:`KEEP_DAYS`; return how many."""
        t = WebhookDelivery.__table__  # type: ignore[attr-defined]
        with self.engine.begin() as c:
            n = c.execute(sa.delete(t).where(t.c.status != "pending", t.c.created_at
                                             < now - timedelta(days=KEEP_DAYS))).rowcount
        self._pruned_at = now
        return int(n or 0)

    def run_once(self, now: datetime | None = None) -> int:
        """Send what is due at ``now`` (default: the wall clock, also used to stamp the
        results); return the number of tries made. Prunes old deliveries once an hour."""
        at = now or datetime.now(UTC)
        if self._pruned_at is None or (at - self._pruned_at).total_seconds() >= 3600:
            self.prune(at)
        jobs = self._claim(at)
        for job in jobs:
            res = self.post(job.url, job.secret, job.payload, timeout_s=self.timeout_s,
                            allow_private=self.allow_private)
            self._record(job, res, now or datetime.now(UTC))
        return len(jobs)
