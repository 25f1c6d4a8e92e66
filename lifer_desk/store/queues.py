"""Queue pages by keyset over the ticket indexes, and capped counts. Never OFFSET, never a full sort."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, func, literal, or_, select, text, tuple_
from sqlmodel import Session, col

from lifer_desk.domain.queues import PageKey, QueueFilter, QueueName, SortKey
from lifer_desk.domain.search_text import lookup_of
from lifer_desk.store.models import Ticket
from lifer_desk.store.search import match_filter

_SORT_COLUMNS: dict[SortKey, tuple[Any, ...]] = {
    SortKey.DUE: (col(Ticket.resolution_due), col(Ticket.id)),
    SortKey.PRIORITY: (col(Ticket.priority_rank), col(Ticket.resolution_due), col(Ticket.id)),
    SortKey.UPDATED: (col(Ticket.updated_at), col(Ticket.id)),
    SortKey.ID: (col(Ticket.id),),
}

ROW_COLUMNS = (
    col(Ticket.id),
    col(Ticket.priority),
    col(Ticket.priority_rank),
    col(Ticket.resolution_due),
    col(Ticket.status),
    col(Ticket.category),
    col(Ticket.subject),
    col(Ticket.requester),
    col(Ticket.assignee),
    col(Ticket.updated_at),
    col(Ticket.claim_expires_at),
    col(Ticket.sla_paused_at),
)


@dataclass(frozen=True)
class QueueQuery:
    queue: QueueName
    agent: str
    now: datetime
    sort: SortKey = SortKey.DUE
    descending: bool = False
    search: str = ""
    filters: QueueFilter = field(default_factory=QueueFilter)


def _queue_conditions(queue: QueueName, agent: str, now: datetime) -> list[ColumnElement[bool]]:
    open_ = col(Ticket.is_open) == 1
    due = col(Ticket.resolution_due)
    # A ticket waiting for its customer has its resolution clock paused: it is neither due nor breached.
    running = col(Ticket.sla_paused_at).is_(None)
    return {
        QueueName.MY_OPEN: [open_, col(Ticket.assignee) == agent],
        QueueName.UNASSIGNED: [open_, col(Ticket.assignee).is_(None)],
        QueueName.DUE_24H: [open_, due >= now, due < now + timedelta(hours=24), running],
        QueueName.BREACHED: [open_, due < now, running],
        QueueName.DELETION: [open_, col(Ticket.category) == "deletion"],
        QueueName.CORRECTION: [open_, col(Ticket.category) == "correction"],
        QueueName.MINORS: [open_, col(Ticket.category) == "minor_data"],
        QueueName.PENDING: [col(Ticket.status) == "pending_customer"],
        QueueName.ALL: [],
    }[queue]


def _conditions(session: Session, query: QueueQuery) -> list[ColumnElement[bool]]:
    conditions = _queue_conditions(query.queue, query.agent, query.now)
    chosen = query.filters
    for column, value in (
        (Ticket.status, chosen.status),
        (Ticket.category, chosen.category),
        (Ticket.priority, chosen.priority),
        (Ticket.assignee, chosen.assignee),
    ):
        if value is not None:
            conditions.append(col(column) == str(value))
    if chosen.unassigned:
        conditions.append(col(Ticket.assignee).is_(None))
    if query.search.strip():
        conditions.extend(_search_conditions(session, query.search))
    return conditions


def _search_conditions(session: Session, search: str) -> list[ColumnElement[bool]]:
    """The ticket by number, the requester's tickets, or the words: whichever of them the search can mean."""
    lookup = lookup_of(search)
    found: list[ColumnElement[bool]] = []
    if lookup.ticket_id is not None:
        found.append(col(Ticket.id) == lookup.ticket_id)
    if lookup.contact is not None:
        # Contacts are stored as the customer wrote them; the index is on their lower-case form.
        found.append(func.lower(col(Ticket.requester)) == lookup.contact.lower())
        found.append(col(Ticket.account_id) == lookup.contact)
    if lookup.words and (words := match_filter(session.get_bind().dialect.name, search)) is not None:
        clause, params = words
        found.append(text(clause).bindparams(**params))  # type: ignore[arg-type]  # or_() takes text() too
    return [or_(*found)] if found else []


def sort_key(query: QueueQuery, row: Row[Any]) -> PageKey:
    return tuple(getattr(row, column.key) for column in _SORT_COLUMNS[query.sort])


def page_statement(
    session: Session,
    query: QueueQuery,
    *,
    limit: int,
    after: PageKey | None = None,
    before: PageKey | None = None,
    last: bool = False,
) -> Select[*tuple[Any, ...]]:
    """The query for one page, in index order (reversed when walking backwards or to the last page)."""
    columns = _SORT_COLUMNS[query.sort]
    # Walking backwards means reading the index in the opposite direction, then flipping the page.
    descending = query.descending != (before is not None or last)
    statement = select(*ROW_COLUMNS).where(*_conditions(session, query))
    anchor = before if before is not None else after
    if anchor is not None:
        keyset = tuple_(*columns)
        bound = tuple_(*(_typed(column, value) for column, value in zip(columns, anchor, strict=True)))
        statement = statement.where(keyset < bound if descending else keyset > bound)
    return statement.order_by(*(c.desc() if descending else c.asc() for c in columns)).limit(limit)


def page(
    session: Session,
    query: QueueQuery,
    *,
    limit: int,
    after: PageKey | None = None,
    before: PageKey | None = None,
    last: bool = False,
) -> Sequence[Row[Any]]:
    """One page in display order: the first, the one after/before a key, or the last."""
    statement = page_statement(session, query, limit=limit, after=after, before=before, last=last)
    rows = list(session.execute(statement).all())
    return rows[::-1] if before is not None or last else rows


def _typed(column: Any, value: Any) -> Any:
    return literal(value, type_=column.type)


def capped_count(session: Session, query: QueueQuery, cap: int) -> int:
    """How many rows match, counting no further than `cap + 1` so a million-row queue stays cheap."""
    inner = select(col(Ticket.id)).where(*_conditions(session, query)).limit(cap + 1).subquery()
    return int(session.execute(select(func.count()).select_from(inner)).scalar_one())
