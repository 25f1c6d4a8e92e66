"""Walk the whole verification flow and look for the account's stored values everywhere the desk could show or
keep them: every rendered screen (text and SVG), every row of the desk database, every audit detail.

The caller's statements are typed in forms that normalise to the stored values without being them (upper case,
full-width characters), so anything found on screen came from the desk, not from the agent's own typing.
"""

from __future__ import annotations

import html
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from sqlmodel import select
from textual.widgets import Select

from lifer_desk.domain.tickets import Category, Channel, Priority
from lifer_desk.services import tickets
from lifer_desk.services.context import AdminApiProvider, DeskContext
from lifer_desk.store.models import AuditEvent
from lifer_desk.ui import DeskApp
from lifer_desk.ui.verify.account_lookup import AccountLookup
from lifer_desk.ui.verify.screen import VerifyDialog
from tests.ui.ui_support import NOW
from tests.verification_support import (
    ADULT_WITH_GENDER,
    CountingTransport,
    dump_database,
    leaked,
    sandbox_client,
    stored_user,
)

# The sandbox fixtures (transport, over the shared sandbox_db).
pytest_plugins = ["tests.verification_fixtures"]


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def screen_text(app: DeskApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_no_stored_value_reaches_a_screen_the_database_or_the_audit(
    ctx: DeskContext, sandbox_db: Path, transport: CountingTransport, settle
) -> None:
    user = stored_user(sandbox_db, ADULT_WITH_GENDER)
    draft = tickets.TicketDraft(
        Channel.PHONE, "verify me", "caller on the line", "+86 139 0000 0000", "韩梅梅", Category.ACCOUNT_RECOVERY,
        Priority.NORMAL,
    )  # fmt: skip
    ticket = tickets.open_ticket(replace(ctx, clock=lambda: NOW - timedelta(hours=1)), draft)
    captured: list[str] = []
    app = DeskApp(replace(ctx, admin=AdminApiProvider(lambda: sandbox_client(transport))))

    async def capture() -> None:
        await settle(pilot)
        captured.append(screen_text(app))
        captured.append(html.unescape(app.export_screenshot()))

    async def state(email: str, username: str, birthday: str) -> None:
        for name, value in (("email", email), ("username", username), ("birthday", birthday)):
            app.screen.query_one(f"#claim-{name}").value = value
        await pilot.press("ctrl+s")
        await capture()

    async def look_up(kind: str, value: str) -> None:
        app.screen.query_one(AccountLookup).query_one(Select).value = kind
        lookup = app.screen.query_one("#lookup")
        lookup.value = value
        lookup.focus()
        await pilot.press("enter")
        await capture()

    async with app.run_test(size=(80, 24)) as pilot:
        await capture()
        app.open_ticket(ticket.id)
        await capture()
        await pilot.press("v")
        await capture()
        assert isinstance(app.screen, VerifyDialog)
        await look_up("email", user.email.upper())
        assert user.id in screen_text(app)
        wrong_birthday = full_width("1901-01-01")
        await state(user.email.upper(), full_width(user.username), wrong_birthday)
        assert "FAILED" in screen_text(app)
        await state(user.email.upper(), full_width(user.username), full_width(user.birthday))
        assert "VERIFIED" in screen_text(app)
        await pilot.press("escape")
        await capture()
        assert "identity verified by alice" in screen_text(app)
        await pilot.press("v")
        await capture()
        await look_up("username", full_width(user.username))
        for _ in range(2):
            await state(user.email.upper(), full_width(user.username), wrong_birthday)
        assert "LOCKED" in screen_text(app)
        await state(user.email.upper(), full_width(user.username), full_width(user.birthday))
        await pilot.press("escape")
        await capture()

    assert transport.verify_calls == 4
    # The inputs are part of what was captured: what the agent typed is on screen, the stored values are not.
    assert any(user.email.upper() in text for text in captured)
    assert leaked("\n".join(captured), user) == []
    assert leaked(dump_database(ctx.db), user) == []
    with ctx.db.read() as session:
        details = [event.details for event in session.exec(select(AuditEvent))]
    assert any('"outcome":"verified"' in detail for detail in details)
    assert leaked("\n".join(details), user) == []
