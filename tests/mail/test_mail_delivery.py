"""services.mail_outbox against real SMTP servers: the CI sink, and aiosmtpd servers of the tests' own."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from sqlmodel import select

from lifer_desk.domain.tickets import EventKind
from lifer_desk.services import mail_intake, mail_outbox, tickets
from lifer_desk.services.errors import MailNotConfigured
from lifer_desk.store.db import Database
from lifer_desk.store.models import OutboundMail
from tests.mail.conftest import LocalSmtp, SmtpSink
from tests.mail.mail_support import TEAM, Clock, agent, host, message


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _replied(db: Database, clock: Clock, smtp_url: str, body: str = "Fixed now.") -> OutboundMail:
    ctx = host(db, clock, smtp_url=smtp_url)
    mail_intake.ingest(ctx, message())
    desk = agent(db, clock)
    tickets.claim(desk, 1)
    tickets.reply(desk, tickets.get_ticket(desk, 1), body)
    with db.read() as session:
        return session.exec(select(OutboundMail)).one()


def _state(db: Database) -> tuple[str, int]:
    with db.read() as session:
        mail = session.exec(select(OutboundMail)).one()
        return mail.state, mail.attempts


def test_a_reply_reaches_the_real_smtp_sink_with_its_threading_headers(
    sqlite_url: str, clock: Clock, smtp_sink: SmtpSink
) -> None:
    db = Database(sqlite_url)
    queued = _replied(db, clock, smtp_sink.url, "您好，已为您重置。")
    report = mail_outbox.deliver_due(host(db, clock, smtp_url=smtp_sink.url))
    assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
    (received,) = smtp_sink.received(queued.message_id)
    assert received["To"] == "jane.doe@qq.com" and TEAM in received["From"]
    assert received["Subject"] == "Re: Help with my diary [#1]"
    assert received["In-Reply-To"] == "<m1@qq.com>"
    assert "您好，已为您重置。" in received.get_content()
    assert mail_outbox.deliver_due(host(db, clock, smtp_url=smtp_sink.url)).sent == 0


def test_smtp_down_for_minutes_then_the_reply_is_delivered_once(
    db: Database, clock: Clock, local_smtp: LocalSmtp
) -> None:
    _replied(db, clock, local_smtp.url)
    ctx = host(db, clock, smtp_url=local_smtp.url)
    for _attempt in range(4):  # down for 7.5 minutes: every attempt is put off, further each time
        report = mail_outbox.deliver_due(ctx)
        assert (report.sent, report.retrying) == (0, 1)
        wait = mail_outbox.backoff(_state(db)[1])
        clock.now += wait - timedelta(seconds=1)
        assert mail_outbox.deliver_due(ctx).retrying == 0  # not yet due
        clock.now += timedelta(seconds=1)
    local_smtp.start()
    assert mail_outbox.deliver_due(ctx).sent == 1
    clock.now += timedelta(hours=2)
    assert mail_outbox.deliver_due(ctx).sent == 0
    assert len(local_smtp.handler.messages) == 1
    assert _state(db) == ("sent", 5)


def test_a_permanent_refusal_fails_the_mail_and_shows_in_the_thread(
    db: Database, clock: Clock, local_smtp: LocalSmtp
) -> None:
    _replied(db, clock, local_smtp.url)
    local_smtp.handler.refuse = "550 5.1.1 mailbox unavailable"
    local_smtp.start()
    report = mail_outbox.deliver_due(host(db, clock, smtp_url=local_smtp.url))
    assert (report.sent, report.failed) == (0, 1)
    assert _state(db)[0] == "failed"
    last = tickets.get_ticket(agent(db, clock), 1).events[-1]
    assert last.kind == EventKind.DELIVERY and "550" in last.body
    clock.now += timedelta(hours=2)
    assert mail_outbox.deliver_due(host(db, clock, smtp_url=local_smtp.url)).failed == 0


def test_a_temporary_refusal_is_retried(db: Database, clock: Clock, local_smtp: LocalSmtp) -> None:
    _replied(db, clock, local_smtp.url)
    local_smtp.handler.refuse = "451 4.3.0 try later"
    local_smtp.start()
    assert mail_outbox.deliver_due(host(db, clock, smtp_url=local_smtp.url)).retrying == 1
    local_smtp.handler.refuse = None
    clock.now += mail_outbox.backoff(1)
    assert mail_outbox.deliver_due(host(db, clock, smtp_url=local_smtp.url)).sent == 1


def test_a_deliverer_that_died_mid_send_leaves_the_mail_to_be_sent_again_after_its_lease(
    db: Database, clock: Clock, local_smtp: LocalSmtp
) -> None:
    """The documented at-most-one-duplicate window: accepted by the server, not yet recorded as sent."""
    queued = _replied(db, clock, local_smtp.url)
    local_smtp.start()
    ctx = host(db, clock, smtp_url=local_smtp.url)

    class DiesAfterSending:
        def __init__(self) -> None:
            self.inner = mail_outbox.SmtpSender(ctx.settings)

        def send(self, raw: bytes, sender: str, recipient: str) -> None:
            self.inner.send(raw, sender, recipient)
            raise KeyboardInterrupt  # the process is stopped before it records the send

        def close(self) -> None:
            self.inner.close()

    with pytest.raises(KeyboardInterrupt):
        mail_outbox.deliver_due(ctx, DiesAfterSending)
    assert mail_outbox.deliver_due(ctx).sent == 0  # leased: no second deliverer takes it meanwhile
    clock.now += mail_outbox.LEASE + timedelta(seconds=1)
    assert mail_outbox.deliver_due(ctx).sent == 1
    ids = [message_from_bytes(raw, policy=policy.default)["Message-ID"] for raw in local_smtp.handler.messages]
    assert ids == [queued.message_id, queued.message_id]


def test_delivery_without_a_team_address_says_which_setting_is_missing(db: Database, clock: Clock) -> None:
    with pytest.raises(MailNotConfigured, match="LIFER_MAIL_ADDRESS"):
        mail_outbox.deliver_due(host(db, clock, mail_address=None))


def test_each_mail_outcome_is_audited_under_its_action(db: Database, clock: Clock, local_smtp: LocalSmtp) -> None:
    from lifer_desk.services.audit import recent

    _replied(db, clock, local_smtp.url)
    local_smtp.start()
    mail_outbox.deliver_due(host(db, clock, smtp_url=local_smtp.url))
    ctx = host(db, clock)
    mail_intake.ingest(ctx, message(subject="Re: [#1]", message_id="<m2@qq.com>", body="thanks"))
    mail_intake.ingest(ctx, message(sender=TEAM, message_id="<m3@x>"))
    mail_intake.ingest(ctx, message(subject="Re: [#1]", message_id="<m4@qq.com>", body="again"))
    local_smtp.handler.refuse = "550 5.1.1 gone"
    desk = agent(db, clock)
    tickets.reply(desk, tickets.get_ticket(desk, 1), "second")
    mail_outbox.deliver_due(host(db, clock, smtp_url=local_smtp.url))
    actions = [event.action for event in reversed(recent(db, 100)) if event.action.startswith("mail.")]
    assert actions == ["mail.sent", "mail.received", "mail.refused", "mail.received", "mail.failed"]
