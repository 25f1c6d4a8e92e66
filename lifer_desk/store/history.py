"""A requester's other tickets, and a linked account's tickets and data requests: index lookups, newest first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, func, select
from sqlmodel import Session, col

from lifer_desk.store.models import DataRequest, Ticket

_COLUMNS = (col(Ticket.id), col(Ticket.status), col(Ticket.subject), col(Ticket.created_at))


def requester_tickets(session: Session, requester: str, besides: int, limit: int) -> Sequence[Row[Any]]:
    """Up to `limit` tickets from the same contact (case aside), `besides` left out, over ix_ticket_requester."""
    statement = (
        select(*_COLUMNS)
        .where(func.lower(col(Ticket.requester)) == requester.lower(), col(Ticket.id) != besides)
        .order_by(col(Ticket.id).desc())
        .limit(limit)
    )
    return session.execute(statement).all()


def account_tickets(session: Session, account_id: str, besides: int, limit: int) -> Sequence[Row[Any]]:
    statement = (
        select(*_COLUMNS)
        .where(col(Ticket.account_id) == account_id, col(Ticket.id) != besides)
        .order_by(col(Ticket.id).desc())
        .limit(limit)
    )
    return session.execute(statement).all()


def account_requests(session: Session, account_id: str, limit: int) -> Sequence[Row[Any]]:
    statement = (
        select(
            col(DataRequest.id),
            col(DataRequest.kind),
            col(DataRequest.state),
            col(DataRequest.ticket_id),
            col(DataRequest.payload),
        )
        .where(col(DataRequest.account_id) == account_id)
        .order_by(col(DataRequest.id).desc())
        .limit(limit)
    )
    return session.execute(statement).all()
