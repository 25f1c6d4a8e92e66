"""services.mail_intake on SQLite and PostgreSQL: the corpus's expected outcomes, exactly-once, threading, loops."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from lifer_desk.domain.forgetting import REDACTED
from lifer_desk.domain.tickets import EventKind, TicketStatus
from lifer_desk.services import mail_intake, mail_outbox, tickets
from lifer_desk.services.errors import MailUnreadable, Refused
from lifer_desk.store.audit import verify_chain
from lifer_desk.store.db import Database
from lifer_desk.store.models import MailAttachment, MailMessage, OutboundMail, Ticket, TicketEvent
from tests.mail.mail_support import TEAM, Clock, agent, corpus, host, message

# Each corpus message, with what becomes of it when it arrives after the Outlook mail opened ticket #1 and the
# agent's reply to it bounced.
EXPECTED = {
    "qq_gb18030.eml": "ticket",
    "foxmail_gb2312.eml": "ticket",
    "apple_attachment.eml": "ticket",
    "out_of_office.eml": "threaded",
    "dsn_bounce.eml": "bounce",
    "mailing_list.eml": "refused",
    "malformed_headers.eml": "ticket",
    "oversize_attachment.eml": "ticket",
    "markup_subject.eml": "ticket",
    "own_address.eml": "refused",
}


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _reply(db: Database, clock: Clock, ticket_id: int, body: str = "Please try again now.") -> None:
    desk = agent(db, clock)
    tickets.claim(desk, ticket_id)
    tickets.reply(desk, tickets.get_ticket(desk, ticket_id), body)


def _outbound(db: Database) -> list[OutboundMail]:
    with db.read() as session:
        return list(session.exec(select(OutboundMail).order_by(OutboundMail.id)))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_corpus_message_has_its_expected_outcome(
    db: Database, clock: Clock, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = host(db, clock, mail_attachment_max_bytes=5_000)
    first = mail_intake.ingest(ctx, corpus("outlook_html.eml"))
    assert (first.outcome, first.ticket_id) == ("ticket", 1)
    # The reply the DSN reports on carries the Message-ID the corpus names.
    monkeypatch.setattr(mail_outbox, "new_message_id", lambda _domain: "<desk.bounced0001@lifer.example>")
    _reply(db, clock, 1)
    result = mail_intake.ingest(ctx, corpus(name))
    assert result.outcome == EXPECTED[name]
    assert (result.ticket_id == 1) == (EXPECTED[name] in ("threaded", "bounce"))
    assert verify_chain(db).ok


def test_unreadable_mail_is_refused_with_a_clear_error(db: Database, clock: Clock) -> None:
    with pytest.raises(MailUnreadable, match="cannot be read"):
        mail_intake.ingest(host(db, clock), corpus("garbage.eml"))


def test_the_same_mail_delivered_twice_makes_one_ticket_event(db: Database, clock: Clock) -> None:
    ctx = host(db, clock)
    raw = message()
    assert mail_intake.ingest(ctx, raw).outcome == "ticket"
    again = mail_intake.ingest(ctx, b"Received: from relay2.example by mx.lifer.example\n" + raw)
    assert (again.outcome, again.ticket_id) == ("duplicate", 1)
    assert len(tickets.get_ticket(ctx, 1).events) == 1


def test_a_new_ticket_has_channel_email_and_the_sender_as_requester_never_a_linked_account(
    db: Database, clock: Clock
) -> None:
    ticket = tickets.get_ticket(host(db, clock), mail_intake.ingest(host(db, clock), message()).ticket_id or 0)
    assert (ticket.channel, ticket.requester, ticket.requester_name) == ("email", "jane.doe@qq.com", "Jane")
    assert ticket.account_id is None


def test_a_reply_threads_by_in_reply_to_then_by_tag_and_a_closed_tickets_tag_opens_a_new_one(
    db: Database, clock: Clock
) -> None:
    ctx = host(db, clock)
    mail_intake.ingest(ctx, message())
    _reply(db, clock, 1)
    (sent,) = _outbound(db)
    by_header = message(subject="something else", message_id="<m2@qq.com>", headers=f"In-Reply-To: {sent.message_id}\n")
    assert mail_intake.ingest(ctx, by_header).ticket_id == 1
    by_tag = message(subject="Re: Help [#1]", message_id="<m3@qq.com>", body="more")
    assert mail_intake.ingest(ctx, by_tag).ticket_id == 1
    assert mail_intake.ingest(ctx, message(subject="[#99] nope", message_id="<m4@qq.com>")).outcome == "ticket"
    with db.write() as session:
        session.get(Ticket, 1).status = TicketStatus.CLOSED  # type: ignore[union-attr]
    closed = mail_intake.ingest(ctx, message(subject="Re: Help [#1]", message_id="<m5@qq.com>", body="again"))
    assert closed.outcome == "ticket" and closed.ticket_id != 1


def test_a_customer_reply_reopens_a_ticket_waiting_on_them(db: Database, clock: Clock) -> None:
    ctx = host(db, clock)
    mail_intake.ingest(ctx, message())
    desk = agent(db, clock)
    tickets.claim(desk, 1)
    tickets.set_status(desk, tickets.get_ticket(desk, 1), TicketStatus.PENDING_CUSTOMER)
    due = tickets.get_ticket(desk, 1).resolution_due
    assert tickets.get_ticket(desk, 1).sla_paused
    clock.advance(timedelta(hours=3))
    mail_intake.ingest(ctx, message(subject="Re: [#1]", message_id="<m2@qq.com>", body="here it is"))
    reopened = tickets.get_ticket(desk, 1)
    # Its resolution clock runs again, with the three hours it waited on the customer added.
    assert reopened.status == TicketStatus.OPEN and not reopened.sla_paused
    assert reopened.resolution_due == due + timedelta(hours=3)


def test_the_thread_event_carries_quoted_history_attachments_and_authentication(db: Database, clock: Clock) -> None:
    ctx = host(db, clock, mail_attachment_max_bytes=5_000)
    qq = mail_intake.ingest(ctx, corpus("qq_gb18030.eml")).ticket_id or 0
    (event,) = tickets.get_ticket(ctx, qq).events
    assert "原始邮件" not in event.body and "原始邮件" in event.meta["mail"]["quoted"]
    marked = mail_intake.ingest(ctx, corpus("markup_subject.eml")).ticket_id or 0
    assert tickets.get_ticket(ctx, marked).events[0].meta["mail"]["unauthenticated"] is True
    big = mail_intake.ingest(ctx, corpus("oversize_attachment.eml")).ticket_id or 0
    (listed,) = tickets.get_ticket(ctx, big).events[0].meta["mail"]["attachments"]
    assert listed == {"name": "diary-export.zip", "type": "application/zip", "size": 6000, "stored": False}
    with db.read() as session:
        (row,) = session.exec(select(MailAttachment).where(MailAttachment.ticket_id == big))
        assert row.content is None and row.size == 6000


def test_a_reply_to_a_mail_ticket_is_queued_in_its_transaction_and_a_refused_reply_queues_nothing(
    db: Database, clock: Clock
) -> None:
    mail_intake.ingest(host(db, clock), message())
    desk = agent(db, clock)
    seen = tickets.get_ticket(desk, 1)
    with pytest.raises(Exception, match="claim ticket #1 first"):
        tickets.reply(desk, seen, "not claimed")
    assert _outbound(db) == []
    _reply(db, clock, 1, "Done, please try again.")
    (queued,) = _outbound(db)
    assert (queued.recipient, queued.kind, queued.state) == ("jane.doe@qq.com", "reply", "pending")
    text = queued.raw.decode()
    assert "Subject: Re: Help with my diary [#1]" in text
    assert "In-Reply-To: <m1@qq.com>" in text and f"From: Customer service <{TEAM}>" in text
    assert "lifer customer service" in text  # the team's signature


def test_a_phone_ticket_reply_sends_nothing(db: Database, clock: Clock) -> None:
    from lifer_desk.domain.tickets import Category, Channel, Priority

    desk = agent(db, clock)
    draft = tickets.TicketDraft(Channel.PHONE, "call", "body", "jane", "Jane", Category.OTHER, Priority.NORMAL)
    opened = tickets.open_ticket(desk, draft)
    _reply(db, clock, opened.id)
    assert _outbound(db) == []


def test_mail_from_the_desks_own_address_never_makes_a_ticket(db: Database, clock: Clock) -> None:
    result = mail_intake.ingest(host(db, clock), message(sender=TEAM))
    assert (result.outcome, result.reason, result.ticket_id) == ("refused", "own-address", None)


def test_an_unmatched_bounce_never_becomes_a_ticket(db: Database, clock: Clock) -> None:
    result = mail_intake.ingest(host(db, clock), corpus("dsn_bounce.eml"))
    assert (result.outcome, result.reason) == ("refused", "unmatched-bounce")


def test_a_bounce_is_a_delivery_failure_in_the_thread_and_fails_the_outbound_mail(
    db: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = host(db, clock)
    mail_intake.ingest(ctx, corpus("outlook_html.eml"))
    monkeypatch.setattr(mail_outbox, "new_message_id", lambda _domain: "<desk.bounced0001@lifer.example>")
    _reply(db, clock, 1)
    mail_intake.ingest(ctx, corpus("dsn_bounce.eml"))
    last = tickets.get_ticket(ctx, 1).events[-1]
    assert last.kind == EventKind.DELIVERY and "5.5.0" in last.body
    assert [mail.state for mail in _outbound(db)] == ["failed"]


def test_auto_ack_is_off_by_default_and_never_answers_automated_mail(db: Database, clock: Clock) -> None:
    mail_intake.ingest(host(db, clock), message())
    assert _outbound(db) == []
    ctx = host(db, clock, mail_auto_ack=True)
    mail_intake.ingest(ctx, message(message_id="<robot@x>", headers="Auto-Submitted: auto-generated\n",
                                    subject="Re: [#1]"))  # fmt: skip
    mail_intake.ingest(ctx, message(sender="noreply@shop.example", message_id="<n@x>"))
    assert _outbound(db) == []


def test_auto_ack_is_in_the_customers_language_and_marked_auto_replied(db: Database, clock: Clock) -> None:
    ctx = host(db, clock, mail_auto_ack=True)
    mail_intake.ingest(ctx, corpus("qq_gb18030.eml"))
    (ack,) = _outbound(db)
    text = ack.raw.decode()
    assert ack.kind == "auto_ack" and "Auto-Submitted: auto-replied" in text
    assert "工单 #1" in ack.raw.decode("utf-8") or "=?utf-8?" in text or "base64" in text
    from email import message_from_bytes, policy

    body = message_from_bytes(ack.raw, policy=policy.default).get_body().get_content()  # type: ignore[union-attr]
    assert "工单 #1" in body


def test_an_auto_reply_loop_with_an_auto_responder_stops_after_one_message(db: Database, clock: Clock) -> None:
    ctx = host(db, clock, mail_auto_ack=True)
    mail_intake.ingest(ctx, message())
    (ack,) = _outbound(db)
    # The customer's auto-responder answers the acknowledgement, as RFC 3834 says it should be marked.
    responder = message(message_id="<ooo1@qq.com>", subject="Auto: Re: Help with my diary [#1]",
                        headers=f"In-Reply-To: {ack.message_id}\nAuto-Submitted: auto-replied\n")  # fmt: skip
    assert mail_intake.ingest(ctx, responder).outcome == "threaded"
    assert len(_outbound(db)) == 1


def test_auto_acks_to_one_sender_are_rate_limited(db: Database, clock: Clock) -> None:
    ctx = host(db, clock, mail_auto_ack=True)
    # A robot that marks nothing, writing new subjects: each would open a ticket and be acknowledged.
    for n in range(6):
        mail_intake.ingest(ctx, message(subject=f"loop {n}", message_id=f"<loop{n}@bot>", body=f"n={n}"))
    assert len(_outbound(db)) == mail_outbox.AUTO_ACK_LIMIT


def test_forgetting_a_tickets_mail_deletes_attachments_and_outbound_copies_and_redacts_senders(
    db: Database, clock: Clock
) -> None:
    """What the deletion purge calls (store.mail.forget_ticket_mail) inside its own transaction."""
    from lifer_desk.store import mail as store_mail

    ctx = host(db, clock, mail_attachment_max_bytes=5_000)
    ticket_id = mail_intake.ingest(ctx, corpus("apple_attachment.eml")).ticket_id or 0
    _reply(db, clock, ticket_id)
    with db.write() as session:
        assert store_mail.forget_ticket_mail(session, [ticket_id]) == 3
    with db.read() as session:
        assert list(session.exec(select(MailAttachment))) == []
        assert {row.sender for row in session.exec(select(MailMessage))} == {REDACTED}
    assert _outbound(db) == []


def test_a_reply_whose_customer_address_was_erased_is_refused_and_mails_nothing(db: Database, clock: Clock) -> None:
    """After the deletion purge the sender is `[redacted]`: a reply must not be queued to it (it would only
    bounce, or worse reach a mailbox named so), and the agent is told why, with the reply kept to rewrite."""
    from lifer_desk.store import mail as store_mail

    ticket_id = mail_intake.ingest(host(db, clock), message()).ticket_id or 0
    with db.write() as session:
        store_mail.forget_ticket_mail(session, [ticket_id])
        session.get_one(Ticket, ticket_id).requester = REDACTED
    with pytest.raises(Refused, match="address was erased"):
        _reply(db, clock, ticket_id, "Your account was deleted.")
    assert _outbound(db) == []
    with db.read() as session:
        kinds = [e.kind for e in session.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id))]
    assert EventKind.REPLY.value not in kinds
