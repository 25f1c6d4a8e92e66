"""Ticket rows: create, thread events, versioned updates, claims. Runs inside the caller's transaction."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import func, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import QueryableAttribute, defer
from sqlmodel import Session, col, select

from lifer_desk.domain.search_text import index_document
from lifer_desk.domain.tickets import OPEN_STATUSES, EventKind, Priority, TicketStatus
from lifer_desk.store.models import Ticket, TicketEvent
from lifer_desk.store.search import reindex_tickets, write_document

_TEXT_KINDS = {EventKind.INBOUND, EventKind.REPLY, EventKind.NOTE}


def is_open(status: str) -> int:
    return int(TicketStatus(status) in OPEN_STATUSES)


@dataclass(frozen=True)
class NewTicket:
    channel: str
    subject: str
    body: str
    requester: str
    requester_name: str
    category: str
    priority: str
    first_response_due: datetime
    resolution_due: datetime
    created_at: datetime
    account_id: str | None = None
    legal_due_calendar: datetime | None = None
    legal_due_working: datetime | None = None
    # What the thread shows beside the first message (a mail's quoted history, attachments, authentication).
    event_meta: dict[str, Any] | None = None


# The tables rather than the models: a statement on a table is compiled once and cached, with no ORM step.
_TICKETS = Ticket.__table__  # type: ignore[attr-defined]  # SQLModel tables have one
_EVENTS = TicketEvent.__table__  # type: ignore[attr-defined]  # SQLModel tables have one


def create_ticket(session: Session, new: NewTicket) -> int:
    """The ticket, its first event (the customer's message) and its search document.

    Plain INSERTs rather than the ORM's unit of work, which cost more than the rest of opening a ticket from a
    mail (bench/mail.py); the document is made from what is written, not read back.
    """
    connection = session.connection()
    created = connection.execute(
        _TICKETS.insert(),
        dict(
            channel=new.channel,
            subject=new.subject,
            body=new.body,
            requester=new.requester,
            requester_name=new.requester_name,
            account_id=new.account_id,
            category=new.category,
            priority=new.priority,
            priority_rank=Priority(new.priority).rank,
            status=TicketStatus.NEW,
            is_open=1,
            first_response_due=new.first_response_due,
            resolution_due=new.resolution_due,
            legal_due_calendar=new.legal_due_calendar,
            legal_due_working=new.legal_due_working,
            sla_paused_seconds=0,
            created_at=new.created_at,
            updated_at=new.created_at,
            version=1,
        ),
    )
    key = created.inserted_primary_key
    assert key is not None  # a one-row INSERT has it
    ticket_id = int(key[0])
    connection.execute(
        _EVENTS.insert(),
        dict(
            ticket_id=ticket_id,
            kind=EventKind.INBOUND,
            author=new.requester_name or new.requester,
            body=new.body,
            meta=json.dumps(new.event_meta or {}, ensure_ascii=False, sort_keys=True),
            created_at=new.created_at,
        ),
    )
    # What reindex_tickets would read back: the subject, the body, and the first event's body (the same).
    write_document(session, ticket_id, index_document(new.subject, new.body))
    return ticket_id


# The mapped attribute, as SQLAlchemy's loader options take it (SQLModel types it as the value).
_TICKET_BODY = cast("QueryableAttribute[str]", Ticket.body)


def get_ticket(session: Session, ticket_id: int, *, for_update: bool = False) -> Ticket | None:
    # Without the first message's body, which only the search index reads: loading a 5 MB one (kept from
    # before the desk limited inbound bodies) made every read of the ticket, and the 2 s watch, slow.
    statement = select(Ticket).where(Ticket.id == ticket_id).options(defer(_TICKET_BODY, raiseload=True))
    if for_update and session.get_bind().dialect.name != "sqlite":
        statement = statement.with_for_update()
    return session.exec(statement).first()


# A thread read counts a body's characters up to this many: counting a 5 MB body (kept from before the desk
# limited inbound bodies) cost more than the rest of the read. Bodies stored now are far shorter.
COUNTED = 200_000


@dataclass(frozen=True)
class ThreadEvent:
    """An event as a thread read returns it: `body` is cut at the read's length, and `length` is the whole's, or
    COUNTED + 1 for a longer one."""

    id: int
    kind: str
    author: str
    body: str
    length: int
    meta: str
    created_at: datetime


def thread(session: Session, ticket_id: int, *, newest: int, chars: int) -> tuple[list[ThreadEvent], int]:
    """The `newest` events of a ticket, oldest first, each body cut in the database at `chars` characters, and
    how many events the ticket has in all. The cut is in SQL so that a 5 MB body or a 2,000-event thread costs
    a ticket's opening no more than a short one does."""
    body = col(TicketEvent.body)
    # SQLAlchemy's select: SQLModel's types stop at four columns.
    statement = (
        sa_select(
            col(TicketEvent.id),
            col(TicketEvent.kind),
            col(TicketEvent.author),
            func.substr(body, 1, chars),
            func.length(func.substr(body, 1, COUNTED + 1)),
            col(TicketEvent.meta),
            col(TicketEvent.created_at),
        )
        .where(col(TicketEvent.ticket_id) == ticket_id)
        .order_by(col(TicketEvent.id).desc())
        .limit(newest)
    )
    events = [ThreadEvent(*row) for row in session.execute(statement)]
    events.reverse()
    total = session.exec(select(func.count()).where(col(TicketEvent.ticket_id) == ticket_id)).one()
    return events, total


def add_event(
    session: Session,
    ticket_id: int,
    kind: EventKind,
    author: str,
    body: str,
    at: datetime,
    meta: dict[str, Any] | None = None,
) -> int:
    return add_events(session, [new_event(ticket_id, kind, author, body, at, meta)])[0]


def new_event(
    ticket_id: int, kind: EventKind, author: str, body: str, at: datetime, meta: dict[str, Any] | None = None
) -> TicketEvent:
    """An event for `add_events`."""
    return TicketEvent(
        ticket_id=ticket_id,
        kind=kind,
        author=author,
        body=body,
        meta=json.dumps(meta or {}, ensure_ascii=False, sort_keys=True),
        created_at=at,
    )


def add_events(session: Session, events: Sequence[TicketEvent]) -> list[int]:
    """Write `events` (from `new_event`) in one flush and index their tickets' text again; returns their ids."""
    session.add_all(events)
    session.flush()
    reindex_tickets(session, (event.ticket_id for event in events if event.kind in _TEXT_KINDS))
    ids = [event.id for event in events]
    assert all(event_id is not None for event_id in ids)
    return cast(list[int], ids)


def update_versioned(session: Session, ticket_id: int, version: int, at: datetime, **changes: Any) -> bool:
    """Apply `changes` only if the row is still at `version`; False means someone else wrote first."""
    if "status" in changes:
        changes["is_open"] = is_open(changes["status"])
    if "priority" in changes:
        changes["priority_rank"] = Priority(changes["priority"]).rank
    statement = (
        update(Ticket)
        .where(col(Ticket.id) == ticket_id, col(Ticket.version) == version)
        .values(**changes, version=Ticket.version + 1, updated_at=at)
    )
    return _changed(session, statement)


def expire_tickets(session: Session) -> None:
    """After an UPDATE of ticket rows in SQL: the tickets loaded in `session` read their new values again. Only
    tickets: expiring every object (`expire_all`) made each one the caller still held (the outbox deliverer's
    whole batch of rows and requests) load again, one SELECT each, after every note it wrote."""
    for loaded in list(session.identity_map.values()):
        if isinstance(loaded, Ticket):
            session.expire(loaded)


def _rows(session: Session, statement: Any) -> int:
    """Run `statement`, an UPDATE of ticket rows; returns how many it matched."""
    result = session.execute(statement.execution_options(synchronize_session=False))
    expire_tickets(session)
    assert isinstance(result, CursorResult)  # an UPDATE's result, which counts the rows it matched
    return result.rowcount


def _changed(session: Session, statement: Any) -> bool:
    return _rows(session, statement) == 1


def touch(session: Session, ticket_id: int, at: datetime) -> None:
    """Mark activity that changes no field (a note), so queues and open views notice it."""
    touch_many(session, [ticket_id], at)


def touch_many(session: Session, ticket_ids: Iterable[int], at: datetime) -> None:
    """`touch` each of `ticket_ids`, in one statement."""
    wanted = sorted(set(ticket_ids))
    if wanted:
        _rows(session, update(Ticket).where(col(Ticket.id).in_(wanted)).values(updated_at=at))


def try_claim(session: Session, ticket_id: int, agent: str, now: datetime, lease: timedelta) -> bool:
    """Take the claim unless another agent holds a live lease. Claims do not bump the content version."""
    free = or_(
        col(Ticket.assignee).is_(None),
        col(Ticket.assignee) == agent,
        col(Ticket.claim_expires_at).is_(None),
        col(Ticket.claim_expires_at) < now,
    )
    statement = (
        update(Ticket)
        .where(col(Ticket.id) == ticket_id, free)
        .values(assignee=agent, claim_expires_at=now + lease, updated_at=now)
    )
    return _changed(session, statement)


def take_claim(session: Session, ticket_id: int, agent: str, owner: str, now: datetime, lease: timedelta) -> bool:
    """Take the ticket from `owner`, live lease or not; False when it changed hands (or was freed) meanwhile."""
    statement = (
        update(Ticket)
        .where(col(Ticket.id) == ticket_id, col(Ticket.assignee) == owner)
        .values(assignee=agent, claim_expires_at=now + lease, updated_at=now)
    )
    return _changed(session, statement)


def renew_claim(session: Session, ticket_id: int, agent: str, now: datetime, lease: timedelta) -> bool:
    statement = (
        update(Ticket)
        .where(col(Ticket.id) == ticket_id, col(Ticket.assignee) == agent, col(Ticket.claim_expires_at) >= now)
        .values(claim_expires_at=now + lease)
    )
    return _changed(session, statement)


def release_claim(session: Session, ticket_id: int, agent: str, now: datetime) -> bool:
    """End the lease but keep the ticket assigned: it stays in its owner's queue."""
    statement = (
        update(Ticket)
        .where(col(Ticket.id) == ticket_id, col(Ticket.assignee) == agent, col(Ticket.claim_expires_at).is_not(None))
        .values(claim_expires_at=None, updated_at=now)
    )
    return _changed(session, statement)


def expire_claims_of(session: Session, agent: str, now: datetime) -> int:
    """End every live lease of `agent` as if it had run out, so that `n` offers those tickets to others first."""
    statement = (
        update(Ticket)
        .where(col(Ticket.assignee) == agent, col(Ticket.claim_expires_at) >= now)
        .values(claim_expires_at=now, updated_at=now)
    )
    return _rows(session, statement)


def next_unclaimed_id(session: Session, now: datetime) -> int | None:
    """The open ticket nobody holds: abandoned leases first (a crashed or dropped session's ticket must not wait
    behind the whole queue), then the unassigned ticket due soonest.

    On PostgreSQL, SKIP LOCKED lets concurrent agents pass each other's candidate rows; on SQLite
    the caller's BEGIN IMMEDIATE already makes the pick and the claim one atomic step.
    """
    skip_locked = session.get_bind().dialect.name != "sqlite"
    candidates = (
        select(Ticket.id)
        .where(col(Ticket.claim_expires_at) < now, col(Ticket.is_open) == 1)
        .order_by(col(Ticket.resolution_due), col(Ticket.id)),
        select(Ticket.id)
        .where(col(Ticket.is_open) == 1, col(Ticket.assignee).is_(None))
        .order_by(col(Ticket.resolution_due), col(Ticket.id)),
    )
    for statement in candidates:
        statement = statement.limit(1)
        if skip_locked:
            statement = statement.with_for_update(skip_locked=True)
        found = session.exec(statement).first()
        if found is not None:
            return int(found)
    return None


def last_change(session: Session) -> datetime | None:
    return session.exec(select(func.max(Ticket.updated_at))).one()
