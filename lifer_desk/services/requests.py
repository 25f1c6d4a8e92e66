"""Deletion and correction requests: raise, move on once verified, approve, reject, cancel, expire, re-submit,
and the check execution makes before it runs (DESIGN 3 and 4, issue 9).

Every move is one write transaction that loads the row (locked on PostgreSQL; SQLite's `BEGIN IMMEDIATE`
serialises writers), checks the edge with `check_request_transition`, and appends its audit event; the audit
trail is the request's history. Rules, each enforced here and nowhere else:
- a request counts the caller as verified only through a current verification of that account on that ticket;
  without one it waits in `awaiting_verification` until the verification service, settling a verified attempt
  on that ticket, moves it on (`advance_verified`, in the same transaction);
- approval is four-eyes (`may_approve`) and binds the SHA-256 of the canonical payload; the bound hash is
  written to the audit trail, which cannot be rewritten, so `assert_executable` can tell a row edited after
  approval from the one approved;
- username and gender corrections need no approval: once verified they are approved (audited, no approver);
- both legal clocks start at the verification that let the request on;
- the two expiries are settings (`LIFER_REQUEST_APPROVAL_HOURS`, `LIFER_REQUEST_EXECUTION_HOURS`); a row's
  `expires_at` is fixed when it enters its state and is what every check and the sweep read, so all desks
  agree on it, and a changed setting applies from a request's next move.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from lifer_desk.domain.audit_actions import AuditAction
from lifer_desk.domain.identity import ClaimsInvalid, Field
from lifer_desk.domain.legal_clocks import legal_deadlines
from lifer_desk.domain.outbox import OutboxState
from lifer_desk.domain.request_payload import (
    PayloadInvalid,
    RequestPayload,
    correction,
    deletion,
    parse_changes,
)
from lifer_desk.domain.requests import (
    FINAL_STATES,
    DeletionScope,
    Expiry,
    RequestState,
    check_request_transition,
    may_approve,
)
from lifer_desk.domain.tickets import EventKind, Priority, TransitionRefused
from lifer_desk.i18n import _
from lifer_desk.services import audit_trail, outbox
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import NotFound, PermissionDenied, Refused
from lifer_desk.services.request_views import RequestView, request_view, stored_payload
from lifer_desk.services.verification_state import ClaimsRefused, CurrentVerification, current_verification
from lifer_desk.services.writing import writing
from lifer_desk.store import outbox as outbox_store
from lifer_desk.store import requests as store
from lifer_desk.store import tickets as ticket_store
from lifer_desk.store import verifications as verification_store
from lifer_desk.store.models import DataRequest

MAX_REASON = 2_000
EXPIRE_BATCH = 500
_S = RequestState
_EXPIRING = (_S.AWAITING_VERIFICATION, _S.AWAITING_APPROVAL, _S.APPROVED)
# A request that may still act: what a new one must not overlap. An expired one is not (it is re-submitted
# through `resubmit`, which checks the same).
_STILL_OPEN = frozenset(RequestState) - FINAL_STATES - {_S.EXPIRED}


# An audit event, as `audit_trail.record_many` takes it.
_Event = tuple[AuditAction, str, str | int, Mapping[str, Any] | None]


class ChangedSinceApproval(Refused):
    """The stored payload is not the one approved: it must not run."""


class ApprovalExpired(Refused):
    """The approval was not acted on within its window."""


@dataclass(frozen=True)
class _Proof:
    """The verification that lets a request on: its row, and when it was made (the legal clocks start there)."""

    verification_id: int
    verified_at: datetime


# --- helpers --------------------------------------------------------------------------------------------------


def _expiry(ctx: DeskContext) -> Expiry:
    settings = ctx.settings
    return Expiry(
        approval_wait=timedelta(hours=settings.request_approval_hours),
        execution_window=timedelta(hours=settings.request_execution_hours),
    )


def _load(session: Session, request_id: int) -> DataRequest:
    row = store.get(session, request_id, for_update=True)
    if row is None:
        raise NotFound(_("no request #{id}").format(id=request_id))
    return row


def _audit(session: Session, ctx: DeskContext, action: AuditAction, row: DataRequest, **details: Any) -> None:
    assert row.id is not None
    audit_trail.record(session, ctx.agent, action, store.ENTITY, row.id, details)


def _move(
    session: Session,
    ctx: DeskContext,
    row: DataRequest,
    target: RequestState,
    now: datetime,
    action: AuditAction,
    *,
    details: Mapping[str, Any] | None = None,
    deferred: list[_Event] | None = None,
    **changes: Any,
) -> None:
    """Move `row` along one edge of the state machine, or refuse with the reason the domain gives. With
    `deferred`, its audit event is added there, for the caller to flush and record with the others."""
    current = RequestState(row.state)
    try:
        check_request_transition(current, target)
    except TransitionRefused as exc:
        raise Refused(_("request #{id}: {problem}").format(id=row.id, problem=exc)) from None
    for name, value in changes.items():
        setattr(row, name, value)
    row.state, row.state_since, row.updated_at = target, now, now
    row.expires_at = _expiry(ctx).expires_at(target, now)
    row.version += 1
    session.add(row)
    assert row.id is not None
    event: _Event = (action, store.ENTITY, row.id, {"from": str(current), "to": str(target), **(details or {})})
    if deferred is not None:
        deferred.append(event)
        return
    session.flush()
    audit_trail.record_many(session, ctx.agent, [event])


def _proof(session: Session, ticket_id: int, account_id: str, current: CurrentVerification | None) -> _Proof | None:
    """The ticket's current verification, if it is of this account and still the ticket's latest attempt."""
    if current is None or current.account_id != account_id:
        return None
    latest = verification_store.latest_for_ticket(session, ticket_id)
    if latest is None or latest.id is None or latest.created_at != current.verified_at:
        return None  # another attempt was recorded since it was read: it decides, next time
    return _Proof(latest.id, current.verified_at)


def _payload(row: DataRequest) -> RequestPayload:
    payload = stored_payload(row)
    if payload is None or payload.hash != row.payload_hash:
        raise Refused(_("request #{id} was changed outside the desk; cancel it and raise it again").format(id=row.id))
    return payload


def _approve(session: Session, ctx: DeskContext, row: DataRequest, now: datetime, *, four_eyes: bool) -> None:
    """Approve, and write the outbox rows that carry it out in the same transaction (DESIGN 6)."""
    _move(
        session,
        ctx,
        row,
        _S.APPROVED,
        now,
        AuditAction.REQUEST_APPROVE,
        details={"payload_hash": row.payload_hash, "four_eyes": four_eyes},
        approved_by=ctx.agent if four_eyes else None,
        approved_at=now,
    )
    outbox.enqueue(session, row, _payload(row), now)


def _advance(session: Session, ctx: DeskContext, row: DataRequest, proof: _Proof, now: datetime) -> None:
    """The caller is verified: start the legal clocks and go on to approval, or straight to approved."""
    row.verification_id = proof.verification_id
    if row.due_calendar is None:
        legal = legal_deadlines(proof.verified_at)
        row.due_calendar, row.due_working = legal.reply_due, legal.delete_due
    if _payload(row).needs_approval:
        _move(
            session,
            ctx,
            row,
            _S.AWAITING_APPROVAL,
            now,
            AuditAction.REQUEST_SUBMIT,
            details={"verification_id": row.verification_id},
        )
    else:
        _approve(session, ctx, row, now, four_eyes=False)


def _stale(row: DataRequest, now: datetime) -> bool:
    return row.expires_at is not None and now >= row.expires_at


def _refuse_stale(row: DataRequest, now: datetime) -> None:
    """A request past its expiry is refused even before the sweep has marked it."""
    if _stale(row, now):
        raise Refused(
            _("request #{id} expired at {at:%Y-%m-%d %H:%M} UTC; re-submit it").format(id=row.id, at=row.expires_at)
        )


def _refuse_overlap(session: Session, payload: RequestPayload, now: datetime, *, besides: int | None = None) -> None:
    """Refuse a request that asks for some of what a still-open one of the account asks (`RequestPayload.overlaps`),
    naming it: approving both would double a supervisor's work and send the second to find its work done. One
    past its expiry is not open, swept or not.

    Two desks raising at once take turns (`serialise_raising`), so the second sees the first's request. The rows
    are read, not locked: a re-submission already holds its own row, and locking the account's others after it
    would wait on a completing erasure that locks them in id order, and it on us."""
    store.serialise_raising(session, payload.account_id)
    for other in store.of_account(session, payload.account_id, _STILL_OPEN, lock=False):
        stored = stored_payload(other)
        if other.id == besides or _stale(other, now) or stored is None or not payload.overlaps(stored):
            continue
        raise Refused(
            _(
                "request #{id} is still open and already asks for some of this; cancel it first, or leave that out"
            ).format(id=other.id)
        )


# --- raising ----------------------------------------------------------------------------------------------------


def _raise(ctx: DeskContext, ticket_id: int, build: Callable[[str], RequestPayload], priority: Priority) -> RequestView:
    current = current_verification(ctx, ticket_id)
    now = ctx.clock()
    with writing(ctx) as session:
        ticket = ticket_store.get_ticket(session, ticket_id)
        if ticket is None:
            raise NotFound(_("no ticket #{id}").format(id=ticket_id))
        if not ticket.account_id:
            raise Refused(_("link the caller's account to ticket #{id} first").format(id=ticket_id))
        try:
            payload = build(ticket.account_id)
        except PayloadInvalid as exc:
            raise Refused(str(exc)) from None
        _refuse_overlap(session, payload, now)
        row = store.add(
            session,
            DataRequest(
                ticket_id=ticket_id,
                kind=payload.kind,
                account_id=payload.account_id,
                payload=payload.to_json(),
                payload_hash=payload.hash,
                state=_S.DRAFT,
                state_since=now,
                priority=priority,
                requested_by=ctx.agent,
                created_at=now,
                updated_at=now,
            ),
        )
        # Ids, the scope and the names of changed fields only: new values are personal data.
        described = {"scope": str(payload.scope), "images": len(payload.image_ids)} if payload.scope else {}
        _audit(
            session,
            ctx,
            AuditAction.REQUEST_RAISE,
            row,
            ticket_id=ticket_id,
            account_id=payload.account_id,
            kind=str(payload.kind),
            fields=sorted(str(name) for name in payload.changed_fields),
            payload_hash=payload.hash,
            priority=str(priority),
            **described,
        )
        proof = _proof(session, ticket_id, payload.account_id, current)
        if proof is None:
            _move(session, ctx, row, _S.AWAITING_VERIFICATION, now, AuditAction.REQUEST_AWAIT_VERIFICATION)
        else:
            _advance(session, ctx, row, proof, now)
        return request_view(row)


def raise_deletion(
    ctx: DeskContext,
    ticket_id: int,
    scope: DeletionScope,
    *,
    etag: str | None,
    image_ids: tuple[str, ...] = (),
    minor_without_consent: bool = False,
) -> RequestView:
    """Raise a deletion of the ticket's account (or part of it). `minor_without_consent` comes from the
    caller's admin-API summary (under 14, no guardian consent): such data goes first, as urgent."""
    priority = Priority.URGENT if minor_without_consent else Priority.NORMAL
    return _raise(ctx, ticket_id, lambda account: deletion(account, etag, scope, image_ids), priority)


def raise_correction(
    ctx: DeskContext, ticket_id: int, new_values: Mapping[Field, str], *, etag: str | None
) -> RequestView:
    """Raise a correction; the new values are checked as typed (ClaimsRefused names each bad field)."""
    today = ctx.clock().astimezone(ctx.settings.timezone).date()
    try:
        changes = parse_changes(new_values, today=today)
    except ClaimsInvalid as exc:
        raise ClaimsRefused(_("Check the highlighted fields."), exc.errors) from None
    except PayloadInvalid as exc:
        raise Refused(str(exc)) from None
    return _raise(ctx, ticket_id, lambda account: correction(account, etag, changes), Priority.NORMAL)


def advance_verified(
    session: Session, ctx: DeskContext, ticket_id: int, verified: CurrentVerification
) -> list[RequestView]:
    """In the caller's transaction: the caller on `ticket_id` was just verified (`verified`), so the requests
    on that ticket and account waiting for it move on. The verification service calls this as it settles a
    verified attempt; a statement with a masked fragment never gets that far (it is refused as typed).

    Skipped, and never an error (the verification must stand whatever waits on it): one past its expiry, left
    for `expire_due` to mark rather than revived, and one edited outside the desk, refused when acted on.
    """
    proof = _proof(session, ticket_id, verified.account_id, verified)
    if proof is None:
        return []
    now = ctx.clock()
    moved = []
    for row in store.waiting_on_ticket(session, ticket_id, verified.account_id, _S.AWAITING_VERIFICATION):
        payload = stored_payload(row)
        if _stale(row, now) or payload is None or payload.hash != row.payload_hash:
            continue
        _advance(session, ctx, row, proof, now)
        moved.append(request_view(row))
    return moved


def on_verified(ctx: DeskContext, ticket_id: int, account_id: str) -> list[RequestView]:
    """Move on the requests waiting on `ticket_id` if its standing verification is of `account_id`: for a
    verification recorded outside `verification.submit`, which moves them itself."""
    current = current_verification(ctx, ticket_id)
    if current is None or current.account_id != account_id:
        return []
    with writing(ctx) as session:
        return advance_verified(session, ctx, ticket_id, current)


# --- deciding ---------------------------------------------------------------------------------------------------


def approve(ctx: DeskContext, request_id: int, *, seen_hash: str | None = None) -> RequestView:
    """A supervisor other than the requester approves; `seen_hash` (what the approver was shown) must still be
    the payload's hash."""
    now = ctx.clock()
    with writing(ctx) as session:
        row = _load(session, request_id)
        refusal = may_approve(
            approver=ctx.agent, approver_is_supervisor=ctx.is_supervisor, requested_by=row.requested_by
        )
        if refusal is not None:
            raise PermissionDenied(refusal)
        _refuse_stale(row, now)
        _payload(row)
        if seen_hash is not None and seen_hash != row.payload_hash:
            raise Refused(_("request #{id} changed since you read it: review it again").format(id=request_id))
        _approve(session, ctx, row, now, four_eyes=True)
        return request_view(row)


def reject(ctx: DeskContext, request_id: int, reason: str) -> RequestView:
    """A supervisor rejects with a reason, which the requester finds as an internal note on the ticket."""
    if not ctx.is_supervisor:
        raise PermissionDenied(_("only a supervisor can reject a request"))
    reason = reason.strip()
    if not reason:
        raise Refused(_("give a reason for rejecting"))
    if len(reason) > MAX_REASON:
        raise Refused(_("the reason is longer than {n} characters").format(n=MAX_REASON))
    now = ctx.clock()
    with writing(ctx) as session:
        row = _load(session, request_id)
        _move(session, ctx, row, _S.REJECTED, now, AuditAction.REQUEST_REJECT, reject_reason=reason)
        if row.ticket_id is not None:
            # In this transaction, so a rejection is never recorded without its note (nor the note without it).
            note = _("Request #{id} ({kind}) rejected by {agent}: {reason}").format(
                id=row.id, kind=row.kind, agent=ctx.agent, reason=reason
            )
            ticket_store.add_event(session, row.ticket_id, EventKind.NOTE, ctx.agent, note, now, {"request_id": row.id})
            ticket_store.touch(session, row.ticket_id, now)
        return request_view(row)


def cancel(ctx: DeskContext, request_id: int) -> RequestView:
    now = ctx.clock()
    with writing(ctx) as session:
        row = _load(session, request_id)
        if ctx.agent != row.requested_by and not ctx.is_supervisor:
            raise PermissionDenied(_("only the agent who raised a request, or a supervisor, can cancel it"))
        _move(session, ctx, row, _S.CANCELLED, now, AuditAction.REQUEST_CANCEL, cancelled_by=ctx.agent)
        return request_view(row)


# What an erasure leaves pointless: everything of that account not yet running (or failed, awaiting a retry).
_MOOT_AFTER_ERASURE = frozenset({_S.AWAITING_VERIFICATION, _S.AWAITING_APPROVAL, _S.APPROVED, _S.FAILED})


def cancel_after_erasure(session: Session, ctx: DeskContext, erasure: DataRequest, now: datetime) -> list[DataRequest]:
    """Inside the transaction completing the account erasure `erasure`: cancel that account's other open
    requests, with the reason audited, and drop their unsent rows; there is no account left to act on. Returns
    the cancelled rows (the caller notes them on their tickets once the purge is done)."""
    cancelled = []
    # The erasure itself is completed by now, so it is not among them.
    for row in store.of_account(session, erasure.account_id, _MOOT_AFTER_ERASURE):
        reason = _("the account was erased by request #{id}").format(id=erasure.id)
        _move(
            session, ctx, row, _S.CANCELLED, now, AuditAction.REQUEST_CANCEL,
            details={"reason": reason, "erasure_id": erasure.id}, cancelled_by=ctx.agent,
        )  # fmt: skip
        assert row.id is not None
        _supersede(session, row.id)
        cancelled.append(row)
    return cancelled


def expire_due(ctx: DeskContext) -> list[int]:
    """Mark expired every request past either expiry (a batch at a time); returns their ids.

    Every open desk runs it on a timer and `requests list` before it reads, so a cheap read comes first: most
    runs find nothing, and then take no write lock.
    """
    now = ctx.clock()
    with ctx.db.read() as session:
        if not store.due_to_expire(session, _EXPIRING, now, 1):
            return []
    with writing(ctx) as session:
        rows = store.due_to_expire(session, _EXPIRING, now, EXPIRE_BATCH)
        for row in rows:
            _move(session, ctx, row, _S.EXPIRED, now, AuditAction.REQUEST_EXPIRE)
        return [row.id for row in rows if row.id is not None]


def resubmit(ctx: DeskContext, request_id: int, *, etag: str | None = None) -> RequestView:
    """Submit an expired request again (with a fresh ETag when given); it needs approval anew."""
    with ctx.db.read() as session:
        found = store.get(session, request_id)
    if found is None:
        raise NotFound(_("no request #{id}").format(id=request_id))
    current = current_verification(ctx, found.ticket_id) if found.ticket_id is not None else None
    now = ctx.clock()
    with writing(ctx) as session:
        row = _load(session, request_id)
        if ctx.agent != row.requested_by and not ctx.is_supervisor:
            raise PermissionDenied(_("only the agent who raised a request, or a supervisor, can re-submit it"))
        if row.state != _S.EXPIRED:
            # Waiting for verification is a move the state machine allows, but not a re-submission's to make.
            raise Refused(_("request #{id} is {state}: only an expired request can be re-submitted").format(
                id=request_id, state=row.state
            ))  # fmt: skip
        payload = _payload(row)
        _refuse_overlap(session, payload, now, besides=row.id)
        if etag is not None:
            payload = dataclasses.replace(payload, etag=etag)
            row.payload, row.payload_hash = payload.to_json(), payload.hash
        row.approved_by = row.approved_at = None
        proof = _proof(session, row.ticket_id, row.account_id, current) if row.ticket_id is not None else None
        details = {"payload_hash": row.payload_hash}
        if proof is not None and payload.needs_approval:
            _move(session, ctx, row, _S.AWAITING_APPROVAL, now, AuditAction.REQUEST_RESUBMIT, details=details)
        else:
            _move(session, ctx, row, _S.AWAITING_VERIFICATION, now, AuditAction.REQUEST_RESUBMIT, details=details)
            if proof is not None:
                _advance(session, ctx, row, proof, now)
        return request_view(row)


# --- before execution -------------------------------------------------------------------------------------------


def assert_executable(ctx: DeskContext, request_id: int) -> RequestPayload:
    """The payload to execute, once checked: approved (or executing), within its window, and exactly what the
    approval bound, as the audit trail recorded it."""
    with ctx.db.read() as session:
        row = store.get(session, request_id)
        if row is None:
            raise NotFound(_("no request #{id}").format(id=request_id))
        return check_executable(session, row, ctx.clock())


def check_executable(session: Session, row: DataRequest, now: datetime) -> RequestPayload:
    """`assert_executable` inside the caller's transaction."""
    assert row.id is not None
    return check_approved(row, store.approved_hash(session, row.id), now)


def check_approved(row: DataRequest, bound: str | None, now: datetime) -> RequestPayload:
    """`check_executable`, given the payload hash its latest approval bound (None: never approved), as the
    deliverer reads a batch's with `store.approved_hashes` as it leases."""
    assert row.id is not None
    request_id = row.id
    state = RequestState(row.state)
    if state not in (_S.APPROVED, _S.EXECUTING):
        raise Refused(_("request #{id} is {state}, not approved").format(id=request_id, state=state))
    if state is _S.APPROVED and _stale(row, now):
        raise ApprovalExpired(_("request #{id}: the approval expired; re-submit it").format(id=request_id))
    payload = stored_payload(row)
    if payload is None or bound is None or payload.hash != bound or row.payload_hash != bound:
        raise ChangedSinceApproval(_("request #{id} changed since approval").format(id=request_id))
    return payload


# --- execution (the deliverer's moves, each inside its write transaction) --------------------------------------


def start_executions(
    session: Session, ctx: DeskContext, rows: Sequence[DataRequest], now: datetime, *, owner: str
) -> None:
    """Move each approved one of `rows` to executing: one flush and one audit append for the batch a deliverer
    leased (an audit append and a flush each were a fifth of its leasing time)."""
    events: list[_Event] = []
    for row in rows:
        if row.state == _S.APPROVED:
            _move(
                session, ctx, row, _S.EXECUTING, now, AuditAction.REQUEST_EXECUTE,
                details={"deliverer": owner}, deferred=events,
            )  # fmt: skip
    session.flush()
    audit_trail.record_many(session, ctx.agent, events)


def fail_execution(session: Session, ctx: DeskContext, row: DataRequest, now: datetime, problem: str) -> None:
    """The admin API refused for good (or the payload changed): the request fails with the problem detail, and
    its rows not yet sent wait, unsent, for a supervisor's retry."""
    if row.state == _S.APPROVED:
        _move(session, ctx, row, _S.EXECUTING, now, AuditAction.REQUEST_EXECUTE)
    _move(session, ctx, row, _S.FAILED, now, AuditAction.REQUEST_FAIL, details={"problem": problem[:MAX_REASON]})
    assert row.id is not None
    for waiting in outbox_store.for_request(session, row.id, [OutboxState.PENDING, OutboxState.POLLING]):
        if waiting.leased_until is None or waiting.leased_until <= now:
            waiting.state = OutboxState.HELD
            session.add(waiting)


def _supersede(session: Session, request_id: int) -> None:
    for stale in outbox_store.for_request(
        session, request_id, [OutboxState.PENDING, OutboxState.POLLING, OutboxState.HELD]
    ):
        stale.state, stale.leased_by, stale.leased_until = OutboxState.SUPERSEDED, None, None
        session.add(stale)


def back_for_approval(session: Session, ctx: DeskContext, row: DataRequest, etag: str, now: datetime) -> None:
    """The account changed since it was read (412): what was approved no longer describes what would run, so the
    request goes back for approval with the fresh read's ETag, and its unsent rows are dropped (the new approval
    writes new ones)."""
    payload = dataclasses.replace(_payload(row), etag=etag)
    old_hash = row.payload_hash
    row.payload, row.payload_hash = payload.to_json(), payload.hash
    _move(
        session,
        ctx,
        row,
        _S.AWAITING_APPROVAL,
        now,
        AuditAction.REQUEST_STALE,
        details={"old_payload_hash": old_hash, "payload_hash": payload.hash},
        approved_by=None,
        approved_at=None,
    )
    assert row.id is not None
    _supersede(session, row.id)


def expire_approval(session: Session, ctx: DeskContext, row: DataRequest, now: datetime) -> None:
    """An approval not acted on within its window: expired, its rows dropped (re-submitting approves anew)."""
    _move(session, ctx, row, _S.EXPIRED, now, AuditAction.REQUEST_EXPIRE)
    assert row.id is not None
    _supersede(session, row.id)


def retry(ctx: DeskContext, request_id: int) -> RequestView:
    """A supervisor sends a failed request back to the outbox. A row the admin API refused gets a fresh key (the
    refusal changed nothing, and the old key would replay it); a row never sent keeps its own."""
    if not ctx.is_supervisor:
        raise PermissionDenied(_("only a supervisor can retry a request"))
    now = ctx.clock()
    with writing(ctx) as session:
        row = _load(session, request_id)
        if row.state != _S.FAILED:
            raise Refused(_("request #{id} is {state}: only a failed request can be retried").format(
                id=request_id, state=row.state
            ))  # fmt: skip
        payload = _payload(row)
        retried: list[str] = []
        for old in outbox_store.for_request(session, request_id, [OutboxState.FAILED, OutboxState.HELD]):
            if old.state == OutboxState.HELD:
                old.state, old.next_attempt_at = OutboxState.PENDING, now
                session.add(old)
                retried.append(old.id)
                continue
            retried.append(outbox.resend(session, old, payload.etag, now))
        _move(session, ctx, row, _S.EXECUTING, now, AuditAction.REQUEST_RETRY, details={"outbox": sorted(retried)})
        return request_view(row)
