"""The dashboard's figures as SQL counts: the ticket counts from `ticket_tally`, the rest index ranges.

The open tickets per assignee, and the tickets created, closed and (open) due per quarter hour, are kept by the
database's triggers in `ticket_tally` (migration 0023), so that a refresh after a commit reads a few hundred rows
where it counted a million tickets. A day series sums the quarter hours of each day; a day whose bounds are not
whole quarter hours (no time zone has such a midnight today) is counted from the tickets, one index range per
day rather than one GROUP BY over a date expression, which would read every row.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal_column, select
from sqlmodel import Session, col

from lifer_desk.domain.requests import RequestState
from lifer_desk.store.models import DataRequest, Ticket, TicketTally, Verification

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


def _bucket(moment: datetime) -> str | None:
    """The tally's key of the quarter hour that starts at `moment` (UTC), None when it starts none."""
    utc = moment.astimezone(UTC)
    if utc.minute % 15 or utc.second or utc.microsecond:
        return None
    return f"{utc:%Y-%m-%d %H:%M}"


def _floor(moment: datetime) -> datetime:
    utc = moment.astimezone(UTC)
    return utc.replace(minute=utc.minute - utc.minute % 15, second=0, microsecond=0)


def _tallied(session: Session, kind: str, *conditions: ColumnElement[bool]) -> list[tuple[str, int]]:
    """(key, count) of `kind`'s tally, by key, the writers' slots summed; keys that sum to nothing left out."""
    total = func.sum(col(TicketTally.n))
    statement = (
        select(col(TicketTally.key), total)
        .where(col(TicketTally.kind) == kind, *conditions)
        .group_by(col(TicketTally.key))
        .having(total != 0)
        .order_by(col(TicketTally.key))
    )
    return [(str(key), int(count)) for key, count in session.execute(statement).all()]


def _tallied_per_day(session: Session, kind: str, bounds: Sequence[datetime]) -> list[int] | None:
    """Each day's sum of `kind`'s quarter hours; None when a bound is not a quarter hour's start."""
    keys = [_bucket(bound) for bound in bounds]
    if None in keys:
        return None
    starts = [key for key in keys if key is not None]
    counts = [0] * (len(starts) - 1)
    in_range = (col(TicketTally.key) >= starts[0], col(TicketTally.key) < starts[-1])
    for key, count in _tallied(session, kind, *in_range):
        counts[bisect_right(starts, key) - 1] += count
    return counts


def _counted(condition: ColumnElement[bool]) -> Any:
    return func.count(case((condition, 1)))


def breached_now(session: Session, now: datetime) -> int:
    """Open tickets past their resolution deadline: the tally's quarter hours before the current one, and the
    current one's so far counted from the tickets (a few minutes' deadlines)."""
    start = _floor(now)
    before = sum(count for _key, count in _tallied(session, "due", col(TicketTally.key) < f"{start:%Y-%m-%d %H:%M}"))
    return before + _count(session, IS_OPEN, col(Ticket.resolution_due) >= start, col(Ticket.resolution_due) < now)


def created_per_day(session: Session, bounds: Sequence[datetime]) -> list[int]:
    tallied = _tallied_per_day(session, "created", bounds)
    return tallied if tallied is not None else per_day(session, col(Ticket.created_at), bounds)


def closed_per_day(session: Session, bounds: Sequence[datetime]) -> list[int]:
    """Tickets resolved or closed whose last change fell on each day (a closed ticket changes no more).

    From the tally's quarter hours. Counted from the tickets (see the module), PostgreSQL reads
    `ix_ticket_closed_updated`, which holds the closed tickets alone. On SQLite, `is_open + 0` keeps the planner
    off the indexes that lead with is_open or status: with them it read every closed ticket once a day (half a
    second at 20k tickets); `ix_ticket_updated_open` answers from the index alone.
    """
    tallied = _tallied_per_day(session, "closed", bounds)
    if tallied is not None:
        return tallied
    closed = IS_CLOSED if session.get_bind().dialect.name == "postgresql" else col(Ticket.is_open) + 0 == 0
    return per_day(session, col(Ticket.updated_at), bounds, closed)


def breaches_per_day(session: Session, bounds: Sequence[datetime]) -> list[int]:
    """Open tickets whose resolution deadline passed on each day."""
    tallied = _tallied_per_day(session, "due", bounds)
    return tallied if tallied is not None else per_day(session, col(Ticket.resolution_due), bounds, IS_OPEN)


def open_by_assignee(session: Session) -> dict[str | None, int]:
    """Open tickets per assignee, None for the unassigned ('' in the tally)."""
    return {agent or None: count for agent, count in _tallied(session, "open")}


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
