"""Identity verification use cases (issue 5): find the account, check what the caller states, lock, unlock, expire.

The desk never sees registration data: the admin API's verify endpoint answers match, mismatch or absent per
field, and the policy in `domain.identity` turns the answers into verified or failed.

Order of a submission, each step for a reason:
1. parse and check the statement: bad input costs no API call and no attempt;
2. refuse a locked account before calling the API, so a locked account leaks nothing more;
3. call verify (a 429 is reported as "rate limited, try later" and counts for nothing);
4. in one write transaction, serialised per account: re-check the lock (another agent may have locked it while
   our call was out), record the attempt, lock on the third failure, audit both.

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
from functools import partial
from typing import Protocol

from sqlmodel import Session

from lifer_desk.admin_api import RateLimited, UserSummary, VerifyClaims, VerifyResult
from lifer_desk.domain.identity import (
    LOCK_WINDOW,
    MAX_FAILED,
    ClaimError,
    ClaimsInvalid,
    Decision,
    Field,
    FieldResult,
    InsufficientClaims,
    Outcome,
    VerificationPolicy,
    check_stated,
    evaluate,
    failures_in_window,
    is_verification_current,
    normalise_email,
    normalise_username,
    parse_claims,
    verification_expires_at,
)
from lifer_desk.domain.tickets import Category, Channel, Priority
from lifer_desk.i18n import _
from lifer_desk.services import tickets
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import PermissionDenied, Refused
from lifer_desk.services.ticket_views import TicketDetail
from lifer_desk.store import audit
from lifer_desk.store import verifications as store


class VerifyApi(Protocol):
    """The two admin-API calls verification needs (an `AdminClient` is one)."""

    async def lookup_user(
        self, *, email: str | None = None, username: str | None = None, id: str | None = None
    ) -> UserSummary: ...

    async def verify(self, user_id: str, claims: VerifyClaims) -> VerifyResult: ...


class ClaimsRefused(Refused):
    """The statement is refused before any API call; `errors` holds one message per bad field (may be empty)."""

    def __init__(self, message: str, errors: Mapping[Field, str] | None = None) -> None:
        super().__init__(message)
        self.errors = dict(errors or {})


class RateLimitedTryLater(Refused):
    """The admin API answered 429; nothing was counted."""


@dataclass(frozen=True)
class LockState:
    locked_at: datetime | None
    failures: int

    @property
    def locked(self) -> bool:
        return self.locked_at is not None

    @property
    def attempts_left(self) -> int:
        return 0 if self.locked else max(0, MAX_FAILED - self.failures)


@dataclass(frozen=True)
class AccountCheck:
    """The account a verification is about: its masked summary and whether it may be verified now."""

    summary: UserSummary
    lock: LockState

    @property
    def minor_ticket_offered(self) -> bool:
        """Under 14 without guardian consent: its data is sensitive, and the desk offers an urgent ticket."""
        return self.summary.under_14 and self.summary.guardian_consent is not True


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
class CurrentVerification:
    account_id: str
    agent: str
    verified_at: datetime
    expires_at: datetime


def locked_explanation() -> str:
    return _(
        "Locked for verification: {n} failed attempts within 24 h. A supervisor can unlock it; do not verify "
        "this caller any other way."
    ).format(n=MAX_FAILED)


# --- starting: which account --------------------------------------------------------------------------------


def _lookup_key(email: str | None, username: str | None, account_id: str | None) -> dict[str, str]:
    given = [(k, v.strip()) for k, v in (("email", email), ("username", username), ("id", account_id)) if v]
    given = [(k, v) for k, v in given if v]
    if len(given) != 1:
        raise Refused(_("look the account up by exactly one of email, username or id"))
    kind, value = given[0]
    try:
        if kind == "email":
            value = normalise_email(value)
        elif kind == "username":
            value = normalise_username(value)
    except ClaimError as exc:
        raise Refused(_("{field} {problem}").format(field=kind, problem=exc.message)) from None
    if "*" in value:
        raise Refused(_("a masked value cannot find an account: ask for the full value"))
    return {kind: value}


async def start(
    ctx: DeskContext,
    api: VerifyApi,
    *,
    email: str | None = None,
    username: str | None = None,
    account_id: str | None = None,
) -> AccountCheck:
    """Find the account by an exact email, username or id; only its masked summary comes back."""
    summary = await api.lookup_user(**_lookup_key(email, username, account_id))
    return AccountCheck(summary, await asyncio.to_thread(lock_state, ctx, summary.id))


# --- the lock -----------------------------------------------------------------------------------------------


def _lock_state_in(session: Session, account_id: str, now: datetime) -> LockState:
    lock = store.open_lock(session, account_id)
    unlocked_at = store.last_unlock(session, account_id)
    times = store.failure_times(session, account_id, since=now - LOCK_WINDOW)
    return LockState(lock.locked_at if lock else None, failures_in_window(times, now, unlocked_at=unlocked_at))


def lock_state(ctx: DeskContext, account_id: str) -> LockState:
    with ctx.db.read() as session:
        return _lock_state_in(session, account_id, ctx.clock())


def unlock(ctx: DeskContext, account_id: str, reason: str) -> LockState:
    """A supervisor lifts the lock; earlier failures no longer count. The reason is required and audited."""
    if not ctx.is_supervisor:
        raise PermissionDenied(_("only a supervisor can unlock verification"))
    reason = reason.strip()
    if not reason:
        raise Refused(_("give a reason for unlocking"))
    now = ctx.clock()
    with ctx.db.write() as session:
        store.serialise_account(session, account_id)
        lock = store.open_lock(session, account_id)
        if lock is None:
            raise Refused(_("account {id} is not locked for verification").format(id=account_id))
        lock.unlocked_at, lock.unlocked_by, lock.unlock_reason = now, ctx.agent, reason
        session.add(lock)
        session.flush()
        audit.append(
            session,
            actor=ctx.agent,
            action="verification.unlock",
            entity_type="account",
            entity_id=account_id,
            details={"lock_id": lock.id, "reason": reason},
        )
        return _lock_state_in(session, account_id, now)


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


def _record(
    session: Session,
    ctx: DeskContext,
    *,
    account_id: str,
    ticket_id: int | None,
    stated: list[str],
    results: Mapping[Field, FieldResult],
    outcome: Outcome,
    attempt: int,
    now: datetime,
    expires_at: datetime | None = None,
) -> None:
    plain_results = {str(name): str(result) for name, result in results.items()}
    attempt_id = store.add_attempt(
        session,
        ticket_id=ticket_id,
        account_id=account_id,
        agent=ctx.agent,
        fields_stated=stated,
        results=plain_results,
        outcome=outcome,
        attempt=attempt,
        at=now,
        expires_at=expires_at,
    )
    details = {
        "account_id": account_id,
        "ticket_id": ticket_id,
        "fields_stated": sorted(stated),
        "results": plain_results,
        "outcome": str(outcome),
        "attempt": attempt,
    }
    audit.append(
        session,
        actor=ctx.agent,
        action="verification.attempt",
        entity_type="verification",
        entity_id=attempt_id,
        details=details,
    )


def _locked_result(account_id: str) -> VerificationResult:
    return VerificationResult(account_id, Outcome.LOCKED, {}, locked_explanation(), (), 0, True)


def _refuse_locked(ctx: DeskContext, account_id: str, ticket_id: int | None, stated: list[str]) -> VerificationResult:
    now = ctx.clock()
    with ctx.db.write() as session:
        state = _lock_state_in(session, account_id, now)
        _record(
            session,
            ctx,
            account_id=account_id,
            ticket_id=ticket_id,
            stated=stated,
            results={},
            outcome=Outcome.LOCKED,
            attempt=state.failures + 1,
            now=now,
        )
    return _locked_result(account_id)


def _settle(
    ctx: DeskContext,
    account_id: str,
    ticket_id: int | None,
    stated: list[str],
    results: Mapping[Field, FieldResult],
    decision: Decision,
) -> VerificationResult:
    """Record the API's answer, unless the account got locked while the call was out (then it is withheld)."""
    now = ctx.clock()
    with ctx.db.write() as session:
        store.serialise_account(session, account_id)
        state = _lock_state_in(session, account_id, now)
        record = partial(_record, session, ctx, account_id=account_id, ticket_id=ticket_id, stated=stated, now=now)
        if state.locked:
            record(results={}, outcome=Outcome.LOCKED, attempt=state.failures + 1)
            return _locked_result(account_id)
        failed = decision.outcome is Outcome.FAILED
        failures = state.failures + int(failed)
        expires_at = None
        if not failed:
            expires_at = verification_expires_at(now, timedelta(hours=ctx.settings.verification_ttl_hours))
        record(results=results, outcome=decision.outcome, attempt=state.failures + 1, expires_at=expires_at)
        locks_now = failed and failures >= MAX_FAILED
        explanation = decision.explanation
        if locks_now:
            lock_id = store.add_lock(session, account_id, now)
            audit.append(
                session,
                actor=ctx.agent,
                action="verification.lock",
                entity_type="account",
                entity_id=account_id,
                details={"lock_id": lock_id, "failures": failures},
            )
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


def _audit_rate_limited(ctx: DeskContext, account_id: str, ticket_id: int | None) -> None:
    with ctx.db.write() as session:
        audit.append(
            session,
            actor=ctx.agent,
            action="verification.rate_limited",
            entity_type="account",
            entity_id=account_id,
            details={"ticket_id": ticket_id},
        )


async def submit(
    ctx: DeskContext,
    api: VerifyApi,
    account_id: str,
    stated: Mapping[Field, str],
    *,
    ticket_id: int | None = None,
) -> VerificationResult:
    """Check what the caller states against `account_id` (see the module docstring for the order of steps)."""
    policy = ctx.settings.verification_policy
    claims = _checked_claims(ctx, policy, stated)
    fields = sorted(claims.model_dump(exclude_none=True))
    if (await asyncio.to_thread(lock_state, ctx, account_id)).locked:
        return await asyncio.to_thread(_refuse_locked, ctx, account_id, ticket_id, fields)
    try:
        answer = await api.verify(account_id, claims)
    except RateLimited:
        await asyncio.to_thread(_audit_rate_limited, ctx, account_id, ticket_id)
        raise RateLimitedTryLater(_("rate limited, try later (this attempt was not counted)")) from None
    results = _answers(claims, answer)
    decision = evaluate(policy, results)
    return await asyncio.to_thread(_settle, ctx, account_id, ticket_id, fields, results, decision)


# --- expiry -------------------------------------------------------------------------------------------------


def current_verification(ctx: DeskContext, ticket_id: int) -> CurrentVerification | None:
    """The ticket's standing verification: its latest attempt, if that verified and has not expired."""
    with ctx.db.read() as session:
        latest = store.latest_for_ticket(session, ticket_id)
    if latest is None or latest.outcome != Outcome.VERIFIED or latest.expires_at is None:
        return None
    if not is_verification_current(latest.created_at, latest.expires_at, ctx.clock()):
        return None
    return CurrentVerification(latest.account_id, latest.agent, latest.created_at, latest.expires_at)


# --- minors -------------------------------------------------------------------------------------------------


async def open_minor_data_ticket(
    ctx: DeskContext, api: VerifyApi, account_id: str, source: TicketDetail | None = None
) -> TicketDetail:
    """Open an urgent `minor_data` ticket for an under-14 account without guardian consent.

    The flags are read again from the admin API: what the screen showed earlier is not trusted here.
    """
    summary = await api.lookup_user(id=account_id)
    if not AccountCheck(summary, LockState(None, 0)).minor_ticket_offered:
        raise Refused(_("account {id} is not an under-14 account without guardian consent").format(id=account_id))
    return await asyncio.to_thread(_open_minor_ticket, ctx, summary, source)


def _open_minor_ticket(ctx: DeskContext, summary: UserSummary, source: TicketDetail | None) -> TicketDetail:
    origin = _(" on ticket #{id}").format(id=source.id) if source else ""
    draft = tickets.TicketDraft(
        channel=Channel(source.channel) if source else Channel.PHONE,
        subject=_("Under-14 account without guardian consent ({id})").format(id=summary.id),
        body=_(
            "Opened during identity verification{origin}. The admin API flags account {id} as under 14 with no "
            "guardian consent on record: its information is sensitive and needs guardian consent."
        ).format(origin=origin, id=summary.id),
        requester=source.requester if source else summary.email_masked,
        requester_name=source.requester_name if source else "",
        category=Category.MINOR_DATA,
        priority=Priority.URGENT,
        account_id=summary.id,
    )
    # One write transaction: two agents pressing the key at once get the same ticket, never two.
    with ctx.db.write() as session:
        ticket_id = store.open_ticket_id(session, summary.id, Category.MINOR_DATA)
        if ticket_id is None:
            ticket_id = tickets.open_ticket_in(
                session,
                ctx,
                draft,
                via="verification",
                account_id=summary.id,
                source_ticket_id=source.id if source else None,
            )
    return tickets.get_ticket(ctx, ticket_id)
