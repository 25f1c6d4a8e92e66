"""Verification attempts and locks: rows and queries. Runs inside the caller's transaction.

An attempt is written as `pending` before its verify call goes out (the reservation that keeps simultaneous
attempts within the limit), and settled to the outcome once the answer is in. A pending row left by a desk that
died mid-call is settled to `interrupted`, which counts as a failure: nobody knows what the API answered.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, delete, func, update
from sqlmodel import Session, col, select

from lifer_desk.store import account_locks
from lifer_desk.store.models import Ticket, Verification, VerificationLock

PENDING = "pending"
INTERRUPTED = "interrupted"
# Outcomes that count towards the lock; `interrupted` too, so that a desk killed mid-call buys no extra calls.
COUNTED_FAILURES = ("failed", INTERRUPTED)


def serialise_account(session: Session, account_id: str) -> None:
    """Hold every other verification write on `account_id` off until this transaction ends, so the failure count
    read after it is the one the lock decision needs (`account_locks`)."""
    account_locks.hold(session, account_locks.Purpose.VERIFICATION, account_id)


def open_lock(session: Session, account_id: str) -> VerificationLock | None:
    statement = (
        select(VerificationLock)
        .where(VerificationLock.account_id == account_id, col(VerificationLock.unlocked_at).is_(None))
        .order_by(col(VerificationLock.locked_at).desc())
        .limit(1)
    )
    return session.exec(statement).first()


def last_unlock(session: Session, account_id: str) -> datetime | None:
    statement = select(func.max(VerificationLock.unlocked_at)).where(VerificationLock.account_id == account_id)
    return session.exec(statement).one()


def failure_times(session: Session, account_id: str, since: datetime) -> list[datetime]:
    statement = select(Verification.created_at).where(
        Verification.account_id == account_id,
        col(Verification.outcome).in_(COUNTED_FAILURES),
        col(Verification.created_at) > since,
    )
    return list(session.exec(statement))


def pending_attempts(session: Session, account_id: str) -> list[Verification]:
    """Attempts reserved on `account_id` whose verify call has not been settled, oldest first."""
    statement = (
        select(Verification)
        .where(Verification.account_id == account_id, Verification.outcome == PENDING)
        .order_by(col(Verification.id))
    )
    return list(session.exec(statement))


def settle_attempt(
    session: Session,
    attempt_id: int,
    *,
    results: Mapping[str, str],
    outcome: str,
    attempt: int,
    at: datetime,
    expires_at: datetime | None = None,
) -> bool:
    """Give a pending attempt its outcome, timed when it was settled; False if it is no longer pending."""
    statement = (
        update(Verification)
        .where(col(Verification.id) == attempt_id, col(Verification.outcome) == PENDING)
        .values(
            results=json.dumps(dict(results), sort_keys=True),
            outcome=outcome,
            attempt=attempt,
            created_at=at,
            expires_at=expires_at,
        )
    )
    result: CursorResult[Any] = session.connection().execute(statement)
    return result.rowcount == 1


def drop_pending(session: Session, attempt_id: int) -> None:
    """Withdraw a reservation whose call got no answer: it was no attempt at all."""
    statement = delete(Verification).where(col(Verification.id) == attempt_id, col(Verification.outcome) == PENDING)
    session.connection().execute(statement)


def add_attempt(
    session: Session,
    *,
    ticket_id: int | None,
    account_id: str,
    agent: str,
    fields_stated: Iterable[str],
    results: Mapping[str, str],
    outcome: str,
    attempt: int,
    at: datetime,
    expires_at: datetime | None,
) -> int:
    row = Verification(
        ticket_id=ticket_id,
        account_id=account_id,
        agent=agent,
        fields_stated=json.dumps(sorted(fields_stated)),
        results=json.dumps(dict(results), sort_keys=True),
        outcome=outcome,
        attempt=attempt,
        created_at=at,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def add_lock(session: Session, account_id: str, at: datetime) -> int:
    lock = VerificationLock(account_id=account_id, locked_at=at)
    session.add(lock)
    session.flush()
    assert lock.id is not None
    return lock.id


def latest_for_ticket(session: Session, ticket_id: int) -> Verification | None:
    """The ticket's latest settled attempt: one still out has no answer, so it does not stand for the ticket."""
    statement = (
        select(Verification)
        .where(Verification.ticket_id == ticket_id, Verification.outcome != PENDING)
        .order_by(col(Verification.id).desc())
    )
    return session.exec(statement.limit(1)).first()


def open_ticket_id(session: Session, account_id: str, category: str) -> int | None:
    """An open ticket of `category` on the account, so that a second request finds it instead of duplicating it."""
    statement = (
        select(Ticket.id)
        .where(Ticket.account_id == account_id, Ticket.category == category, Ticket.is_open == 1)
        .order_by(col(Ticket.id))
    )
    return session.exec(statement.limit(1)).first()
