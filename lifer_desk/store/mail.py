"""Mail rows: received messages, their attachments, and the outbound mail outbox. Runs in the caller's transaction.

The outbox lease is deliberately small: a due row is taken by setting `lease_until`; a deliverer that dies
leaves the lease to run out, and the next one takes the row again (the at-most-one-duplicate window of the
README). PostgreSQL deliverers pass each other's rows with SKIP LOCKED; on SQLite the write transaction is
already exclusive.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, update
from sqlmodel import Session, col, select

from lifer_desk.domain.forgetting import REDACTED
from lifer_desk.domain.mail import Attachment
from lifer_desk.store.forgetting import changed
from lifer_desk.store.models import MailAttachment, MailMessage, OutboundMail, TicketEvent

PENDING = "pending"
SENT = "sent"
FAILED = "failed"


def seen(session: Session, dedup_key: str) -> tuple[int | None, str] | None:
    """(ticket id, outcome) of the mail already received under `dedup_key`; the columns only, not the row, which
    each ingest would otherwise pay to load."""
    found = session.exec(
        select(MailMessage.ticket_id, MailMessage.outcome).where(MailMessage.dedup_key == dedup_key)
    ).first()
    return None if found is None else (found[0], found[1])


def received_for(session: Session, ticket_id: int) -> bool:
    """Whether a mail that came in started or joined this ticket."""
    found = select(MailMessage.id).where(MailMessage.ticket_id == ticket_id).limit(1)
    return session.exec(found).first() is not None


def ticket_for_message_ids(session: Session, message_ids: Sequence[str]) -> int | None:
    """The ticket that one of `message_ids` (ours or the customer's) belongs to; the newest id wins."""
    if not message_ids:
        return None
    ids = list(message_ids)
    ours = session.exec(
        select(OutboundMail.ticket_id, OutboundMail.message_id).where(col(OutboundMail.message_id).in_(ids))
    ).all()
    theirs = session.exec(
        select(MailMessage.ticket_id, MailMessage.message_id).where(
            col(MailMessage.message_id).in_(ids), col(MailMessage.ticket_id).is_not(None)
        )
    ).all()
    found: dict[str, int] = {message_id: ticket_id for ticket_id, message_id in (*theirs, *ours) if ticket_id}
    return next((found[message_id] for message_id in reversed(ids) if message_id in found), None)


def record_message(
    session: Session,
    *,
    dedup_key: str,
    message_id: str,
    sender: str,
    outcome: str,
    at: datetime,
    ticket_id: int | None = None,
    event_id: int | None = None,
    reason: str | None = None,
) -> None:
    # A plain INSERT: each mail writes one, and the ORM's unit of work cost more than the statement.
    session.connection().execute(
        _MESSAGES.insert(),
        dict(
            dedup_key=dedup_key,
            message_id=message_id[:255],
            sender=sender[:320],
            outcome=outcome,
            reason=reason,
            ticket_id=ticket_id,
            event_id=event_id,
            received_at=at,
        ),
    )


_MESSAGES = MailMessage.__table__  # type: ignore[attr-defined]  # SQLModel tables have one


def add_attachments(session: Session, ticket_id: int, event_id: int, files: Iterable[Attachment]) -> None:
    for file in files:
        session.add(
            MailAttachment(
                ticket_id=ticket_id,
                event_id=event_id,
                filename=file.filename,
                content_type=file.content_type[:128],
                size=file.size,
                content=file.content,
            )
        )
    session.flush()


def forget_ticket_mail(session: Session, ticket_ids: Sequence[int]) -> int:
    """The deletion purge: delete those tickets' attachments and outbound copies, and redact the sender of
    their received mail (the row stays, so a redelivery is still recognised and not ingested again). Returns
    how many rows went or changed."""
    return sum(forget_mail_by_ticket(session, ticket_ids).values())


def forget_mail_by_ticket(session: Session, ticket_ids: Sequence[int]) -> Counter[int]:
    """`forget_ticket_mail`, counted by ticket: a purge of several people at once tells each one's apart."""
    gone: Counter[int] = Counter()
    for table in (MailAttachment, OutboundMail):
        where = (col(table.ticket_id).in_(ticket_ids),)
        gone += changed(session, col(table.ticket_id), where, delete(table).where(*where))
    where = (col(MailMessage.ticket_id).in_(ticket_ids),)
    return gone + changed(
        session, col(MailMessage.ticket_id), where, update(MailMessage).where(*where).values(sender=REDACTED)
    )


def queued_for(session: Session, recipient: str, kind: str, since: datetime) -> int:
    """How many `kind` mails went (or wait to go) to `recipient` since `since`: the auto-reply rate limit."""
    statement = select(func.count()).where(
        col(OutboundMail.recipient) == recipient, col(OutboundMail.kind) == kind, col(OutboundMail.created_at) >= since
    )
    return int(session.exec(statement).one())


def last_outbound(session: Session, ticket_id: int) -> OutboundMail | None:
    statement = (
        select(OutboundMail).where(col(OutboundMail.ticket_id) == ticket_id).order_by(col(OutboundMail.id).desc())
    )
    return session.exec(statement.limit(1)).first()


def last_inbound(session: Session, ticket_id: int) -> MailMessage | None:
    statement = (
        select(MailMessage)
        .where(col(MailMessage.ticket_id) == ticket_id, col(MailMessage.outcome).in_(("ticket", "threaded")))
        .order_by(col(MailMessage.id).desc())
    )
    return session.exec(statement.limit(1)).first()


def first_inbound_message_id(session: Session, ticket_id: int) -> str | None:
    statement = (
        select(MailMessage.message_id)
        .where(col(MailMessage.ticket_id) == ticket_id, col(MailMessage.outcome).in_(("ticket", "threaded")))
        .order_by(col(MailMessage.id))
    )
    return session.exec(statement.limit(1)).first()


def mark_bounced(session: Session, message_ids: Sequence[str], why: str) -> None:
    """Outbound mails a delivery report names: failed, whatever the SMTP server first said."""
    session.execute(
        update(OutboundMail)
        .where(col(OutboundMail.message_id).in_(list(message_ids)))
        .values(state=FAILED, last_error=why)
        .execution_options(synchronize_session=False)
    )


def first_event_id(session: Session, ticket_id: int) -> int:
    statement = select(TicketEvent.id).where(col(TicketEvent.ticket_id) == ticket_id).order_by(col(TicketEvent.id))
    found = session.exec(statement.limit(1)).first()
    assert found is not None  # every ticket is created with its first event
    return int(found)


def enqueue(
    session: Session,
    *,
    ticket_id: int,
    event_id: int | None,
    kind: str,
    message_id: str,
    recipient: str,
    raw: bytes,
    at: datetime,
) -> int:
    row = OutboundMail(
        ticket_id=ticket_id,
        event_id=event_id,
        kind=kind,
        message_id=message_id,
        recipient=recipient,
        raw=raw,
        state=PENDING,
        next_attempt_at=at,
        created_at=at,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def lease_due(session: Session, now: datetime, lease: timedelta, limit: int) -> list[OutboundMail]:
    """Take up to `limit` due mails for `lease`: pending ones whose time has come and whose lease ran out."""
    statement = (
        select(OutboundMail)
        .where(
            col(OutboundMail.state) == PENDING,
            col(OutboundMail.next_attempt_at) <= now,
            or_(col(OutboundMail.lease_until).is_(None), col(OutboundMail.lease_until) < now),
        )
        .order_by(col(OutboundMail.next_attempt_at), col(OutboundMail.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name != "sqlite":
        statement = statement.with_for_update(skip_locked=True)
    rows = list(session.exec(statement))
    if rows:
        ids = [row.id for row in rows]
        session.execute(
            update(OutboundMail)
            .where(col(OutboundMail.id).in_(ids))
            .values(lease_until=now + lease, attempts=OutboundMail.attempts + 1)
            .execution_options(synchronize_session=False)
        )
    for row in rows:
        session.expunge(row)
    return rows


def settle(
    session: Session,
    mail_id: int,
    *,
    state: str,
    at: datetime,
    error: str | None = None,
    retry_at: datetime | None = None,
) -> None:
    """Record an attempt's outcome: sent, failed for good, or pending again at `retry_at`."""
    values: dict[str, object] = {"state": state, "lease_until": None, "last_error": error}
    if state == SENT:
        values["sent_at"] = at
    if retry_at is not None:
        values["next_attempt_at"] = retry_at
    session.execute(
        update(OutboundMail)
        .where(col(OutboundMail.id) == mail_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def count_by_state(session: Session) -> dict[str, int]:
    rows = session.exec(select(OutboundMail.state, func.count()).group_by(col(OutboundMail.state))).all()
    return {state: int(n) for state, n in rows}
