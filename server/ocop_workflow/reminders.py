"""OCOP reminders, run by the server itself (no cron), each sent exactly once.

What is reminded (:func:`run_once`, once a day is enough; it runs hourly):

- certificate expiry 90 and 30 days ahead (:func:`ocop.scoring.reminder_dates`), to the
  holder, from the reminder's day until the next one is due;
- a dossier waiting for a council — at the commune pre-check or with a council —
  for :data:`WAIT_DAYS` days since it reached that step, to the authority whose council
  holds it;
- scores missing: :data:`SCORE_DAYS` days after a dossier reached a council, members of
  the roster without a sheet, to that authority;
- dossiers still with a district council after 1 July 2025 are rerouted first
  (:func:`server.ocop_workflow.levels.reroute_all`).

Once each, whatever the number of server processes and restarts: a reminder is a row of
``ocop_notifications`` with a unique ``key``, written with ``INSERT … ON CONFLICT (key)
DO NOTHING RETURNING id``; only the process whose insert returned an id sends it. Sending
is in-app (the row itself, and an informational ``alerts`` row shown with the
organisation's alerts) and through the alert webhook channel: one row per active hook in
the webhook outbox (``alert_webhook_deliveries``, event ``ocop_reminder``), which the
webhook sender delivers with retries (server/irrigation/outbox.py). All in the
notification's own transaction. And by e-mail when SMTP is configured: after each round
the scheduler mails every new reminder once to each co-op admin of its organisation whose
login is an e-mail address (:mod:`server.ocop_workflow.mailer`, receipts per recipient, a
failed send retried next round).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ocop.certificates import REMINDER_DAYS_BEFORE, EvaluationLevel
from ocop.scoring import reminder_dates
from server.models import Organisation
from server.models.irrigation import Alert, AlertWebhook, WebhookDelivery
from server.models.ocop import (
    DossierStatus,
    OcopCertificate,
    OcopCouncilScore,
    OcopDossier,
    OcopEvent,
    OcopNotification,
    OcopProduct,
)
from server.ocop_workflow import council, levels
from server.ocop_workflow.mailer import Mailer, mail_round

__all__ = ["SCORE_DAYS", "WAIT_DAYS", "Reminder", "ReminderScheduler", "expiry", "run_once",
           "send"]

log = logging.getLogger(__name__)

#: A dossier waiting this long at the pre-check or with a council is reminded.
WAIT_DAYS = 30
#: Members without a sheet this long after the dossier reached their council are reminded.
SCORE_DAYS = 7


@dataclass(frozen=True, slots=True)
class Reminder:
    key: str
    organisation_id: int
    kind: str
    message: str
    due_on: date
    certificate_id: int | None = None


def send(session: Session, r: Reminder, now: datetime) -> int | None:
    """Write ``r`` unless its key exists; queue its webhook deliveries. The new id or None."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = OcopNotification.__table__  # type: ignore[attr-defined]
    row = session.execute(insert(table).values(
        key=r.key, organisation_id=r.organisation_id, certificate_id=r.certificate_id,
        kind=r.kind, message=r.message[:500], due_on=r.due_on, created_at=now)
        .on_conflict_do_nothing(index_elements=["key"]).returning(table.c.id)).first()
    if row is None:
        return None
    alert = Alert(organisation_id=r.organisation_id, kind="ocop_reminder",
                  key=f"ocop:{r.key}"[:120], state="resolved", message=r.message[:300],
                  opened_at=now, last_seen_at=now, resolved_at=now)
    session.add(alert)
    session.flush()
    body = json.dumps({"event": "ocop_reminder", "reminder": {
        "key": r.key, "kind": r.kind, "message": r.message, "due_on": r.due_on.isoformat(),
        "organisation_id": r.organisation_id, "certificate_id": r.certificate_id}},
        ensure_ascii=False, separators=(",", ":"))
    hooks = session.exec(select(AlertWebhook).where(
        AlertWebhook.organisation_id == r.organisation_id,
        col(AlertWebhook.active).is_(True))).all()
    for hook in hooks:
        assert hook.id is not None and alert.id is not None
        session.add(WebhookDelivery(hook_id=hook.id, alert_id=alert.id, event="ocop_reminder",
                                    payload=body, next_attempt_at=now, created_at=now))
    log.info("OCOP reminder %s to organisation %s (%d webhooks)", r.key, r.organisation_id,
             len(hooks))
    return int(row[0])


def expiry(session: Session, today: date) -> Iterator[Reminder]:
    """Certificate expiry reminders due ``today`` (90 and 30 days ahead)."""
    horizon = today + timedelta(days=max(REMINDER_DAYS_BEFORE))
    certs = session.exec(select(OcopCertificate, OcopProduct)
                         .join(OcopProduct, col(OcopProduct.id) == OcopCertificate.product_id)
                         .where(col(OcopCertificate.revoked_on).is_(None),
                                col(OcopCertificate.expires_on) >= today,
                                col(OcopCertificate.expires_on) <= horizon)).all()
    for cert, product in certs:
        newer = session.exec(select(OcopCertificate.id).where(
            OcopCertificate.product_id == cert.product_id,
            col(OcopCertificate.revoked_on).is_(None), OcopCertificate.issued_on <= today,
            col(OcopCertificate.issued_on) > cert.issued_on)).first()
        if newer is not None:
            continue  # renewed: the newer certificate is the one that counts
        days = sorted(zip(reminder_dates(cert.expires_on), REMINDER_DAYS_BEFORE, strict=True))
        due = [(day, before) for day, before in days if day <= today]
        if not due:
            continue
        day, before = due[-1]  # a missed run catches up with the latest reminder only
        yield Reminder(f"cert:{cert.id}:expiry-{before}", product.organisation_id,
                       f"certificate_expiry_{before}",
                       f"{product.name}: giấy chứng nhận OCOP số {cert.number} hết hạn ngày "
                       f"{cert.expires_on:%d/%m/%Y} (còn {before} ngày). Hãy nộp hồ sơ đánh "
                       "giá lại để gia hạn.", day, cert.id)


def _since(session: Session, dossier: OcopDossier) -> date:
    """The day the dossier reached its current step (scores and uploads do not count)."""
    at = session.exec(select(OcopEvent.at).where(
        OcopEvent.dossier_id == dossier.id,
        col(OcopEvent.step).not_in(["score", "upload", "self_assessment"]))
        .order_by(col(OcopEvent.id).desc())).first()
    return (at or dossier.updated_at).date()


def _authorities(session: Session, level: str, org: Organisation) -> list[int]:
    seats = (council.commune_officials(session, org) if level == EvaluationLevel.COMMUNE.value
             else council.level_roster(session, level, org))
    return sorted({s.organisation_id for s in seats})


def _waiting(session: Session, today: date) -> Iterator[Reminder]:
    rows = session.exec(select(OcopDossier, OcopProduct, Organisation)
                        .join(OcopProduct, col(OcopProduct.id) == OcopDossier.product_id)
                        .join(Organisation, col(Organisation.id) == OcopProduct.organisation_id)
                        .where(col(OcopDossier.status).in_(
                            [DossierStatus.precheck.value, DossierStatus.council.value]))).all()
    for dossier, product, org in rows:
        assert dossier.level is not None
        since = _since(session, dossier)
        where = EvaluationLevel(dossier.level).vi.lower()
        tag = f"dossier:{dossier.id}:{dossier.level}:{since:%Y%m%d}"
        if today >= since + timedelta(days=WAIT_DAYS):
            for authority in _authorities(session, dossier.level, org):
                yield Reminder(f"{tag}:wait:{authority}", authority, "dossier_waiting",
                               f"Hồ sơ OCOP số {dossier.id} ({product.name}, {org.name}) chờ "
                               f"{where} từ ngày {since:%d/%m/%Y}.", today)
        if dossier.status is DossierStatus.council and today >= since + timedelta(
                days=SCORE_DAYS):
            roster = council.level_roster(session, dossier.level, org)
            scored = set(session.exec(select(OcopCouncilScore.evaluator_id).where(
                OcopCouncilScore.dossier_id == dossier.id,
                OcopCouncilScore.level == dossier.level)).all())
            missing = [s for s in roster if s.user_id not in scored]
            for authority in sorted({s.organisation_id for s in missing}):
                n = sum(s.organisation_id == authority for s in missing)
                yield Reminder(f"{tag}:scores:{authority}", authority, "scores_missing",
                               f"Hồ sơ OCOP số {dossier.id} ({product.name}): còn {n} thành "
                               f"viên Hội đồng {where} chưa nộp phiếu chấm điểm.", today)


def run_once(engine: Engine, today: date, now: datetime | None = None) -> list[str]:
    """Reroute, then write and send the reminders due ``today``; the keys newly sent."""
    stamp = now or datetime.now(UTC)
    sent: list[str] = []
    with Session(engine) as session:
        levels.reroute_all(session, today)
        due = [*expiry(session, today), *_waiting(session, today)]
        for reminder in due:
            if send(session, reminder, stamp) is not None:
                sent.append(reminder.key)
        session.commit()
    return sent


class ReminderScheduler:
    """A daemon thread in the server process: :func:`run_once` now, then every
    ``interval_s``; with a ``mailer``, each round then e-mails what is not yet mailed
    (in this thread: SMTP never blocks the event loop). Start and stop it with the app
    (server/app.py lifespan)."""

    def __init__(self, engine: Engine, interval_s: float = 3600.0,
                 today: Callable[[], date] = date.today, mailer: Mailer | None = None) -> None:
        self.engine, self.interval_s, self.today = engine, interval_s, today
        self.mailer = mailer
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.runs = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="ocop-reminders", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                run_once(self.engine, self.today())
                if self.mailer is not None:
                    mail_round(self.engine, self.mailer, self.today(), datetime.now(UTC))
            except Exception:  # a bad round is logged; the next one tries again
                log.exception("OCOP reminder round failed")
            self.runs += 1
            self._stop.wait(self.interval_s)

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None
