"""One ingest for every way mail arrives (the MTA pipe, IMAP): parse, thread, refuse junk, store, exactly once.

Each message is one write transaction: its ticket event, attachments, the `mail_message` row that makes a second
delivery a no-op, the audit event and any auto-acknowledgement commit together or not at all. A caller that
removes or flags the mail at its source does so only after `ingest` returned.

A From address is not identity: the sender becomes the ticket's requester contact, never a linked account, and
the thread says when the receiving server found DMARC or SPF failing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from lifer_desk.domain.audit_actions import AuditAction
from lifer_desk.domain.mail import MalformedMail, ParsedMail, parse_mail
from lifer_desk.domain.tickets import Category, Channel, EventKind, Priority, TicketStatus
from lifer_desk.i18n import _
from lifer_desk.services import audit_trail, mail_outbox
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import MailUnreadable
from lifer_desk.services.tickets import (
    MAX_INBOUND_BODY,
    TicketDraft,
    inbound_body,
    open_ticket_in,
    status_clock_changes,
)
from lifer_desk.services.writing import writing
from lifer_desk.store import mail as store
from lifer_desk.store import tickets as store_tickets

# What became of a message.
NEW_TICKET = "ticket"
THREADED = "threaded"
BOUNCE = "bounce"
REFUSED = "refused"
DUPLICATE = "duplicate"
# Automated mail that starts no ticket: a list post, bulk or junk, a robot writing first. Their replies to a desk
# mail still join the thread (an out-of-office answer says the customer is away).
_NO_NEW_TICKET = frozenset({"auto-submitted", "precedence", "mailing-list", "auto-reply"})


@dataclass(frozen=True)
class IngestResult:
    outcome: str
    ticket_id: int | None = None
    reason: str | None = None


def ingest(ctx: DeskContext, raw: bytes) -> IngestResult:
    """Turn one RFC 5322 message into a ticket, a thread event or a recorded refusal."""
    try:
        mail = parse_mail(raw, attachment_cap=ctx.settings.mail_attachment_max_bytes)
    except MalformedMail as exc:
        raise MailUnreadable(_("the message cannot be read: {why}").format(why=exc)) from None
    with writing(ctx) as session:
        earlier = store.seen(session, mail.dedup_key)
        if earlier is not None:
            return IngestResult(DUPLICATE, *earlier)
        return _ingest(session, ctx, mail)


def _ingest(session: Session, ctx: DeskContext, mail: ParsedMail) -> IngestResult:
    now = ctx.clock()
    team = ctx.settings.mail_address
    if team is not None and mail.sender == team:
        return _refuse(session, ctx, mail, "own-address")
    threads = (*mail.bounced, *mail.in_reply_to, *reversed(mail.references))
    if mail.is_bounce:
        return _bounce(session, ctx, mail, store.ticket_for_message_ids(session, threads))
    ticket_id = store.ticket_for_message_ids(session, threads) or _tagged(session, mail)
    if ticket_id is not None:
        body = inbound_body(mail.body or _("(no text)"))
        author = mail.sender_name or mail.sender
        event_id = store_tickets.add_event(session, ticket_id, EventKind.INBOUND, author, body, now, _meta(mail))
        _reopen(session, ticket_id, now)
        outcome = THREADED
    elif mail.automated in _NO_NEW_TICKET:
        return _refuse(session, ctx, mail, mail.automated)
    else:
        draft = TicketDraft(
            channel=Channel.EMAIL,
            subject=mail.subject,
            body=mail.body or _("(no text)"),
            requester=mail.sender,
            requester_name=mail.sender_name,
            category=Category.OTHER,
            priority=Priority.NORMAL,
        )
        # Its ticket.open event says it came by mail; no second event for the same step.
        ticket_id = open_ticket_in(
            session, ctx, draft, event_meta=_meta(mail), via="mail", attachments=len(mail.attachments)
        )
        event_id = store.first_event_id(session, ticket_id)
        outcome = NEW_TICKET
        if mail.automated is None:
            mail_outbox.queue_auto_ack(
                session, ctx, ticket_id, mail.subject, mail.body, mail.sender, mail.message_id, now
            )
    store.add_attachments(session, ticket_id, event_id, mail.attachments)
    _record(session, mail, outcome, now, ticket_id=ticket_id, event_id=event_id)
    if outcome == THREADED:
        details = {"event": event_id, "attachments": len(mail.attachments)}
        audit_trail.record(session, ctx.agent, AuditAction.MAIL_RECEIVED, "ticket", ticket_id, details)
    return IngestResult(outcome, ticket_id)


def _tagged(session: Session, mail: ParsedMail) -> int | None:
    """The ticket `[#N]` in the subject names, if it exists and is not closed (a closed one starts afresh)."""
    if mail.ticket_tag is None:
        return None
    ticket = store_tickets.get_ticket(session, mail.ticket_tag)
    if ticket is None or ticket.status == TicketStatus.CLOSED:
        return None
    return mail.ticket_tag


def _reopen(session: Session, ticket_id: int, now: datetime) -> None:
    """The customer wrote again: a ticket waiting on them, or resolved, is open again; otherwise it is touched."""
    ticket = store_tickets.get_ticket(session, ticket_id)
    assert ticket is not None
    if ticket.status in (TicketStatus.PENDING_CUSTOMER, TicketStatus.RESOLVED):
        before = ticket.status
        # The resolution clock paused while the ticket waited on the customer runs again (issue 13's SLA pause).
        resumed = status_clock_changes(ticket, TicketStatus.OPEN, now)
        store_tickets.update_versioned(session, ticket_id, ticket.version, now, status=TicketStatus.OPEN, **resumed)
        meta = {"from": before, "to": TicketStatus.OPEN}
        store_tickets.add_event(session, ticket_id, EventKind.STATUS, "mail", "", now, meta)
    else:
        store_tickets.touch(session, ticket_id, now)


def _meta(mail: ParsedMail) -> dict[str, Any]:
    """What the thread shows beside the text: the quoted history (on request), attachments, authentication."""
    return {
        "mail": {
            "message_id": mail.message_id,
            "sender": mail.sender,
            "quoted": mail.quoted[:MAX_INBOUND_BODY],
            "attachments": [
                {"name": a.filename, "type": a.content_type, "size": a.size, "stored": a.content is not None}
                for a in mail.attachments
            ],
            "unauthenticated": mail.unauthenticated,
            "automated": mail.automated,
        }
    }


def _bounce(session: Session, ctx: DeskContext, mail: ParsedMail, ticket_id: int | None) -> IngestResult:
    """A delivery report joins the ticket whose mail bounced, as a delivery failure; it never opens a ticket."""
    if ticket_id is None:
        return _refuse(session, ctx, mail, "unmatched-bounce")
    now = ctx.clock()
    why = mail.bounce_status or _("delivery failed")
    store.mark_bounced(session, mail.bounced, why)
    mail_outbox.record_delivery_failure(session, ctx, ticket_id, (mail.bounced or ("",))[0], why, now)
    _record(session, mail, BOUNCE, now, ticket_id=ticket_id)
    return IngestResult(BOUNCE, ticket_id)


def _refuse(session: Session, ctx: DeskContext, mail: ParsedMail, reason: str) -> IngestResult:
    """Recorded (so that a redelivery is recognised) and audited, but no ticket and no reply."""
    _record(session, mail, REFUSED, ctx.clock(), reason=reason)
    audit_trail.record(session, ctx.agent, AuditAction.MAIL_REFUSED, "mail", mail.dedup_key[:16], {"reason": reason})
    return IngestResult(REFUSED, None, reason)


def _record(session: Session, mail: ParsedMail, outcome: str, at: datetime, **where: Any) -> None:
    """The row that makes a second delivery of this mail a no-op, with what became of it."""
    store.record_message(
        session, dedup_key=mail.dedup_key, message_id=mail.message_id, sender=mail.sender, outcome=outcome, at=at,
        **where,
    )  # fmt: skip
