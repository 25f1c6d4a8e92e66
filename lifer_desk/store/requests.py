"""Deletion and correction requests: rows and queries. Runs inside the caller's transaction.

Lists walk a keyset ordered by the nearest legal deadline (the working-day clock, which always falls before
the 30-day one), requests whose clock has not started (no verification yet) last, then by id; a page never
skips or repeats a row while others are added.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from lifer_desk.domain.audit_actions import AuditAction
from lifer_desk.domain.tickets import EventKind
from lifer_desk.store import account_locks
from lifer_desk.store.models import AuditEvent, DataRequest, Ticket, TicketEvent

ENTITY = "data_request"
APPROVE_ACTION = AuditAction.REQUEST_APPROVE.value


@dataclass(frozen=True)
class RequestCursor:
    """Where the last page ended: its last row's deadline (None when unset) and id."""

    due_working: datetime | None
    id: int


def add(session: Session, row: DataRequest) -> DataRequest:
    session.add(row)
    session.flush()
    return row


def get(session: Session, request_id: int, *, for_update: bool = False) -> DataRequest | None:
    statement = select(DataRequest).where(DataRequest.id == request_id)
    if for_update:
        statement = statement.with_for_update()
    return session.exec(statement).first()


def get_many(session: Session, request_ids: Iterable[int], *, for_update: bool = False) -> dict[int, DataRequest]:
    """The requests of `request_ids` that exist, by id: one query (and one lock, in id order) for a batch."""
    statement = select(DataRequest).where(col(DataRequest.id).in_(sorted(set(request_ids))))
    if for_update:
        statement = statement.order_by(col(DataRequest.id)).with_for_update()
    found: dict[int, DataRequest] = {}
    for row in session.exec(statement):
        assert row.id is not None
        found[row.id] = row
    return found


def waiting_on_ticket(session: Session, ticket_id: int, account_id: str, state: str) -> list[DataRequest]:
    statement = (
        select(DataRequest)
        .where(DataRequest.ticket_id == ticket_id, DataRequest.account_id == account_id, DataRequest.state == state)
        .order_by(col(DataRequest.id))
    )
    return list(session.exec(statement))


def due_to_expire(session: Session, states: Iterable[str], now: datetime, limit: int) -> list[DataRequest]:
    statement = (
        select(DataRequest)
        .where(col(DataRequest.state).in_(list(states)), col(DataRequest.expires_at) <= now)
        .order_by(col(DataRequest.expires_at), col(DataRequest.id))
        .limit(limit)
    )
    return list(session.exec(statement))


def page(
    session: Session,
    *,
    limit: int,
    after: RequestCursor | None = None,
    state: str | None = None,
    due_before: datetime | None = None,
) -> list[DataRequest]:
    due = col(DataRequest.due_working)
    statement = select(DataRequest)
    if state is not None:
        statement = statement.where(DataRequest.state == state)
    if due_before is not None:
        statement = statement.where(or_(due <= due_before, col(DataRequest.due_calendar) <= due_before))
    if after is not None:
        if after.due_working is None:
            statement = statement.where(due.is_(None), col(DataRequest.id) > after.id)
        else:
            statement = statement.where(
                or_(
                    due > after.due_working,
                    and_(due == after.due_working, col(DataRequest.id) > after.id),
                    due.is_(None),
                )
            )
    statement = statement.order_by(due.asc().nulls_last(), col(DataRequest.id)).limit(limit)
    return list(session.exec(statement))


def counts_by_state(session: Session) -> dict[str, int]:
    statement = select(DataRequest.state, func.count()).group_by(col(DataRequest.state))
    return {state: count for state, count in session.exec(statement)}


def history(session: Session, request_id: int) -> list[AuditEvent]:
    statement = (
        select(AuditEvent)
        .where(AuditEvent.entity_type == ENTITY, AuditEvent.entity_id == str(request_id))
        .order_by(col(AuditEvent.seq))
    )
    return list(session.exec(statement))


def approved_hash(session: Session, request_id: int) -> str | None:
    """The payload hash the latest approval recorded in the audit trail, which no one can rewrite (the table
    refuses UPDATE and DELETE, and the chain shows a forged row); None when it was never approved."""
    return approved_hashes(session, [request_id]).get(request_id)


def approved_hashes(session: Session, request_ids: Iterable[int]) -> dict[int, str | None]:
    """`approved_hash` of each of `request_ids` that was ever approved, in one query (a deliverer checks a
    batch of requests as it leases their rows)."""
    statement = (
        select(AuditEvent.entity_id, AuditEvent.details)
        .where(
            AuditEvent.entity_type == ENTITY,
            col(AuditEvent.entity_id).in_(sorted({str(request_id) for request_id in request_ids})),
            AuditEvent.action == APPROVE_ACTION,
        )
        .order_by(col(AuditEvent.seq))
    )
    found: dict[int, str | None] = {}
    for entity_id, details in session.exec(statement):
        # In seq order: the latest approval of each request is the one that stays.
        value = json.loads(details).get("payload_hash")
        found[int(entity_id)] = value if isinstance(value, str) else None
    return found


def of_account(session: Session, account_id: str, states: Iterable[str], *, lock: bool = True) -> list[DataRequest]:
    """The account's requests in `states`, in id order; locked, unless `lock` is false, in that order (the order
    every writer locks them in)."""
    statement = (
        select(DataRequest)
        .where(DataRequest.account_id == account_id, col(DataRequest.state).in_(sorted(states)))
        .order_by(col(DataRequest.id))
    )
    return list(session.exec(statement.with_for_update() if lock else statement))


def serialise_raising(session: Session, account_id: str) -> None:
    """Hold off every other transaction that raises or re-submits a request of `account_id` until this one ends:
    each checks the account's open requests for an overlap before it writes its own (`account_locks`)."""
    account_locks.hold(session, account_locks.Purpose.DATA_REQUEST, account_id)


def latest_completed(session: Session, ticket_id: int) -> DataRequest | None:
    statement = (
        select(DataRequest)
        .where(DataRequest.ticket_id == ticket_id, DataRequest.state == "completed")
        .order_by(col(DataRequest.state_since).desc(), col(DataRequest.id).desc())
    )
    return session.exec(statement).first()


def replied_since(session: Session, ticket_id: int, since: datetime) -> bool:
    """Whether a reply went to the customer on the ticket at or after `since`."""
    statement = select(TicketEvent.id).where(
        TicketEvent.ticket_id == ticket_id, TicketEvent.kind == EventKind.REPLY, col(TicketEvent.created_at) >= since
    )
    return session.exec(statement.limit(1)).first() is not None


def notes_since(session: Session, ticket_id: int, since: datetime) -> list[TicketEvent]:
    statement = select(TicketEvent).where(
        TicketEvent.ticket_id == ticket_id, TicketEvent.kind == EventKind.NOTE, col(TicketEvent.created_at) >= since
    )
    return list(session.exec(statement.order_by(col(TicketEvent.id))))


# Enough of the first message to tell the language it is written in, without reading a huge one whole.
OPENING = 2_000


def ticket_opening(session: Session, ticket_id: int) -> str:
    """The ticket's subject and the start of its first message; empty for no such ticket."""
    return ticket_openings(session, [ticket_id]).get(ticket_id, "")


def ticket_openings(session: Session, ticket_ids: Iterable[int]) -> dict[int, str]:
    """`ticket_opening` of each of `ticket_ids` that exists, in one query."""
    statement = select(Ticket.id, Ticket.subject, func.substr(Ticket.body, 1, OPENING)).where(
        col(Ticket.id).in_(sorted(set(ticket_ids)))
    )
    return {
        ticket_id: f"{subject}\n{body}" for ticket_id, subject, body in session.exec(statement) if ticket_id is not None
    }
