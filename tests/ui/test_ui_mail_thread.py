"""A mail ticket's thread: a failed sender check, attachments listed, quoted history collapsed until `m`, and a
delivery failure, all from customer text that carries markup and escape sequences."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from lifer_desk.services import mail_intake, mail_outbox, tickets
from lifer_desk.services.context import DeskContext
from tests.mail.mail_support import Clock, corpus, host
from tests.ui.test_ui_ticket import open_ticket_view


def laid_out(screen, selector: str) -> list[str]:
    return [str(widget.render()) for widget in screen.query(selector)]


def _ingest(ctx: DeskContext, name: str) -> int:
    result = mail_intake.ingest(host(ctx.db, Clock(ctx.clock()), mail_attachment_max_bytes=5_000), corpus(name))
    assert result.ticket_id is not None
    return result.ticket_id


async def test_an_unauthenticated_sender_and_attachments_show_as_plain_safe_text(desk_app, settle, ctx) -> None:
    ticket_id = _ingest(ctx, "markup_subject.eml")
    app = desk_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_ticket_view(app, pilot, ticket_id, settle)
        assert laid_out(screen, ".event-warning") == [
            "sender not authenticated: the receiving server found DMARC or SPF failing"
        ]
        (attachment,) = laid_out(screen, ".event-attachment")
        assert attachment.startswith("attachment: note") and attachment.endswith("text/plain · 8 B")
        assert "\x1b" not in attachment
        (title,) = laid_out(screen, ".event-title")
        assert "[link=http://x]Admin[/link]" in title and "\x1b" not in title


async def test_quoted_history_is_collapsed_until_t(desk_app, settle, ctx) -> None:
    ticket_id = _ingest(ctx, "qq_gb18030.eml")
    app = desk_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_ticket_view(app, pilot, ticket_id, settle)
        assert laid_out(screen, ".event-quoted") == []
        assert laid_out(screen, ".event-more") == ["… quoted history, 5 lines (t shows it)"]
        await pilot.press("t")
        await settle(pilot)
        (quoted,) = laid_out(screen, ".event-quoted")
        assert quoted.startswith("------------------ 原始邮件")


async def test_a_permanent_smtp_refusal_shows_as_a_delivery_failure(desk_app, settle, ctx) -> None:
    ticket_id = _ingest(ctx, "outlook_html.eml")
    with ctx.db.write() as session:
        mail_outbox.record_delivery_failure(
            session, ctx, ticket_id, "<desk.1@x>", "550 5.1.1 no such user", ctx.clock()
        )
    app = desk_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_ticket_view(app, pilot, ticket_id, settle)
        titles = laid_out(screen, ".event-title")
        assert titles[-1].startswith("delivery failed · mail")
        assert (
            laid_out(screen, ".event-body")[-1] == "The mail to the customer was not delivered: 550 5.1.1 no such user"
        )
        assert len(tickets.get_ticket(ctx, ticket_id).events) == 2


def test_a_mail_ticket_with_an_unauthenticated_sender_and_attachments_80x24(
    snap_compare, desk_app, settle, ctx
) -> None:
    ticket_id = _ingest(ctx, "markup_subject.eml")

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        pilot.app.open_ticket(ticket_id)
        await settle(pilot)

    assert snap_compare(desk_app(), terminal_size=(80, 24), run_before=run_before)
