"""The link offer on a mail ticket (issue 14): the sender's address matches an account, which the ticket view offers
to link; the agent confirms in the link dialog, the lookup and the link are audited, and nothing is verified."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from textual.pilot import Pilot

from lifer_desk.config import Settings
from lifer_desk.services import mail_intake, tickets, verification
from lifer_desk.services.context import DeskContext
from lifer_desk.services.writing import HOST_ROLE
from lifer_desk.store.db import Database
from lifer_desk.ui import DeskApp
from lifer_desk.ui.verify.link_dialog import LinkAccountDialog
from tests.fakes.admin_api import FakeAdminApi, with_admin
from tests.mail.mail_support import message
from tests.ui.test_ui_screen import on_ticket, shown, step
from tests.ui.ui_support import ACCOUNT

OFFER = "An account uses the sender's address"


def _mailed(ctx: DeskContext, sender: str = "zhang.san@qq.com") -> int:
    """A ticket a mail from `sender` started, received by the MTA pipe at the desk's (fixed) time."""
    settings = Settings(database_url=ctx.db.url, mail_address="support@lifer.example")
    host = DeskContext(ctx.db, settings, "postfix", HOST_ROLE, clock=ctx.clock)
    result = mail_intake.ingest(host, message(sender=sender))
    assert result.ticket_id is not None
    return result.ticket_id


def _lookups(database: Database) -> list[dict[str, Any]]:
    with database.read() as session:
        rows = session.execute(text("SELECT details FROM audit_event WHERE action = 'account.lookup'")).scalars()
        return [json.loads(row) if isinstance(row, str) else row for row in rows]


async def test_a_mail_ticket_offers_the_account_of_its_sender_and_links_it_only_when_the_agent_confirms(
    ctx: DeskContext, database: Database, fake_admin: FakeAdminApi, settle
) -> None:
    ticket_id = _mailed(ctx)
    app = DeskApp(with_admin(ctx, fake_admin))
    async with app.run_test(size=(80, 24)) as pilot:
        await on_ticket(pilot, settle, ticket_id)
        screen = " ".join(" ".join(shown(app)).split())
        assert OFFER in screen
        assert ACCOUNT.email_masked in screen
        assert "the sender is not verified" in screen
        # Offered, not linked: the lookup is audited with its reason, and nothing else happened.
        assert [lookup["reason"] for lookup in _lookups(database)] == ["link_offer"]
        assert tickets.get_ticket(ctx, ticket_id).account_id is None
        await step(pilot, settle, "c", "l")
        assert isinstance(app.screen, LinkAccountDialog)
        await step(pilot, settle, "enter", "ctrl+s")
        assert OFFER not in " ".join(" ".join(shown(app)).split())
    assert tickets.get_ticket(ctx, ticket_id).account_id == ACCOUNT.id
    assert verification.current_verification(ctx, ticket_id) is None


async def test_a_ticket_an_agent_typed_in_or_an_unknown_sender_is_offered_nothing(
    ctx: DeskContext, database: Database, fake_admin: FakeAdminApi, make_ticket, settle
) -> None:
    typed = make_ticket()  # an email ticket with the account's address, but no mail came in
    stranger = _mailed(ctx, sender="nobody@163.com")
    app = DeskApp(with_admin(ctx, fake_admin))
    async with app.run_test(size=(80, 24)) as pilot:
        for ticket_id in (typed.id, stranger):
            await on_ticket(pilot, settle, ticket_id)
            assert OFFER not in " ".join(" ".join(shown(app)).split())
            await step(pilot, settle, "escape")
    # Only the sender's address was asked about, and it found nobody (so no account was seen, nor audited).
    assert fake_admin.calls.count("lookup_user") == 1
    assert _lookups(database) == []


def test_the_link_offer_80x24(snap_compare, ctx: DeskContext, fake_admin: FakeAdminApi, settle) -> None:
    ticket_id = _mailed(ctx)

    async def run_before(pilot: Pilot[Any]) -> None:
        await on_ticket(pilot, settle, ticket_id)

    assert snap_compare(DeskApp(with_admin(ctx, fake_admin)), terminal_size=(80, 24), run_before=run_before)
