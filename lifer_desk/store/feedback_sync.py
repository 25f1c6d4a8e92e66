"""The feedback sync's cursor row: where the last committed page ended, and how the admin API has been answering.

The cursor moves by compare-and-set in the transaction that writes the page's items, so a desk killed mid-page
leaves it where the last committed page put it, and of two desks that fetched the same page only the first
moves it (the second finds it moved and writes nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from lifer_desk.store.models import SyncCursor

FEEDBACK_CURSOR = "feedback"


@dataclass(frozen=True)
class CursorState:
    cursor: str | None
    updated_at: datetime
    checked_at: datetime | None
    failing_since: datetime | None


def ensure_cursor(session: Session, name: str, now: datetime) -> None:
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    statement = insert(SyncCursor).values(name=name, cursor=None, updated_at=now)
    session.execute(statement.on_conflict_do_nothing(index_elements=["name"]))


def read_cursor(session: Session, name: str) -> CursorState | None:
    row = session.execute(select(SyncCursor).where(col(SyncCursor.name) == name)).scalars().first()
    if row is None:
        return None
    return CursorState(row.cursor, row.updated_at, row.checked_at, row.failing_since)


def advance(session: Session, name: str, expected: str | None, new: str | None, now: datetime) -> bool:
    """Move the cursor from `expected` to `new`; False (and nothing written) when another sync moved it first.

    An outage stays recorded until a whole sync ends well (`mark_checked`): the next page is fetched while this
    one is written, and its failure may be recorded before this commit, which must not wipe it."""
    moved = session.execute(
        update(SyncCursor)
        .where(col(SyncCursor.name) == name, col(SyncCursor.cursor).is_not_distinct_from(expected))
        .values(cursor=new, updated_at=now, checked_at=now)
    )
    return bool(moved.rowcount)  # type: ignore[attr-defined]  # an UPDATE's result has a rowcount


def mark_checked(session: Session, name: str, now: datetime) -> None:
    session.execute(update(SyncCursor).where(col(SyncCursor.name) == name).values(checked_at=now, failing_since=None))


def mark_failing(session: Session, name: str, now: datetime) -> None:
    """Record an outage, keeping the moment it began."""
    session.execute(
        update(SyncCursor)
        .where(col(SyncCursor.name) == name, col(SyncCursor.failing_since).is_(None))
        .values(failing_since=now)
    )
