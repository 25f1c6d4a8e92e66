"""Requests mode's queues: keyset pages in both directions, counts, and what the detail view reads beside a request.

Pages walk (the working-day deadline, requests without one last, then id), the order `store.requests.page`
uses, but also backwards and from the end, as the virtual table asks. A key is `(no_due, due, id)`: no_due is
1 for a request whose clock has not started, so the nulls sort after every deadline in either direction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, false, func, or_, true
from sqlmodel import Session, col, select

from lifer_desk.store.models import DataRequest, Outbox, Verification


@dataclass(frozen=True)
class RequestFilter:
    """Which requests a queue holds: in one of `states` (all when empty), not raised by `not_requested_by`, and
    in that state since `since`."""

    states: tuple[str, ...] = ()
    not_requested_by: str | None = None
    since: datetime | None = None
    # A queue that holds nothing for this agent (awaiting *my* approval, for an agent who approves nothing).
    nothing: bool = False


RequestKey = tuple[int, datetime | None, int]


def key_of(row: DataRequest) -> RequestKey:
    assert row.id is not None
    return (1 if row.due_working is None else 0, row.due_working, row.id)


def _conditions(wanted: RequestFilter) -> list[ColumnElement[bool]]:
    if wanted.nothing:
        return [false()]
    found: list[ColumnElement[bool]] = []
    if wanted.states:
        found.append(col(DataRequest.state).in_(wanted.states))
    if wanted.not_requested_by is not None:
        found.append(col(DataRequest.requested_by) != wanted.not_requested_by)
    if wanted.since is not None:
        found.append(col(DataRequest.state_since) >= wanted.since)
    return found


def _after(key: RequestKey) -> ColumnElement[bool]:
    no_due, due, ident = key
    due_col, id_col = col(DataRequest.due_working), col(DataRequest.id)
    if no_due:
        return and_(due_col.is_(None), id_col > ident)
    return or_(due_col.is_(None), due_col > due, and_(due_col == due, id_col > ident))


def _before(key: RequestKey) -> ColumnElement[bool]:
    no_due, due, ident = key
    due_col, id_col = col(DataRequest.due_working), col(DataRequest.id)
    if no_due:
        return or_(due_col.is_not(None), and_(due_col.is_(None), id_col < ident))
    return and_(due_col.is_not(None), or_(due_col < due, and_(due_col == due, id_col < ident)))


def page(
    session: Session,
    wanted: RequestFilter,
    *,
    limit: int,
    after: RequestKey | None = None,
    before: RequestKey | None = None,
    last: bool = False,
) -> list[DataRequest]:
    """Up to `limit` requests in order: the first, those after or before a key, or the last."""
    due_col, id_col = col(DataRequest.due_working), col(DataRequest.id)
    statement = select(DataRequest).where(*_conditions(wanted), true())
    if after is not None:
        statement = statement.where(_after(after))
    backwards = before is not None or last
    if before is not None:
        statement = statement.where(_before(before))
    if backwards:
        statement = statement.order_by(due_col.desc().nulls_first(), id_col.desc())
    else:
        statement = statement.order_by(due_col.asc().nulls_last(), id_col)
    rows = list(session.exec(statement.limit(limit)))
    return rows[::-1] if backwards else rows


def count(session: Session, wanted: RequestFilter) -> int:
    statement = select(func.count()).select_from(DataRequest).where(*_conditions(wanted), true())
    return int(session.exec(statement).one())


def verification(session: Session, verification_id: int) -> Verification | None:
    return session.get(Verification, verification_id)


def last_problem(session: Session, request_id: int) -> str | None:
    """The error the deliverer recorded on the request's latest failed outbox row, if any."""
    statement = (
        select(Outbox.last_error)
        .where(col(Outbox.request_id) == request_id, col(Outbox.last_error).is_not(None))
        .order_by(col(Outbox.created_at).desc(), col(Outbox.id).desc())
        .limit(1)
    )
    return session.exec(statement).first()


def receipt(session: Session, request_id: int) -> str | None:
    return session.exec(select(DataRequest.receipt).where(col(DataRequest.id) == request_id)).first()


def latest_change(session: Session) -> tuple[datetime | None, int]:
    """When any request last changed, and how many there are: a new one or a move shows in either."""
    found = session.exec(select(func.max(DataRequest.updated_at), func.count()).select_from(DataRequest)).one()
    return found[0], int(found[1])
