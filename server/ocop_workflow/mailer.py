"""OCOP reminders by e-mail: each reminder once to each co-op admin of its organisation.

Configured by settings (``NONGSO_SMTP_URL`` ``smtp://user:pass@host:port`` — STARTTLS when
the server offers it — or ``smtps://…`` for TLS from the start; ``NONGSO_SMTP_FROM``); off
when the URL is empty. Runs in the reminder scheduler's thread
(:class:`server.ocop_workflow.reminders.ReminderScheduler`), never on the event loop.

Recipients: the active users with role ``coop_admin`` in the reminder's organisation whose
login is an e-mail address (logins may also be phone numbers or names; those get the
reminder in-app and by webhook only).

Once per recipient, across processes and restarts: before sending, a receipt row
``mail:<notification id>:<user id>`` is claimed in ``ocop_notifications`` (unique key,
``INSERT … ON CONFLICT DO NOTHING``) with kind ``email_pending``; after the SMTP server
accepts the message it becomes ``email_sent``. A failed send deletes the claim, so a later
round tries again; what succeeded is never sent twice. A claim left by a process that died
mid-send is taken over after :data:`STALE_CLAIM`. Receipts are written already read
(``read_at``) so they are not counted as unread notifications.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import unquote, urlsplit

from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from server.models import Membership, Role, User
from server.models.ocop import OcopNotification
from server.settings import Settings

__all__ = ["MAIL_DAYS", "RECEIPT_KINDS", "STALE_CLAIM", "Mailer", "is_email", "mail_round"]

log = logging.getLogger(__name__)

#: Reminders due this many days back are still mailed (e.g. after the SMTP server was down);
#: older ones are not (turning e-mail on does not mail the whole history).
MAIL_DAYS = 7
#: A pending claim older than this is taken to be from a process that died mid-send.
STALE_CLAIM = timedelta(minutes=30)
#: Kinds of the receipt rows (not reminders themselves).
RECEIPT_KINDS = ("email_pending", "email_sent")

_EMAIL = re.compile(r"^[^@\s<>,;\"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")

_SUBJECTS = {
    "certificate_expiry_90": "Nhắc việc OCOP: giấy chứng nhận sắp hết hạn (còn 90 ngày)",
    "certificate_expiry_30": "Nhắc việc OCOP: giấy chứng nhận sắp hết hạn (còn 30 ngày)",
    "dossier_waiting": "Nhắc việc OCOP: hồ sơ đang chờ Hội đồng",
    "scores_missing": "Nhắc việc OCOP: còn thành viên Hội đồng chưa chấm điểm",
}


def is_email(login: str) -> bool:
    """True when ``login`` looks like an e-mail address (local@domain.tld)."""
    return len(login) <= 254 and _EMAIL.match(login) is not None


@dataclass(frozen=True, slots=True)
class Mailer:
    """Where and how to send: parsed from ``NONGSO_SMTP_URL``."""

    host: str
    port: int
    tls: bool
    user: str
    password: str
    sender: str
    timeout_s: float

    @classmethod
    def from_settings(cls, settings: Settings) -> Mailer | None:
        """The configured mailer, or None when ``smtp_url`` is empty (e-mail off)."""
        if not settings.smtp_url:
            return None
        url = urlsplit(settings.smtp_url)
        if url.scheme not in ("smtp", "smtps") or not url.hostname:
            raise ValueError("NONGSO_SMTP_URL must be smtp://[user:pass@]host[:port] or smtps://…")
        if not is_email(settings.smtp_from):
            raise ValueError("NONGSO_SMTP_FROM must be an e-mail address when NONGSO_SMTP_URL "
                             "is set")
        tls = url.scheme == "smtps"
        return cls(host=url.hostname, port=url.port or (465 if tls else 587), tls=tls,
                   user=unquote(url.username or ""), password=unquote(url.password or ""),
                   sender=settings.smtp_from, timeout_s=settings.smtp_timeout_s)

    def message(self, note: OcopNotification, to: str, now: datetime) -> EmailMessage:
        """The e-mail for reminder ``note`` (UTF-8, Vietnamese subject and body)."""
        msg = EmailMessage()
        msg["Subject"] = _SUBJECTS.get(note.kind, "Nhắc việc OCOP")
        msg["From"] = Address("Nông Số OCOP", addr_spec=self.sender)
        msg["To"] = to
        msg["Date"] = format_datetime(now)
        msg["Message-ID"] = make_msgid(domain=self.sender.rsplit("@", 1)[1])
        msg.set_content(
            f"Kính gửi quý hợp tác xã,\n\n{note.message}\n\n"
            f"Ngày nhắc: {note.due_on:%d/%m/%Y}. Thông báo này cũng có trong mục Thông báo "
            "OCOP của hệ thống.\n\n— Hệ thống Nông Số (thư tự động, xin đừng trả lời)\n",
            charset="utf-8")
        return msg

    def send(self, msg: EmailMessage) -> None:
        """Hand ``msg`` to the SMTP server; raises on any refusal (blocking: call off-loop)."""
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.tls:
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout_s,
                                    context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
        with smtp:
            smtp.ehlo()
            if not self.tls and smtp.has_extn("starttls"):
                smtp.starttls(context=context)
                smtp.ehlo()
            if self.user:
                smtp.login(self.user, self.password)
            smtp.send_message(msg)


def _recipients(session: Session, organisation_id: int) -> list[tuple[int, str]]:
    rows = session.exec(select(User.id, User.login)
                        .join(Membership, col(Membership.user_id) == User.id)
                        .where(Membership.organisation_id == organisation_id,
                               Membership.role == Role.coop_admin,
                               col(User.is_active).is_(True))
                        .order_by(col(User.id))).all()
    return [(int(uid), login) for uid, login in rows if uid is not None and is_email(login)]


def _claim(session: Session, note: OcopNotification, key: str, to: str,
           now: datetime) -> bool:
    """Claim the receipt ``key`` for this process (committed); False if someone has it."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = OcopNotification.__table__  # type: ignore[attr-defined]
    got = session.execute(insert(table).values(
        key=key, organisation_id=note.organisation_id, certificate_id=note.certificate_id,
        kind="email_pending", message=to[:500], due_on=note.due_on, created_at=now,
        read_at=now).on_conflict_do_nothing(index_elements=["key"])
        .returning(table.c.id)).first()
    if got is None:  # taken: by a live sender, or by one that died mid-send long ago
        got = session.execute(update(table).where(
            table.c.key == key, table.c.kind == "email_pending",
            table.c.created_at < now - STALE_CLAIM).values(created_at=now)
            .returning(table.c.id)).first()
    session.commit()
    return got is not None


def _settle(session: Session, key: str, sent: bool) -> None:
    table = OcopNotification.__table__  # type: ignore[attr-defined]
    if sent:
        session.execute(update(table).where(table.c.key == key).values(kind="email_sent"))
    else:
        session.execute(delete(table).where(table.c.key == key))
    session.commit()


def mail_round(engine: Engine, mailer: Mailer, today: date, now: datetime) -> list[str]:
    """E-mail the reminders due from ``today - MAIL_DAYS`` on to every recipient not yet
    mailed; the receipt keys sent in this round. Blocking (SMTP): run it in a thread."""
    sent: list[str] = []
    with Session(engine) as session:
        notes = session.exec(select(OcopNotification).where(
            col(OcopNotification.kind).not_in(RECEIPT_KINDS),
            col(OcopNotification.due_on) >= today - timedelta(days=MAIL_DAYS))
            .order_by(col(OcopNotification.id))).all()
        for note in notes:
            for user_id, to in _recipients(session, note.organisation_id):
                key = f"mail:{note.id}:{user_id}"
                if not _claim(session, note, key, to, now):
                    continue
                try:
                    mailer.send(mailer.message(note, to, now))
                except (OSError, smtplib.SMTPException) as exc:
                    log.warning("OCOP reminder %s to %s not sent, retried next round: %s",
                                note.key, to, exc)
                    _settle(session, key, sent=False)
                    continue
                _settle(session, key, sent=True)
                sent.append(key)
    return sent
