"""The verification attempt limit (DESIGN 4): three failures on one account within 24 h lock it, across agents,
until a supervisor unlocks it with a reason.

Attempts whose verify call is still out count against the limit too, so that agents pressing verify at the
same moment cannot send more calls than the attempts left: with two failures on record, one call may go out.
A reservation older than `RESERVATION_TTL` belongs to a desk that died mid-call; it is settled as interrupted
and counts as a failure, so that killing desks buys no extra calls and a dead reservation never blocks the
account for longer than that.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from lifer_desk.domain.audit_actions import AuditAction
from lifer_desk.domain.identity import LOCK_WINDOW, MAX_FAILED, failures_in_window
from lifer_desk.i18n import _
from lifer_desk.services import audit_trail
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import PermissionDenied, Refused
from lifer_desk.services.writing import writing
from lifer_desk.store import verifications as store

# Far beyond the longest a verify call can take (it is never retried: connect and read timeouts, seconds).
RESERVATION_TTL = timedelta(minutes=5)


@dataclass(frozen=True)
class LockState:
    locked_at: datetime | None
    failures: int
    # Attempts reserved by desks whose verify call is still out.
    in_flight: int = 0

    @property
    def locked(self) -> bool:
        return self.locked_at is not None

    @property
    def attempts_left(self) -> int:
        return 0 if self.locked else max(0, MAX_FAILED - self.failures)

    @property
    def may_reserve(self) -> bool:
        """Another call may go out: even if every call now out fails, this one would not pass the limit."""
        return not self.locked and self.failures + self.in_flight < MAX_FAILED


def locked_explanation() -> str:
    return _(
        "Locked for verification: {n} failed attempts within 24 h. A supervisor can unlock it; do not verify "
        "this caller any other way."
    ).format(n=MAX_FAILED)


def lock_state_in(session: Session, account_id: str, now: datetime) -> LockState:
    lock = store.open_lock(session, account_id)
    unlocked_at = store.last_unlock(session, account_id)
    times = store.failure_times(session, account_id, since=now - LOCK_WINDOW)
    in_flight = 0
    for pending in store.pending_attempts(session, account_id):
        if pending.created_at > now - RESERVATION_TTL:
            in_flight += 1
        else:
            # Not swept yet (only a write sweeps), but already what the sweep will make of it: a failure.
            times.append(pending.created_at)
    failures = failures_in_window(times, now, unlocked_at=unlocked_at)
    return LockState(lock.locked_at if lock else None, failures, in_flight)


def lock_state(ctx: DeskContext, account_id: str) -> LockState:
    with ctx.db.read() as session:
        return lock_state_in(session, account_id, ctx.clock())


def lock_account(session: Session, ctx: DeskContext, account_id: str, failures: int, now: datetime) -> None:
    lock_id = store.add_lock(session, account_id, now)
    audit_trail.record(
        session,
        ctx.agent,
        AuditAction.VERIFICATION_LOCK,
        entity_type="account",
        entity_id=account_id,
        details={"lock_id": lock_id, "failures": failures},
    )


def settle_stale_reservations(session: Session, ctx: DeskContext, account_id: str, now: datetime) -> None:
    """Settle reservations left by desks that died mid-call as interrupted (audited), locking on the third.

    Runs in the caller's transaction, after `store.serialise_account`.
    """
    stale = [row for row in store.pending_attempts(session, account_id) if row.created_at <= now - RESERVATION_TTL]
    for row in stale:
        assert row.id is not None
        failures = lock_state_in(session, account_id, now).failures
        store.settle_attempt(
            session, row.id, results={}, outcome=store.INTERRUPTED, attempt=failures, at=row.created_at
        )
        audit_trail.record(
            session,
            ctx.agent,
            AuditAction.VERIFICATION_ATTEMPT,
            entity_type="verification",
            entity_id=row.id,
            details={
                "account_id": account_id,
                "ticket_id": row.ticket_id,
                "outcome": store.INTERRUPTED,
                "reserved_by": row.agent,
                "reserved_at": row.created_at.isoformat(),
            },
        )
    if stale and store.open_lock(session, account_id) is None:
        failures = lock_state_in(session, account_id, now).failures
        if failures >= MAX_FAILED:
            lock_account(session, ctx, account_id, failures, now)


def unlock(ctx: DeskContext, account_id: str, reason: str) -> LockState:
    """A supervisor lifts the lock; earlier failures no longer count. The reason is required and audited."""
    if not ctx.is_supervisor:
        raise PermissionDenied(_("only a supervisor can unlock verification"))
    reason = reason.strip()
    if not reason:
        raise Refused(_("give a reason for unlocking"))
    with writing(ctx) as session:
        store.serialise_account(session, account_id)
        # After the wait: failures settled while this waited must fall before the unlock, not after it.
        now = ctx.clock()
        lock = store.open_lock(session, account_id)
        if lock is None:
            raise Refused(_("account {id} is not locked for verification").format(id=account_id))
        lock.unlocked_at, lock.unlocked_by, lock.unlock_reason = now, ctx.agent, reason
        session.add(lock)
        session.flush()
        audit_trail.record(
            session,
            ctx.agent,
            AuditAction.VERIFICATION_UNLOCK,
            entity_type="account",
            entity_id=account_id,
            details={"lock_id": lock.id, "reason": reason},
        )
        return lock_state_in(session, account_id, now)
