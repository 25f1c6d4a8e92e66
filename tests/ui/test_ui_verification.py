"""Identity verification from a ticket, against the in-process sandbox: verified, refused inline, locked, minors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from textual.widgets import Input

from lifer_desk.domain.identity import Field
from lifer_desk.domain.tickets import Category, Channel, Priority
from lifer_desk.services import tickets, verification, verification_locks
from lifer_desk.services.context import AdminApiProvider, DeskContext
from lifer_desk.services.ticket_views import TicketDetail
from lifer_desk.services.verification import CurrentVerification
from lifer_desk.store import verifications as store
from lifer_desk.ui import DeskApp
from lifer_desk.ui.dialogs import TextDialog
from lifer_desk.ui.ticket.screen import TicketScreen
from lifer_desk.ui.verify.parts import identity_text
from lifer_desk.ui.verify.screen import VerifyDialog
from tests.fakes.admin_api import FakeAccount, FakeAdminApi, with_admin
from tests.ui.ui_support import ACCOUNT, NOW, Notices, context
from tests.verification_support import (
    ADULT_WITH_GENDER,
    UNDER_14_WITHOUT_CONSENT,
    CountingTransport,
    StoredUser,
    sandbox_client,
    stored_user,
)

AppMaker = Callable[..., DeskApp]

# The sandbox fixtures (transport, over the shared sandbox_db).
pytest_plugins = ["tests.verification_fixtures"]


@pytest.fixture
def adult(sandbox_db: Path) -> StoredUser:
    return stored_user(sandbox_db, ADULT_WITH_GENDER)


@pytest.fixture
def sandbox_desk(ctx: DeskContext, transport: CountingTransport) -> AppMaker:
    return lambda as_ctx=ctx: DeskApp(replace(as_ctx, admin=AdminApiProvider(lambda: sandbox_client(transport))))


def linked_ticket(ctx: DeskContext, account_id: str | None) -> TicketDetail:
    draft = tickets.TicketDraft(
        Channel.PHONE, "忘记密码 forgot password", "please help", "+86 138 0000 0000", "李雷",
        Category.ACCOUNT_RECOVERY, Priority.NORMAL, account_id,
    )  # fmt: skip
    return tickets.open_ticket(replace(ctx, clock=lambda: NOW - timedelta(hours=1)), draft)


def rendered(app: DeskApp, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def open_verification(app: DeskApp, pilot, ticket_id: int, settle) -> VerifyDialog:
    await settle(pilot)
    app.open_ticket(ticket_id)
    await settle(pilot)
    assert isinstance(app.screen, TicketScreen)
    await pilot.press("v")
    await settle(pilot)
    assert isinstance(app.screen, VerifyDialog)
    return app.screen


async def type_claims(pilot, settle, email: str, username: str, birthday: str) -> None:
    """Types into the three inputs as an agent would: the lookup moved the focus to email."""
    for value in (email, username, birthday):
        await pilot.press(*value, "tab")
    await pilot.press("ctrl+s")
    await settle(pilot)


async def test_from_a_ticket_to_verified(
    sandbox_desk: AppMaker, ctx: DeskContext, adult: StoredUser, transport: CountingTransport, settle
) -> None:
    ticket = linked_ticket(ctx, adult.id)
    app = sandbox_desk()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_ticket(ticket.id)
        await settle(pilot)
        assert "identity not verified (v to verify)" in rendered(app, "#ticket-header")
        await pilot.press("v")
        await settle(pilot)
        account = rendered(app, "#account")
        assert adult.id in account and "***" in account and "attempts left: 3" in account
        assert "Never tell the caller which field did not match" in rendered(app, ".verify-reminder")
        await type_claims(pilot, settle, adult.email, adult.username, adult.birthday)
        result = rendered(app, "#verify-result")
        assert "VERIFIED" in result and "email match" in result and "birthday match" in result
        assert "ctrl+l" not in result  # the ticket is linked already
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        assert "identity verified by alice at 12:00, expires in 1d0h" in rendered(app, "#ticket-header")
    assert transport.verify_calls == 1


async def test_a_failure_is_explained_and_bad_input_is_refused_where_it_was_typed(
    sandbox_desk: AppMaker, ctx: DeskContext, adult: StoredUser, transport: CountingTransport, settle
) -> None:
    app = sandbox_desk()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_verification(app, pilot, linked_ticket(ctx, adult.id).id, settle)
        await type_claims(pilot, settle, "p***@yahoo.com", adult.username, "2999-01-01")
        assert "looks masked" in rendered(app, "#error-email")
        assert "in the future" in rendered(app, "#error-birthday")
        assert transport.verify_calls == 0
        screen = app.screen
        for name, value in ((Field.EMAIL, adult.email), (Field.BIRTHDAY, "1901-01-01")):
            screen.query_one(f"#claim-{name}").value = value
        await pilot.press("ctrl+s")
        await settle(pilot)
        result = rendered(app, "#verify-result")
        assert "FAILED" in result and "birthday mismatch" in result
        assert "the policy needs every stated field to match" in result and "attempts left: 2" in result
        assert rendered(app, "#error-email") == ""
    assert transport.verify_calls == 1


async def test_rate_limited_is_shown_and_not_counted(
    sandbox_desk: AppMaker, ctx: DeskContext, adult: StoredUser, transport: CountingTransport, settle
) -> None:
    transport.rate_limited = True
    app = sandbox_desk()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_verification(app, pilot, linked_ticket(ctx, adult.id).id, settle)
        await type_claims(pilot, settle, adult.email, adult.username, "1901-01-01")
        assert "rate limited, try later" in rendered(app, "#verify-result")
    assert verification_locks.lock_state(ctx, adult.id).failures == 0


async def test_an_attempt_while_other_calls_are_out_is_refused_in_place(ctx: DeskContext, settle) -> None:
    """Three other desks have verify calls out on the account: a fourth would pass the limit if all failed."""
    api = FakeAdminApi(FakeAccount(ACCOUNT))
    with ctx.db.write() as session:
        for agent in ("bob", "carol", "dave"):
            store.add_attempt(
                session, ticket_id=None, account_id=ACCOUNT.id, agent=agent, fields_stated=["email"], results={},
                outcome=store.PENDING, attempt=1, at=NOW, expires_at=None,
            )  # fmt: skip
    app = DeskApp(with_admin(ctx, api))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_verification(app, pilot, linked_ticket(ctx, ACCOUNT.id).id, settle)
        await type_claims(pilot, settle, "zhang.san@qq.com", "xiaozhang", "1990-05-17")
        assert "another verification of this account is under way" in rendered(app, "#verify-result")
        assert isinstance(app.screen, VerifyDialog)
    assert api.verify_calls == 0


async def test_lookup_problems_are_named_where_the_account_would_be(
    sandbox_desk: AppMaker, ctx: DeskContext, settle
) -> None:
    app = sandbox_desk()
    notices = Notices()
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        screen = await open_verification(app, pilot, linked_ticket(ctx, None).id, settle)
        lookup = screen.query_one("#lookup")
        for value, expected in (
            ("nobody.here@example.com", "No account has that email: check it with the caller."),
            ("not-an-email", "email is not a valid email address"),
        ):
            lookup.value = value
            lookup.focus()
            await pilot.press("enter")
            await settle(pilot)
            assert rendered(app, "#account") == expected
        assert notices.posted == [], "shown in place, not as a notification as well"


async def test_an_unreachable_admin_api_is_named_in_place_and_counts_nothing(
    sandbox_desk: AppMaker, ctx: DeskContext, adult: StoredUser, transport: CountingTransport, settle
) -> None:
    app = sandbox_desk()
    notices = Notices()
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        screen = await open_verification(app, pilot, linked_ticket(ctx, adult.id).id, settle)
        transport.unreachable = True
        await type_claims(pilot, settle, adult.email, adult.username, "1901-01-01")
        result = rendered(app, "#verify-result")
        assert "The admin API is unreachable: try again in a moment." in result
        assert "This attempt was not counted." in result
        assert "attempts left: 3" in rendered(app, "#account")
        screen.query_one("#lookup").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert rendered(app, "#account") == "The admin API is unreachable: try again in a moment."
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert notices.messages == ["Look the account up first (enter)"]
    assert verification_locks.lock_state(ctx, adult.id).failures == 0
    assert verification.current_verification(ctx, linked_ticket(ctx, adult.id).id) is None


async def test_locked_for_an_agent_and_unlocked_by_a_supervisor(
    sandbox_desk: AppMaker, ctx: DeskContext, adult: StoredUser, transport: CountingTransport, settle
) -> None:
    wrong = {Field.EMAIL: adult.email, Field.USERNAME: adult.username, Field.BIRTHDAY: "1901-01-01"}
    async with sandbox_client(transport) as api:
        for _ in range(3):
            await verification.submit(with_admin(ctx, api), adult.id, wrong)
    ticket = linked_ticket(ctx, adult.id)
    app = sandbox_desk()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_verification(app, pilot, ticket.id, settle)
        assert "LOCKED for verification" in rendered(app, "#account")
        assert "A supervisor can unlock it" in rendered(app, "#account")
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, VerifyDialog), "an agent has no unlock action"
    supervisor = replace(context(ctx.db, "sam"), role="supervisor")
    app = sandbox_desk(supervisor)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_verification(app, pilot, ticket.id, settle)
        assert "ctrl+o to unlock" in rendered(app, "#account")
        await type_claims(pilot, settle, adult.email, adult.username, adult.birthday)
        assert rendered(app, "#verify-result").startswith("LOCKED")
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert isinstance(app.screen, TextDialog)
        await pilot.press(*"caller verified in the shop", "ctrl+s")
        await settle(pilot)
        assert "attempts left: 3" in rendered(app, "#account")
        assert not screen.query_one("#verify-result").display, "the LOCKED outcome no longer holds"
    assert not verification_locks.lock_state(ctx, adult.id).locked
    assert transport.verify_calls == 3


async def test_a_minor_is_flagged_and_gets_an_urgent_minor_data_ticket(
    sandbox_desk: AppMaker, ctx: DeskContext, sandbox_db: Path, settle
) -> None:
    child = stored_user(sandbox_db, UNDER_14_WITHOUT_CONSENT)
    ticket = linked_ticket(ctx, child.id)
    app = sandbox_desk()
    notices = Notices()
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        await open_verification(app, pilot, ticket.id, settle)
        assert "minor under 14, no guardian consent" in rendered(app, "#account")
        await pilot.press("ctrl+t")
        await settle(pilot)
        opened = [message for message in notices.messages if "minor-data ticket" in message]
        assert len(opened) == 1
        await pilot.press("escape")
        await settle(pilot)
        assert "minor under 14, no guardian consent" in rendered(app, "#ticket-header")
    new_id = int(opened[0].split("#")[1].split()[0])
    created = tickets.get_ticket(ctx, new_id)
    assert (created.category, created.priority, created.account_id) == ("minor_data", "urgent", child.id)


async def test_verify_is_in_help_and_the_command_palette(sandbox_desk: AppMaker, ctx: DeskContext, settle) -> None:
    ticket = linked_ticket(ctx, None)
    app = sandbox_desk()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_ticket(ticket.id)
        await settle(pilot)
        assert "ticket: Verify identity" in {command.title for command in app.get_system_commands(app.screen)}
        await pilot.press("question_mark")
        await pilot.pause()
        assert "Verify identity" in rendered(app, "#keys")
        await pilot.press("escape", "ctrl+p")
        await pilot.pause()
        await pilot.press(*"Verify identity")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, VerifyDialog)
        assert "Look the account up" in rendered(app, "#account")


def test_the_header_line_stops_claiming_a_verification_once_it_expires() -> None:
    """The ticket header is repainted on any change, possibly long after the verification was loaded."""
    current = CurrentVerification("usr_0001", "alice", NOW, NOW + timedelta(hours=24))
    zone = ZoneInfo("Asia/Shanghai")
    before = identity_text(current, None, NOW + timedelta(hours=23, minutes=59), zone)
    assert before.plain == "identity verified by alice at 03-03 12:00, expires in 1m (usr_0001)"
    for later in (timedelta(hours=24), timedelta(days=3)):
        assert identity_text(current, None, NOW + later, zone).plain == "identity not verified (v to verify)"


def test_the_header_line_says_when_the_caller_was_verified_against_another_account() -> None:
    current = CurrentVerification("usr_0001", "alice", NOW, NOW + timedelta(hours=24))
    zone = ZoneInfo("Asia/Shanghai")
    same = identity_text(current, ACCOUNT.model_copy(update={"id": "usr_0001"}), NOW, zone).plain
    assert same == "identity verified by alice at 12:00, expires in 1d0h"
    other = identity_text(current, ACCOUNT.model_copy(update={"id": "usr_0002"}), NOW, zone).plain
    assert other == "identity verified by alice at 12:00, expires in 1d0h (usr_0001, not the linked account)"


async def test_the_dialog_text_is_drawn_in_a_colour_other_than_its_background(
    sandbox_desk: AppMaker, ctx: DeskContext, adult: StoredUser, settle
) -> None:
    app = sandbox_desk()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_verification(app, pilot, linked_ticket(ctx, adult.id).id, settle)
        await type_claims(pilot, settle, adult.email, adult.username, "1901-01-01")
        for selector in (".dialog-title", "#account", "#verify-result", ".verify-reminder"):
            style = app.screen.query_one(selector).rich_style
            assert style.color != style.bgcolor, f"{selector} is drawn in its background colour"


async def test_a_caller_verified_on_an_unlinked_ticket_can_link_that_account(
    sandbox_desk: AppMaker, ctx: DeskContext, adult: StoredUser, settle
) -> None:
    ticket = tickets.claim(ctx, linked_ticket(ctx, None).id)
    app = sandbox_desk()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_ticket(ticket.id)
        await settle(pilot)
        await pilot.press("v")
        await pilot.pause()
        await pilot.press(*adult.email, "enter")
        await settle(pilot)
        await pilot.press("ctrl+l")  # nothing verified yet: nothing to link
        await pilot.pause()
        assert isinstance(app.screen, VerifyDialog)
        await type_claims(pilot, settle, adult.email, adult.username, adult.birthday)
        assert "ctrl+l links this account to the ticket" in rendered(app, "#verify-result")
        # A new lookup withdraws the offer: it was for the account verified before.
        lookup = app.screen.query_one("#lookup", Input)
        lookup.value = "nobody@example.com"
        lookup.focus()
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert isinstance(app.screen, VerifyDialog)
        lookup.value = adult.email
        lookup.focus()
        await pilot.press("enter")
        await settle(pilot)
        await type_claims(pilot, settle, adult.email, adult.username, adult.birthday)
        await pilot.press("ctrl+l")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TicketScreen) and screen.detail is not None
        assert screen.detail.account_id == adult.id
        assert screen.detail.events[-1].meta == {"field": "account", "from": None, "to": adult.id}
