"""Identity verification use cases (issue 5): check the account found, check what the caller states, expire.

The desk never sees registration data: the admin API's verify endpoint answers match, mismatch or absent per
field, and the policy in `domain.identity` turns the answers into verified or failed. The attempt limit lives
in `verification_locks`, the urgent ticket for an under-14 account in `minor_data`.

Order of a submission, each step for a reason:
1. parse and check the statement: bad input costs no API call and no attempt;
2. in one write transaction, serialised per account, reserve the attempt: refuse a locked account (it leaks
   nothing more), and refuse while the calls already out could use up the attempts left, so that simultaneous
   attempts never send more verify calls than the limit allows;
3. call verify (a 429 is reported as "rate limited, try later" and counts for nothing; any failure withdraws
   the reservation, since no answer means no attempt);
4. in one write transaction, serialised per account: settle the reservation with the outcome, lock on the
   third failure, audit both.

What the caller claimed is not stored at all, not even as a keyed hash: nothing reads it back, and a hash of a
birthday or a gender is found by trying every value, for anyone who holds the key, which would sit on the same
host as the database. `verification.claims_hashed` therefore stays empty.

DB work runs in short sync transactions on a thread (`asyncio.to_thread`) so the event loop stays free.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from lifer_desk.admin_api import RateLimited, VerifyClaims, VerifyResult
from lifer_desk.domain.audit_actions import AuditAction
from lifer_desk.domain.identity import (
    MAX_FAILED,
    ClaimsInvalid,
    Decision,
    Field,
    FieldResult,
    InsufficientClaims,
    Outcome,
    VerificationPolicy,
    check_stated,
    evaluate,
    parse_claims,
    verification_expires_at,
)
from lifer_desk.i18n import _
from lifer_desk.services import audit_trail, requests
from lifer_desk.services.accounts import FoundAccount
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import Refused
from lifer_desk.services.minor_data import minor_ticket_offered
from lifer_desk.services.verification_locks import (
    LockState,
    lock_account,
    lock_state,
    lock_state_in,
    locked_explanation,
    settle_stale_reservations,
)

# Re-exported: the desk and the CLI import these from here, where they have always been.
from lifer_desk.services.verification_state import ClaimsRefused as ClaimsRefused
from lifer_desk.services.verification_state import CurrentVerification as CurrentVerification
from lifer_desk.services.verification_state import current_verification as current_verification
from lifer_desk.services.writing import writing
from lifer_desk.store import verifications as store


class RateLimitedTryLater(Refused):
    """The admin API answered 429; nothing was counted."""


class AttemptUnderWay(Refused):
    """The verify calls already out on this account could use up the attempts left; nothing was sent."""


@dataclass(frozen=True)
class AccountCheck:
    """The account a verification is about: its masked summary and whether it may be verified now."""

    account: FoundAccount
    lock: LockState

    @property
    def minor_ticket_offered(self) -> bool:
        return minor_ticket_offered(self.account.summary)


@dataclass(frozen=True)
class VerificationResult:
    account_id: str
    outcome: Outcome
    results: Mapping[Field, FieldResult]
    explanation: str
    mismatched: tuple[Field, ...]
    attempts_left: int
    locked: bool
    expires_at: datetime | None = None


@dataclass(frozen=True)
class _Reservation:
    """An attempt written as pending before its verify call goes out."""

    attempt_id: int
    account_id: str
    ticket_id: int | None
    stated: list[str]


def check_account(ctx: DeskContext, account: FoundAccount) -> AccountCheck:
    """The account found (`accounts.find_account`) with its lock state: may it be verified now?"""
    return AccountCheck(account, lock_state(ctx, account.summary.id))


# --- submitting -------------------------------------------------------------------------------------------


def _checked_claims(ctx: DeskContext, policy: VerificationPolicy, stated: Mapping[Field, str]) -> VerifyClaims:
    today = ctx.clock().astimezone(ctx.settings.timezone).date()
    try:
        claims = parse_claims(stated, today=today)
        check_stated(policy, claims)
    except ClaimsInvalid as exc:
        raise ClaimsRefused(_("Check the highlighted fields."), exc.errors) from None
    except InsufficientClaims as exc:
        raise ClaimsRefused(str(exc)) from None
    return VerifyClaims(**{name.value: value for name, value in claims.normalised().items()})


def _answers(claims: VerifyClaims, answer: VerifyResult) -> dict[Field, FieldResult]:
    """Per stated field; a field the API left out counts as absent, never as a match."""
    stated = claims.model_dump(exclude_none=True)
    return {
        name: FieldResult(getattr(answer, name.value) or FieldResult.ABSENT) for name in Field if name.value in stated
    }


def _audit_attempt(
    session: Session,
    ctx: DeskContext,
    attempt_id: int,
    reservation: _Reservation,
    results: Mapping[str, str],
    outcome: Outcome,
    attempt: int,
) -> None:
    details = {
        "account_id": reservation.account_id,
        "ticket_id": reservation.ticket_id,
        "fields_stated": sorted(reservation.stated),
        "results": dict(results),
        "outcome": str(outcome),
        "attempt": attempt,
    }
    audit_trail.record(
        session,
        ctx.agent,
        AuditAction.VERIFICATION_ATTEMPT,
        entity_type="verification",
        entity_id=attempt_id,
        details=details,
    )


def _locked_result(account_id: str) -> VerificationResult:
    return VerificationResult(account_id, Outcome.LOCKED, {}, locked_explanation(), (), 0, True)


def _reserve(
    ctx: DeskContext, account_id: str, ticket_id: int | None, stated: list[str]
) -> _Reservation | VerificationResult | None:
    """The pending attempt, the LOCKED result (recorded and audited), or None while the calls out use up the
    attempts left. One transaction, serialised per account: no two desks reserve on the same count."""
    with writing(ctx) as session:
        store.serialise_account(session, account_id)
        # Read after the wait: a clock read before it could predate attempts settled meanwhile, and miss them.
        now = ctx.clock()
        settle_stale_reservations(session, ctx, account_id, now)
        state = lock_state_in(session, account_id, now)
        if not state.locked and not state.may_reserve:
            return None
        # On a locked account the attempt is recorded as refused at once, and no call is made.
        outcome = Outcome.LOCKED if state.locked else store.PENDING
        attempt = state.failures + state.in_flight + 1
        attempt_id = store.add_attempt(
            session,
            ticket_id=ticket_id,
            account_id=account_id,
            agent=ctx.agent,
            fields_stated=stated,
            results={},
            outcome=outcome,
            attempt=attempt,
            at=now,
            expires_at=None,
        )
        reservation = _Reservation(attempt_id, account_id, ticket_id, stated)
        if not state.locked:
            return reservation
        _audit_attempt(session, ctx, attempt_id, reservation, {}, Outcome.LOCKED, attempt)
        return _locked_result(account_id)


def _withdraw(ctx: DeskContext, reservation: _Reservation, *, rate_limited: bool) -> None:
    """The call got no answer: the reservation was no attempt. A 429 is audited (the API counted it)."""
    with writing(ctx) as session:
        store.drop_pending(session, reservation.attempt_id)
        if rate_limited:
            audit_trail.record(
                session,
                ctx.agent,
                AuditAction.VERIFICATION_RATE_LIMITED,
                entity_type="account",
                entity_id=reservation.account_id,
                details={"ticket_id": reservation.ticket_id},
            )


def _settle(
    ctx: DeskContext, reservation: _Reservation, results: Mapping[Field, FieldResult], decision: Decision
) -> VerificationResult:
    """Record the API's answer on the reservation, locking on the third failure."""
    account_id = reservation.account_id
    with writing(ctx) as session:
        store.serialise_account(session, account_id)
        now = ctx.clock()  # after the wait, as in `_reserve`
        settle_stale_reservations(session, ctx, account_id, now)
        state = lock_state_in(session, account_id, now)
        failed = decision.outcome is Outcome.FAILED
        failures = state.failures + int(failed)
        expires_at = None
        if not failed:
            expires_at = verification_expires_at(now, timedelta(hours=ctx.settings.verification_ttl_hours))
        plain_results = {str(name): str(result) for name, result in results.items()}
        attempt = state.failures + 1
        settled = store.settle_attempt(
            session,
            reservation.attempt_id,
            results=plain_results,
            outcome=decision.outcome,
            attempt=attempt,
            at=now,
            expires_at=expires_at,
        )
        if not settled:
            # Out for longer than any call takes: another desk settled it as interrupted (a failure).
            raise Refused(_("the admin API answered too late; this attempt was counted as failed"))
        _audit_attempt(session, ctx, reservation.attempt_id, reservation, plain_results, decision.outcome, attempt)
        if decision.outcome is Outcome.VERIFIED and reservation.ticket_id is not None and expires_at is not None:
            # In this transaction: the caller is never verified without the requests waiting for it moving on.
            verified = CurrentVerification(account_id, ctx.agent, now, expires_at)
            requests.advance_verified(session, ctx, reservation.ticket_id, verified)
        locks_now = failed and failures >= MAX_FAILED
        explanation = decision.explanation
        if locks_now:
            lock_account(session, ctx, account_id, failures, now)
            explanation += " " + locked_explanation()
        return VerificationResult(
            account_id=account_id,
            outcome=decision.outcome,
            results=dict(results),
            explanation=explanation,
            mismatched=decision.mismatched,
            attempts_left=0 if locks_now else max(0, MAX_FAILED - failures),
            locked=locks_now,
            expires_at=expires_at,
        )


async def submit(
    ctx: DeskContext,
    account_id: str,
    stated: Mapping[Field, str],
    *,
    ticket_id: int | None = None,
) -> VerificationResult:
    """Check what the caller states against `account_id` (see the module docstring for the order of steps)."""
    policy = ctx.settings.verification_policy
    claims = _checked_claims(ctx, policy, stated)
    fields = sorted(claims.model_dump(exclude_none=True))
    api = await ctx.admin.get()
    reserved = await asyncio.to_thread(_reserve, ctx, account_id, ticket_id, fields)
    if reserved is None:
        raise AttemptUnderWay(_("another verification of this account is under way: try again in a moment"))
    if isinstance(reserved, VerificationResult):
        return reserved
    try:
        answer = await api.verify(account_id, claims)
    except BaseException as exc:
        # Also on cancellation: the thread finishes the withdrawal even if this task is cancelled again.
        await asyncio.to_thread(_withdraw, ctx, reserved, rate_limited=isinstance(exc, RateLimited))
        if isinstance(exc, RateLimited):
            raise RateLimitedTryLater(_("rate limited, try later (this attempt was not counted)")) from None
        raise
    results = _answers(claims, answer)
    return await asyncio.to_thread(_settle, ctx, reserved, results, evaluate(policy, results))
