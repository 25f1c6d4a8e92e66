"""Ticket use cases: open, claim, next, reply, note, status, priority, category, link.

Every change checks the rules here (not in the UI), writes the audit event in the same transaction,
and refuses a write over someone else's newer version with a message that says what changed (a reply only
when the change conflicts with it: see _REPLY_CONFLICTS).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from lifer_desk.domain.audit_actions import AuditAction
from lifer_desk.domain.legal_clocks import legal_deadlines
from lifer_desk.domain.sla import resume
from lifer_desk.domain.text_safety import storable
from lifer_desk.domain.tickets import (
    LEGAL_CATEGORIES,
    Category,
    Channel,
    EventKind,
    Priority,
    TicketStatus,
    TransitionRefused,
    check_ticket_transition,
)
from lifer_desk.i18n import _, format_clock
from lifer_desk.services import audit_trail
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import NotFound, Refused, StaleVersion, TakeOverNeeded
from lifer_desk.services.ticket_views import THREAD_WINDOW, ThreadWindow, TicketDetail, detail_view
from lifer_desk.services.writing import writing
from lifer_desk.store import drafts as store_drafts
from lifer_desk.store import tickets as store
from lifer_desk.store.models import Ticket

MAX_TEXT = 20_000
# An inbound message is kept up to this many characters and cut with a visible marker after them. Mail bodies
# past it are quoted history, pasted logs or encoded attachments that no agent reads on a terminal, yet they
# cost the full-text index and every open of the ticket; 5 MB bodies were seen. Four replies' worth of room.
MAX_INBOUND_BODY = 100_000
_COMPARED = ("status", "priority", "category", "assignee", "account_id")
_FIELD_ACTIONS = {"priority": AuditAction.TICKET_PRIORITY, "category": AuditAction.TICKET_CATEGORY}
# What a reply must not be written over: the ticket's status moved (resolved or closed under it), another
# account was linked (the reply was written for the customer shown), or the claim changed hands. A new priority
# or category changes nothing in what the reply says, so it is no reason to refuse it.
_REPLY_CONFLICTS = frozenset({"status", "assignee", "account_id"})


def _load(session: Session, ticket_id: int) -> Ticket:
    ticket = store.get_ticket(session, ticket_id)
    if ticket is None:
        raise NotFound(_("no ticket #{id}").format(id=ticket_id))
    return ticket


def _detail(session: Session, ticket_id: int, window: ThreadWindow = THREAD_WINDOW) -> TicketDetail:
    ticket = _load(session, ticket_id)
    events, total = store.thread(session, ticket_id, newest=window.events, chars=window.chars)
    return detail_view(ticket, events, total)


def get_ticket(ctx: DeskContext, ticket_id: int, window: ThreadWindow = THREAD_WINDOW) -> TicketDetail:
    """The ticket, with as much of its thread as `window` asks for (by default what a ticket opens with)."""
    with ctx.db.read() as session:
        return _detail(session, ticket_id, window)


def ticket_stamp(ctx: DeskContext, ticket_id: int) -> tuple[int, datetime]:
    """(version, updated_at): a cheap way for an open ticket to notice someone else's change."""
    with ctx.db.read() as session:
        ticket = _load(session, ticket_id)
        return ticket.version, ticket.updated_at


def _audit(session: Session, ctx: DeskContext, action: AuditAction, ticket_id: int, **details: Any) -> None:
    audit_trail.record(session, ctx.agent, action, "ticket", ticket_id, details)


def claim(ctx: DeskContext, ticket_id: int, *, take_over: bool = False) -> TicketDetail:
    """Claim a ticket. One owned by another agent is only taken with `take_over` (the agent confirmed it),
    and one whose owner's lease is still live only by a supervisor; a take-over is audited as one."""
    now = ctx.clock()
    with writing(ctx) as session:
        ticket = _load(session, ticket_id)
        previous = ticket.assignee
        if previous is None or previous == ctx.agent:
            if not store.try_claim(session, ticket_id, ctx.agent, now, ctx.lease):
                raise _claimed_by_other(ctx, _load(session, ticket_id))
            _audit(session, ctx, AuditAction.TICKET_CLAIM, ticket_id, previous_assignee=previous)
            return _detail(session, ticket_id)
        live = ticket.claim_expires_at is not None and ticket.claim_expires_at >= now
        if live and not ctx.is_supervisor:
            raise _claimed_by_other(ctx, ticket)
        if not take_over:
            raise TakeOverNeeded(
                _("ticket #{id} belongs to {agent}: take over from {agent}?").format(id=ticket_id, agent=previous),
                previous,
            )
        if not store.take_claim(session, ticket_id, ctx.agent, previous, now, ctx.lease):
            raise Refused(_("ticket #{id} changed hands meanwhile; look again").format(id=ticket_id))
        _audit(session, ctx, AuditAction.TICKET_TAKE_OVER, ticket_id, previous_assignee=previous, live_claim=live)
        return _detail(session, ticket_id)


def _claimed_by_other(ctx: DeskContext, ticket: Ticket) -> Refused:
    until = ticket.claim_expires_at
    return Refused(
        _("ticket #{id} is claimed by {agent} until {until}; only a supervisor may take a live claim").format(
            id=ticket.id, agent=ticket.assignee, until=format_clock(until, ctx.settings.timezone) if until else "?"
        )
    )


def renew_claim(ctx: DeskContext, ticket_id: int) -> bool:
    with writing(ctx) as session:
        return store.renew_claim(session, ticket_id, ctx.agent, ctx.clock(), ctx.lease)


def release_claim(ctx: DeskContext, ticket_id: int) -> None:
    with writing(ctx) as session:
        if store.release_claim(session, ticket_id, ctx.agent, ctx.clock()):
            _audit(session, ctx, AuditAction.TICKET_RELEASE, ticket_id)


def next_unclaimed(ctx: DeskContext) -> TicketDetail | None:
    """Claim the most urgent free ticket; two agents can never get the same one."""
    now = ctx.clock()
    with writing(ctx) as session:
        ticket_id = store.next_unclaimed_id(session, now)
        if ticket_id is None:
            return None
        if not store.try_claim(session, ticket_id, ctx.agent, now, ctx.lease):
            return None
        _audit(session, ctx, AuditAction.TICKET_CLAIM, ticket_id, via="next")
        return _detail(session, ticket_id)


def _require_claim(ticket: Ticket, ctx: DeskContext, now: datetime) -> None:
    held = ticket.assignee == ctx.agent and ticket.claim_expires_at is not None and ticket.claim_expires_at >= now
    if not held:
        if (
            ticket.assignee
            and ticket.assignee != ctx.agent
            and ticket.claim_expires_at
            and ticket.claim_expires_at >= now
        ):
            raise Refused(_("ticket #{id} is claimed by {agent}").format(id=ticket.id, agent=ticket.assignee))
        raise Refused(_("claim ticket #{id} first (c)").format(id=ticket.id))


def _stale(session: Session, seen: TicketDetail) -> StaleVersion:
    current = _load(session, seen.id)
    changes = {
        name: (getattr(seen, name), getattr(current, name))
        for name in _COMPARED
        if getattr(seen, name) != getattr(current, name)
    }
    described = ", ".join(f"{name} {old or '-'} → {new or '-'}" for name, (old, new) in changes.items())
    message = _("ticket #{id} was changed by someone else since you opened it").format(id=seen.id)
    if described:
        message += f" ({described})"
    return StaleVersion(message + _("; reloaded, please check and try again"), changes)


def _update(
    session: Session,
    ctx: DeskContext,
    seen: TicketDetail,
    now: datetime,
    *,
    conflicts: frozenset[str] | None = None,
    **changes: Any,
) -> None:
    """Write `changes` over the version the agent saw. With `conflicts`, a newer version is written over too,
    unless it changed one of those fields (`changes` must then be worked out from the current row)."""
    if store.update_versioned(session, seen.id, seen.version, now, **changes):
        return
    stale = _stale(session, seen)
    if conflicts is None or conflicts.intersection(stale.changes):
        raise stale
    if not store.update_versioned(session, seen.id, _load(session, seen.id).version, now, **changes):
        raise _stale(session, seen)


def inbound_body(body: str) -> str:
    """A customer's message as stored: NUL made visible, cut after MAX_INBOUND_BODY with a marker."""
    body = storable(body)
    if len(body) <= MAX_INBOUND_BODY:
        return body
    cut = len(body) - MAX_INBOUND_BODY
    marker = _("[truncated by the desk: {n:,} more characters not stored]").format(n=cut)
    return f"{body[:MAX_INBOUND_BODY]}\n\n{marker}"


def _clean_text(body: str, what: str) -> str:
    body = storable(body).strip()
    if not body:
        raise Refused(_("the {what} is empty").format(what=what))
    if len(body) > MAX_TEXT:
        raise Refused(_("the {what} is longer than {n} characters").format(what=what, n=MAX_TEXT))
    return body


def reply(ctx: DeskContext, seen: TicketDetail, body: str) -> TicketDetail:
    """Record a reply, queue it for the customer when the ticket came by mail, and start the clock."""
    with writing(ctx) as session:
        reply_in(session, ctx, seen, body)
        return _detail(session, seen.id)


def reply_in(session: Session, ctx: DeskContext, seen: TicketDetail, body: str) -> TicketDetail:
    """`reply` inside a caller's write transaction (a macro is a reply and field changes in one step); returns
    the ticket as it now is, for the next step."""
    body = _clean_text(body, _("reply"))
    now = ctx.clock()
    ticket = _load(session, seen.id)
    _require_claim(ticket, ctx, now)
    changes: dict[str, Any] = {}
    if ticket.first_responded_at is None:
        changes["first_responded_at"] = now
    if ticket.status == TicketStatus.NEW:
        changes["status"] = TicketStatus.OPEN
    _update(session, ctx, seen, now, conflicts=_REPLY_CONFLICTS, **changes)
    event_id = store.add_event(session, seen.id, EventKind.REPLY, ctx.agent, body, now)
    # Imported here: the mail stack (smtplib, email) is not the desk's start-up's to load (issue 16).
    from lifer_desk.services import mail_outbox

    # A mail ticket's reply leaves by the mail outbox, committed with the event or not at all.
    mail_outbox.queue_reply(session, ctx, _load(session, seen.id), event_id, body, now)
    store_drafts.delete_draft(session, ctx.agent, seen.id, EventKind.REPLY)
    _audit(session, ctx, AuditAction.TICKET_REPLY, seen.id, chars=len(body))
    return _detail(session, seen.id)


def add_note(ctx: DeskContext, ticket_id: int, body: str) -> TicketDetail:
    """Internal notes need no claim: anyone may leave one, and they never reach the customer."""
    body = _clean_text(body, _("note"))
    now = ctx.clock()
    with writing(ctx) as session:
        _load(session, ticket_id)
        store.add_event(session, ticket_id, EventKind.NOTE, ctx.agent, body, now)
        store_drafts.delete_draft(session, ctx.agent, ticket_id, EventKind.NOTE)
        store.touch(session, ticket_id, now)
        _audit(session, ctx, AuditAction.TICKET_NOTE, ticket_id, chars=len(body))
        return _detail(session, ticket_id)


def set_status(ctx: DeskContext, seen: TicketDetail, status: str) -> TicketDetail:
    with writing(ctx) as session:
        return status_in(session, ctx, seen, status)


def status_in(session: Session, ctx: DeskContext, seen: TicketDetail, status: str) -> TicketDetail:
    """`set_status` inside a caller's write transaction; returns the ticket as it now is."""
    now = ctx.clock()
    try:
        target = TicketStatus(status)
    except ValueError:
        raise Refused(_("unknown status {status!r}").format(status=status)) from None
    ticket = _load(session, seen.id)
    _require_claim(ticket, ctx, now)
    try:
        check_ticket_transition(TicketStatus(ticket.status), target)
    except TransitionRefused as exc:
        raise Refused(str(exc)) from None
    # Read before the update: it expires the session, and `ticket` would then show the new status.
    before = ticket.status
    _update(session, ctx, seen, now, status=target, **status_clock_changes(ticket, target, now))
    store.add_event(session, seen.id, EventKind.STATUS, ctx.agent, "", now, {"from": before, "to": target})
    _audit(session, ctx, AuditAction.TICKET_STATUS, seen.id, **{"from": before, "to": str(target)})
    return _detail(session, seen.id)


def status_clock_changes(ticket: Ticket, target: TicketStatus, now: datetime) -> dict[str, Any]:
    """What a move to `target` does to the resolution clock, as Zendesk's pausable SLAs: waiting for the
    customer stops it, and leaving that state starts it again with the time paused added. The legal clocks
    never pause. For any use case that changes a ticket's status (an agent's, or the customer's reply)."""
    waiting = target == TicketStatus.PENDING_CUSTOMER
    if waiting and ticket.sla_paused_at is None:
        return {"sla_paused_at": now}
    if not waiting and ticket.sla_paused_at is not None:
        resumed = resume(ticket.resolution_due, ticket.sla_paused_at, ticket.sla_paused_seconds, now)
        return {
            "sla_paused_at": None,
            "resolution_due": resumed.resolution_due,
            "sla_paused_seconds": resumed.paused_seconds,
        }
    return {}


def set_priority(ctx: DeskContext, seen: TicketDetail, priority: str) -> TicketDetail:
    with writing(ctx) as session:
        return priority_in(session, ctx, seen, priority)


def priority_in(session: Session, ctx: DeskContext, seen: TicketDetail, priority: str) -> TicketDetail:
    """`set_priority` inside a caller's write transaction; returns the ticket as it now is."""
    try:
        target = Priority(priority)
    except ValueError:
        raise Refused(_("unknown priority {p!r}").format(p=priority)) from None
    return _set_field(session, ctx, seen, "priority", target, category=Category(seen.category), priority=target)


def set_category(ctx: DeskContext, seen: TicketDetail, category: str) -> TicketDetail:
    with writing(ctx) as session:
        return category_in(session, ctx, seen, category)


def category_in(session: Session, ctx: DeskContext, seen: TicketDetail, category: str) -> TicketDetail:
    """`set_category` inside a caller's write transaction; returns the ticket as it now is."""
    try:
        target = Category(category)
    except ValueError:
        raise Refused(_("unknown category {c!r}").format(c=category)) from None
    return _set_field(session, ctx, seen, "category", target, category=target, priority=Priority(seen.priority))


def _set_field(
    session: Session,
    ctx: DeskContext,
    seen: TicketDetail,
    name: str,
    value: str,
    *,
    category: Category,
    priority: Priority,
) -> TicketDetail:
    """Change priority or category; the SLA due times follow the policy for the new pair."""
    now = ctx.clock()
    ticket = _load(session, seen.id)
    _require_claim(ticket, ctx, now)
    old = getattr(ticket, name)
    due = ctx.sla.due_times(category, priority, ticket.created_at)
    changes: dict[str, Any] = {
        name: value,
        "first_response_due": due.first_response,
        # The pauses so far still count: a new target does not take back the time the customer had.
        "resolution_due": due.resolution + timedelta(seconds=ticket.sla_paused_seconds),
    }
    if category in LEGAL_CATEGORIES and ticket.legal_due_calendar is None:
        legal = legal_deadlines(now)
        changes |= {"legal_due_calendar": legal.reply_due, "legal_due_working": legal.delete_due}
    _update(session, ctx, seen, now, **changes)
    store.add_event(session, seen.id, EventKind.FIELD, ctx.agent, "", now, {"field": name, "from": old, "to": value})
    _audit(session, ctx, _FIELD_ACTIONS[name], seen.id, **{"from": old, "to": str(value)})
    return _detail(session, seen.id)


def link_account(ctx: DeskContext, seen: TicketDetail, account_id: str) -> TicketDetail:
    """Link the admin-API account found by an exact lookup; only its id is stored."""
    now = ctx.clock()
    with writing(ctx) as session:
        ticket = _load(session, seen.id)
        _require_claim(ticket, ctx, now)
        meta = {"field": "account", "from": ticket.account_id, "to": account_id}
        _update(session, ctx, seen, now, account_id=account_id)
        store.add_event(session, seen.id, EventKind.FIELD, ctx.agent, "", now, meta)
        _audit(session, ctx, AuditAction.TICKET_LINK_ACCOUNT, seen.id, account_id=account_id)
        return _detail(session, seen.id)


@dataclass(frozen=True)
class TicketDraft:
    channel: Channel
    subject: str
    body: str
    requester: str
    requester_name: str
    category: Category
    priority: Priority
    account_id: str | None = None


def open_ticket(ctx: DeskContext, draft: TicketDraft) -> TicketDetail:
    """A new ticket with SLA due times from the policy, and legal clocks for privacy requests."""
    with writing(ctx) as session:
        return _detail(session, open_ticket_in(session, ctx, draft))


def open_ticket_in(
    session: Session,
    ctx: DeskContext,
    draft: TicketDraft,
    *,
    event_meta: dict[str, Any] | None = None,
    **audit_details: Any,
) -> int:
    """`open_ticket` inside a caller's write transaction, for use cases that open a ticket as one step of
    a larger change; `event_meta` goes beside the first message in the thread, and `audit_details` (ids only)
    join the ticket.open audit event."""
    subject = _clean_text(draft.subject, _("subject"))
    now = ctx.clock()
    due = ctx.sla.due_times(draft.category, draft.priority, now)
    legal = legal_deadlines(now) if draft.category in LEGAL_CATEGORIES else None
    new = store.NewTicket(
        channel=draft.channel,
        subject=subject,
        body=inbound_body(draft.body),
        requester=storable(draft.requester),
        requester_name=storable(draft.requester_name),
        category=draft.category,
        priority=draft.priority,
        first_response_due=due.first_response,
        resolution_due=due.resolution,
        created_at=now,
        account_id=draft.account_id,
        legal_due_calendar=legal.reply_due if legal else None,
        legal_due_working=legal.delete_due if legal else None,
        event_meta=event_meta,
    )
    ticket_id = store.create_ticket(session, new)
    details = {"category": str(draft.category), "priority": str(draft.priority), **audit_details}
    _audit(session, ctx, AuditAction.TICKET_OPEN, ticket_id, **details)
    return ticket_id
