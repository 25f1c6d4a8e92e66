"""Outbox rows: add, lease, and the queries delivery and its health need. Runs inside the caller's transaction.

A lease is two columns (`leased_by`, `leased_until`) written in the transaction that picks the rows. On
PostgreSQL the pick is `FOR UPDATE SKIP LOCKED`, so two deliverers picking at once take different rows; on
SQLite the write transaction (`BEGIN IMMEDIATE`) serialises the picks. Either way the second deliverer sees the
first one's lease once it is committed, and a lease that lapses (its deliverer crashed) frees the row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, bindparam, case, func, or_, type_coerce, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from lifer_desk.domain.outbox import ACTIVE_STATES, Operation, OutboxState
from lifer_desk.store.models import DataRequest, Outbox
from lifer_desk.store.types import UTCDateTime

_ACTIVE = sorted(str(state) for state in ACTIVE_STATES)
_TABLE: Table = Outbox.__table__  # type: ignore[attr-defined]  # SQLModel tables have one


@dataclass(frozen=True)
class OutboxCounts:
    pending: int
    in_flight: int
    failed_requests: int
    failing_since: datetime | None


def add(session: Session, row: Outbox) -> Outbox:
    session.add(row)
    session.flush()
    return row


def add_many(session: Session, rows: list[Outbox]) -> None:
    """`add` each of `rows`, in one flush."""
    session.add_all(rows)
    session.flush()


def write(session: Session, changes: Sequence[tuple[Outbox, dict[str, Any]]]) -> None:
    """Write each (row, column -> value) of `changes` to the database, in one executemany per set of columns,
    and keep the values on the rows as stored ones (later reads in the session see them, no flush writes them
    again). For the deliverer's batches: the ORM's flush of as many changed rows cost it more than the rest of
    its lease or its record together (issue 9's bench)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row, values in changes:
        params = {f"new_{name}": value for name, value in values.items()}
        groups.setdefault(tuple(sorted(values)), []).append({**params, "row_id": row.id})
    for names, batch in groups.items():
        statement = (
            update(_TABLE)
            .where(_TABLE.c.id == bindparam("row_id"))
            .values({name: bindparam(f"new_{name}") for name in names})
        )
        session.execute(statement, batch)
    for row, values in changes:
        for name, value in values.items():
            set_committed_value(row, name, value)


def get(session: Session, outbox_id: str, *, for_update: bool = False) -> Outbox | None:
    statement = select(Outbox).where(Outbox.id == outbox_id)
    if for_update:
        statement = statement.with_for_update()
    return session.exec(statement).first()


def get_many(session: Session, outbox_ids: Iterable[str], *, for_update: bool = False) -> dict[str, Outbox]:
    """The rows of `outbox_ids` that exist, by id: one query for a whole batch."""
    statement = select(Outbox).where(col(Outbox.id).in_(sorted(set(outbox_ids))))
    if for_update:
        statement = statement.with_for_update()
    return {row.id: row for row in session.exec(statement)}


def lease(
    session: Session, owner: str, now: datetime, until: datetime, limit: int, *, due_only: bool = True
) -> list[Outbox]:
    """Take up to `limit` rows due by `now` (any row still to deliver, without `due_only`) that no live lease
    holds, and hold them for `owner` until `until`."""
    free = [col(Outbox.state).in_(_ACTIVE), or_(col(Outbox.leased_until).is_(None), col(Outbox.leased_until) <= now)]
    if due_only:
        free.append(col(Outbox.next_attempt_at) <= now)
    statement = (
        select(Outbox)
        .where(*free)
        # Erasures first: the admin API takes seconds to finish one, and the rows after it fill that wait, where
        # an erasure leased last would keep the whole outbox open for its duration (longest job first).
        .order_by(
            case((col(Outbox.kind) == Operation.ERASURE, 0), else_=1), col(Outbox.next_attempt_at), col(Outbox.id)
        )
        .limit(limit)
        # SQLite renders no FOR UPDATE: its write transaction already holds the database's only write lock.
        .with_for_update(skip_locked=True)
    )
    rows = list(session.exec(statement))
    write(session, [(row, {"leased_by": owner, "leased_until": until}) for row in rows])
    return rows


def for_request(session: Session, request_id: int, states: Iterable[OutboxState] | None = None) -> list[Outbox]:
    statement = select(Outbox).where(Outbox.request_id == request_id)
    if states is not None:
        statement = statement.where(col(Outbox.state).in_([str(state) for state in states]))
    return list(session.exec(statement.order_by(col(Outbox.created_at), col(Outbox.id))))


def for_requests(session: Session, request_ids: Iterable[int]) -> dict[int, list[Outbox]]:
    """`for_request` of each of `request_ids`, in one query."""
    wanted = sorted(set(request_ids))
    found: dict[int, list[Outbox]] = {request_id: [] for request_id in wanted}
    statement = select(Outbox).where(col(Outbox.request_id).in_(wanted))
    for row in session.exec(statement.order_by(col(Outbox.created_at), col(Outbox.id))):
        assert row.request_id is not None
        found[row.request_id].append(row)
    return found


def release_backoff(session: Session, now: datetime) -> None:
    """Make every row waiting out a failure due now: the admin API answers again, so the outage is over."""
    session.execute(
        update(Outbox)
        .where(
            col(Outbox.state).in_(_ACTIVE), col(Outbox.failing_since).is_not(None), col(Outbox.next_attempt_at) > now
        )
        .values(next_attempt_at=now)
    )


def next_due(session: Session) -> datetime | None:
    """When the earliest row still to deliver may next be leased (a row another deliverer holds, once its lease
    lapses); None when there is none."""
    leased = col(Outbox.leased_until)
    free_at = case(
        (and_(leased.is_not(None), leased > col(Outbox.next_attempt_at)), leased), else_=col(Outbox.next_attempt_at)
    )
    statement = select(func.min(type_coerce(free_at, UTCDateTime()))).where(col(Outbox.state).in_(_ACTIVE))
    return session.exec(statement).one()


def counts(session: Session, now: datetime) -> OutboxCounts:
    active = col(Outbox.state).in_(_ACTIVE)
    held = col(Outbox.leased_until) > now
    in_flight = session.exec(select(func.count()).select_from(Outbox).where(active, held)).one()
    pending = session.exec(select(func.count()).select_from(Outbox).where(active)).one() - in_flight
    failing_since = session.exec(select(func.min(Outbox.failing_since)).where(active)).one()
    failed = session.exec(select(func.count()).select_from(DataRequest).where(DataRequest.state == "failed")).one()
    return OutboxCounts(pending, in_flight, failed, failing_since)
