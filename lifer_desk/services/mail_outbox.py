"""Outgoing mail: written to `outbound_mail` in the transaction of the thread event, sent later by SMTP.

A reply is composed in full (Message-ID, threading headers, signature) when it is queued, so what is sent is what
was recorded, and a resend after a crash carries the same Message-ID. SMTP has no idempotency key: a deliverer
that dies after the server accepted a mail and before it recorded that sends it once more when the lease runs
out, so each crash can cost at most one duplicate, which mail clients fold by Message-ID (README).

Sending: `smtplib`, the standard library's client, is all SMTP submission needs (STARTTLS, implicit TLS, AUTH);
one connection carries a whole batch.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from urllib.parse import unquote, urlsplit

from sqlmodel import Session

from lifer_desk.config import Settings
from lifer_desk.domain.audit_actions import AuditAction
from lifer_desk.domain.forgetting import REDACTED
from lifer_desk.domain.mail import (
    OutgoingMail,
    address_domain,
    compose,
    looks_chinese,
    new_message_id,
    reply_subject,
    thread_references,
    with_signature,
)
from lifer_desk.domain.tickets import EventKind
from lifer_desk.i18n import _
from lifer_desk.services import audit_trail
from lifer_desk.services.context import DeskContext
from lifer_desk.services.errors import MailNotConfigured, Refused
from lifer_desk.services.writing import writing
from lifer_desk.store import mail as store
from lifer_desk.store import tickets as store_tickets
from lifer_desk.store.models import MailMessage, OutboundMail, Ticket

REPLY = "reply"
AUTO_ACK = "auto_ack"
# Auto-acknowledgements per sender in a day: a robot that escaped the header checks gets at most this many.
AUTO_ACK_LIMIT = 3
AUTO_ACK_WINDOW = timedelta(hours=24)
LEASE = timedelta(minutes=5)
FIRST_RETRY = timedelta(seconds=30)
LAST_RETRY = timedelta(hours=1)
_LOOPBACK = ("127.0.0.1", "::1", "localhost")


class MailRefused(Exception):
    """The SMTP server refused the mail for good (a 5xx reply); `reply` is what it said."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


class Sender(Protocol):
    """One SMTP session: `send` raises MailRefused for a permanent refusal, OSError or SMTPException otherwise."""

    def send(self, raw: bytes, sender: str, recipient: str) -> None: ...

    def close(self) -> None: ...


class SmtpSender:
    """Submission to `LIFER_SMTP_URL`: smtps:// is implicit TLS; smtp:// upgrades with STARTTLS, which only a
    loopback server may lack (a local relay or the test sink)."""

    def __init__(self, settings: Settings, timeout: float = 30.0) -> None:
        if settings.smtp_url is None:
            raise MailNotConfigured(_("LIFER_SMTP_URL is not set: the desk cannot send mail"))
        url = urlsplit(settings.smtp_url)
        host = url.hostname or "localhost"
        context = ssl.create_default_context()
        self._smtp: smtplib.SMTP
        if url.scheme == "smtps":
            self._smtp = smtplib.SMTP_SSL(host, url.port or 465, timeout=timeout, context=context)
        else:
            self._smtp = smtplib.SMTP(host, url.port or 587, timeout=timeout)
            self._smtp.ehlo()
            if self._smtp.has_extn("starttls"):
                self._smtp.starttls(context=context)
                self._smtp.ehlo()
            elif host not in _LOOPBACK:
                self._smtp.close()
                raise MailNotConfigured(_("the SMTP server {host} offers no STARTTLS").format(host=host))
        if url.username:
            password = settings.smtp_password.reveal() if settings.smtp_password else ""
            self._smtp.login(unquote(url.username), password)

    def send(self, raw: bytes, sender: str, recipient: str) -> None:
        try:
            refused = self._smtp.sendmail(sender, [recipient], raw)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            if code >= 500:
                raise MailRefused(f"{code} {_said(text)}") from None
            raise
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code >= 500:
                raise MailRefused(f"{exc.smtp_code} {_said(exc.smtp_error)}") from None
            raise
        if refused:
            code, text = next(iter(refused.values()))
            raise MailRefused(f"{code} {_said(text)}")

    def close(self) -> None:
        try:
            self._smtp.quit()
        except (OSError, smtplib.SMTPException):
            self._smtp.close()


def _said(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


def _team(ctx: DeskContext) -> str | None:
    return ctx.settings.mail_address


# What the deletion purge leaves of an address.
_ERASED = ("", REDACTED)


def _reply_target(session: Session, ctx: DeskContext, ticket: Ticket) -> tuple[str, MailMessage | None] | None:
    """Where a reply on `ticket` is mailed (the address that last wrote in, else the requester) and that mail;
    None when replies on it are not mailed (another channel, or a desk with no team address)."""
    if ticket.channel != "email" or _team(ctx) is None or ticket.id is None:
        return None
    last = store.last_inbound(session, ticket.id)
    return (last.sender if last is not None else ticket.requester), last


def reply_cannot_be_mailed(session: Session, ctx: DeskContext, ticket: Ticket) -> bool:
    """Whether a reply on `ticket` would have to be mailed to an address the deletion purge erased."""
    target = _reply_target(session, ctx, ticket)
    return target is not None and target[0] in _ERASED


def queue_reply(session: Session, ctx: DeskContext, ticket: Ticket, event_id: int, body: str, at: datetime) -> None:
    """Queue the agent's reply to a mail ticket, to the address that wrote in (`services.tickets.reply` calls
    this in its transaction). Tickets of other channels, or a desk with no team address, send nothing."""
    target = _reply_target(session, ctx, ticket)
    team = _team(ctx)
    if target is None or team is None or ticket.id is None:
        return
    recipient, last = target
    if recipient in _ERASED:
        # The deletion purge erased the address (a confirmation goes to the account's address of record
        # through the admin API instead): mailing "[redacted]" would bounce at best. The refusal rolls back the
        # reply, and the agent's text stays in their draft.
        raise Refused(_("the customer's address was erased with their account: this reply cannot be mailed"))
    parent = last.message_id if last is not None else None
    first = store.first_inbound_message_id(session, ticket.id)
    references = thread_references([first] if first else [], parent)
    _queue(session, ctx, team, ticket.id, event_id, REPLY, recipient, ticket.subject, body, parent, references, at)


def _queue(
    session: Session,
    ctx: DeskContext,
    team: str,
    ticket_id: int,
    event_id: int | None,
    kind: str,
    to: str,
    subject: str,
    body: str,
    parent: str | None,
    references: tuple[str, ...],
    at: datetime,
) -> None:
    """Compose the mail now (its Message-ID fixed before any attempt) and write it to the outbox."""
    mail = OutgoingMail(
        message_id=new_message_id(address_domain(team)),
        sender=team,
        sender_name=ctx.settings.mail_name,
        recipient=to,
        subject=reply_subject(subject, ticket_id),
        body=with_signature(body, ctx.settings.mail_signature),
        in_reply_to=parent,
        references=references,
        # RFC 3834: an acknowledgement is marked, so that other robots do not answer it.
        auto_submitted="auto-replied" if kind == AUTO_ACK else None,
    )
    store.enqueue(
        session,
        ticket_id=ticket_id,
        event_id=event_id,
        kind=kind,
        message_id=mail.message_id,
        recipient=to,
        raw=compose(mail),
        at=at,
    )


_ACK = {
    "en": (
        "Thank you for writing to us. Your message has reached our customer service as ticket #{id}; "
        "we will answer you by email. Please keep [#{id}] in the subject if you write again."
    ),
    "zh": "感谢您的来信。您的邮件已转为客服工单 #{id}，我们会通过邮件回复您。如需补充，请在主题中保留 [#{id}]。",
}


def queue_auto_ack(
    session: Session, ctx: DeskContext, ticket_id: int, subject: str, body: str, to: str, parent: str, at: datetime
) -> bool:
    """The optional acknowledgement of a new mail ticket, in the language the customer wrote in; at most
    AUTO_ACK_LIMIT a day to one sender, so that a loop with a robot the header checks missed stays short."""
    team = _team(ctx)
    if not ctx.settings.mail_auto_ack or team is None:
        return False
    if store.queued_for(session, to, AUTO_ACK, at - AUTO_ACK_WINDOW) >= AUTO_ACK_LIMIT:
        return False
    text = _ACK["zh" if looks_chinese(subject + body) else "en"].format(id=ticket_id)
    _queue(session, ctx, team, ticket_id, None, AUTO_ACK, to, subject, text, parent, (parent,), at)
    return True


@dataclass(frozen=True)
class DeliveryReport:
    sent: int
    retrying: int
    failed: int


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... up to an hour between attempts."""
    delay: timedelta = FIRST_RETRY * (2 ** max(attempts - 1, 0))
    return min(delay, LAST_RETRY)


def deliver_due(
    ctx: DeskContext, open_sender: Callable[[], Sender] | None = None, *, limit: int = 200
) -> DeliveryReport:
    """Send the mails that are due, once each, over one SMTP session; each outcome is recorded as it comes."""
    team = _team(ctx)
    if team is None:
        raise MailNotConfigured(_("LIFER_MAIL_ADDRESS is not set: the desk has no address to send from"))
    now = ctx.clock()
    with writing(ctx) as session:
        due = store.lease_due(session, now, LEASE, limit)
    if not due:
        return DeliveryReport(0, 0, 0)
    sent = retrying = failed = 0
    try:
        sender = (open_sender or (lambda: SmtpSender(ctx.settings)))()
    except (OSError, smtplib.SMTPException) as exc:
        for mail in due:
            _retry(ctx, mail, now, exc)
        return DeliveryReport(0, len(due), 0)
    try:
        for mail in due:
            assert mail.id is not None
            try:
                sender.send(mail.raw, team, mail.recipient)
            except MailRefused as exc:
                _fail(ctx, mail, exc.reply)
                failed += 1
            except (OSError, smtplib.SMTPException) as exc:
                _retry(ctx, mail, now, exc)
                retrying += 1
            else:
                with writing(ctx) as session:
                    store.settle(session, mail.id, state=store.SENT, at=ctx.clock())
                    details = {"mail": mail.id, "kind": mail.kind}
                    audit_trail.record(session, ctx.agent, AuditAction.MAIL_SENT, "ticket", mail.ticket_id, details)
                sent += 1
    finally:
        sender.close()
    return DeliveryReport(sent, retrying, failed)


def _retry(ctx: DeskContext, mail: OutboundMail, now: datetime, exc: BaseException) -> None:
    assert mail.id is not None
    error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    with writing(ctx) as session:
        store.settle(
            session, mail.id, state=store.PENDING, at=now, error=error, retry_at=now + backoff(mail.attempts + 1)
        )


def _fail(ctx: DeskContext, mail: OutboundMail, reply: str) -> None:
    """A permanent refusal: the mail is failed, and the thread says so where the agent will see it."""
    assert mail.id is not None
    now = ctx.clock()
    with writing(ctx) as session:
        store.settle(session, mail.id, state=store.FAILED, at=now, error=reply)
        record_delivery_failure(session, ctx, mail.ticket_id, mail.message_id, reply, now)


def record_delivery_failure(
    session: Session, ctx: DeskContext, ticket_id: int, message_id: str, why: str, at: datetime
) -> None:
    meta = {"message_id": message_id, "reason": why[:500]}
    text = _("The mail to the customer was not delivered: {why}").format(why=why[:500])
    store_tickets.add_event(session, ticket_id, EventKind.DELIVERY, "mail", text, at, meta)
    store_tickets.touch(session, ticket_id, at)
    audit_trail.record(session, ctx.agent, AuditAction.MAIL_FAILED, "ticket", ticket_id, {"message_id": message_id})
