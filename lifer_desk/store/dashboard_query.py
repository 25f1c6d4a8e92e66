"""The dashboard's figures as SQL counts: each one an index range (see the Ticket indexes and migration 0011).

Day series are one count per day rather than one GROUP BY over a date expression: a range on an indexed
column is answered from the index on both dialects, where a date expression would read every row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal_column, select
from sqlmodel import Session, col

from lifer_desk.domain.requests import RequestState
from lifer_desk.store.models import DataRequest, Ticket, Verification

# `is_open = 1` spelt out rather than bound, so that every plan of the statement can use the partial indexes of
# migration 0022 (a generic plan on PostgreSQL knows no parameter's value).
IS_OPEN = col(Ticket.is_open) == literal_column("1")
IS_CLOSED = col(Ticket.is_open) == literal_column("0")

FINISHED_REQUESTS = tuple(
    str(state)
    for state in (RequestState.COMPLETED, RequestState.REJECTED, RequestState.EXPIRED, RequestState.CANCELLED)
)


def _count(session: Session, *conditions: ColumnElement[bool]) -> int:
    statement = select(func.count()).select_from(Ticket).where(*conditions)
    return int(session.execute(statement).scalar_one())


def per_day(session: Session, column: Any, bounds: Sequence[datetime], *conditions: ColumnElement[bool]) -> list[int]:
    """Tickets with `column` in each [bounds[i], bounds[i + 1]) (and `conditions`): len(bounds) - 1 counts."""
    return [_count(session, column >= start, column < end, *conditions) for start, end in pairwise(bounds)]


def _counted(condition: ColumnElement[bool]) -> Any:
    return func.count(case((condition, 1)))


def breached_now(session: Session, now: datetime) -> int:
    return _count(session, IS_OPEN, col(Ticket.resolution_due) < now)


def created_per_day(session: Session, bounds: Sequence[datetime]) -> list[int]:
    return per_day(session, col(Ticket.created_at), bounds)


def closed_per_day(session: Session, bounds: Sequence[datetime]) -> list[int]:
    """Tickets resolved or closed whose last change fell on each day (a closed ticket changes no more).

    PostgreSQL counts them from `ix_ticket_closed_updated`, which holds the closed tickets alone. On SQLite,
    `is_open + 0` keeps the planner off the indexes that lead with is_open or status: with them it read every
    closed ticket once a day (half a second at 20k tickets); `ix_ticket_updated_open` answers from the index alone.
    """
    closed = IS_CLOSED if session.get_bind().dialect.name == "postgresql" else col(Ticket.is_open) + 0 == 0
    return per_day(session, col(Ticket.updated_at), bounds, closed)


def breaches_per_day(session: Session, bounds: Sequence[datetime]) -> list[int]:
    """Open tickets whose resolution deadline passed on each day."""
    return per_day(session, col(Ticket.resolution_due), bounds, IS_OPEN)


def open_by_assignee(session: Session) -> dict[str | None, int]:
    """Open tickets per assignee, None for the unassigned: the open count and each agent's in one pass over the
    open tickets (from an index alone: `ix_ticket_open_by_assignee` on PostgreSQL), where two counts read them
    twice."""
    statement = select(col(Ticket.assignee), func.count()).where(IS_OPEN).group_by(col(Ticket.assignee))
    return {None if agent is None else str(agent): int(count) for agent, count in session.execute(statement).all()}


def claimed_by_agent(session: Session, now: datetime) -> dict[str, int]:
    """Open tickets under a live claim lease, per agent (the lease index keeps this to the live claims)."""
    statement = (
        select(col(Ticket.assignee), func.count())
        # `is_open + 0`: through the is_open index the planner read every open ticket (half a second at 100k).
        .where(col(Ticket.claim_expires_at) > now, col(Ticket.is_open) + 0 == 1, col(Ticket.assignee).is_not(None))
        .group_by(col(Ticket.assignee))
    )
    return {str(agent): int(count) for agent, count in session.execute(statement).all()}


def requests_due(session: Session, columns: Sequence[Any], now: datetime, until: datetime) -> list[tuple[int, int]]:
    """(due between now and `until`, overdue) among the requests still in progress, for each legal clock's
    deadline column, in one pass over those requests."""
    counts = []
    for column in columns:
        counts += [_counted((column >= now) & (column < until)), _counted(column < now)]
    statement = select(*counts).where(col(DataRequest.state).not_in(FINISHED_REQUESTS))
    row = session.execute(statement).one()
    return [(int(row[i]), int(row[i + 1])) for i in range(0, len(row), 2)]


def verification_failures_by_agent(session: Session, since: datetime) -> dict[str, int]:
    statement = (
        select(col(Verification.agent), func.count())
        .where(col(Verification.outcome) == "failed", col(Verification.created_at) >= since)
        .group_by(col(Verification.agent))
    )
    return {str(agent): int(count) for agent, count in session.execute(statement).all()}
