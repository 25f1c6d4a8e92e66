"""Transaction-scoped locks per account, for the writers that must read an account's rows and then write on what
they read, with no other writer of the same kind in between.

On SQLite the writer's `BEGIN IMMEDIATE` already serialises every writer, so there is nothing to take. On
PostgreSQL, READ COMMITTED lets two transactions each read before the other commits; locking the rows read would
not help (the row that matters is the one about to be inserted), so a transaction-scoped advisory lock per account
and purpose makes them take turns. It is released at commit or rollback.
"""

from __future__ import annotations

from enum import IntEnum

from sqlalchemy import text
from sqlmodel import Session


class Purpose(IntEnum):
    """The first key of the two-key advisory lock: one per kind of writer, so that they never wait on each
    other, and none collides with other users of advisory locks."""

    VERIFICATION = 5
    DATA_REQUEST = 6


def hold(session: Session, purpose: Purpose, account_id: str) -> None:
    """Hold every other writer of `purpose` on `account_id` off until this transaction ends."""
    if session.get_bind().dialect.name == "sqlite":
        return
    session.execute(
        text("SELECT pg_advisory_xact_lock(:purpose, hashtext(:account))"),
        {"purpose": int(purpose), "account": account_id},
    )
