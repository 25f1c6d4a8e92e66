"""Untrusted text through every widget that shows it: the queue table, the ticket header, the thread and the
account summary. What shows is the input with controls removed or replaced, nothing is clickable, and no ESC
or C1 byte reaches a rendered segment."""

from __future__ import annotations

import re

import pytest
from textual.strip import Strip

from lifer_desk.admin_api import NotFound
from lifer_desk.domain.text_safety import one_line, safe_text
from lifer_desk.services import tickets
from lifer_desk.ui.queues.screen import QueuesScreen
from lifer_desk.ui.ticket.screen import TicketScreen
from tests.ui.ui_support import ACCOUNT, Notices
from widgets.virtual_table import VirtualTable

CORPUS = {
    "click-markup": "[@click=app.quit]x[/]",
    "link-markup": "[link='http://x']y[/]",
    "bold-markup": "[b]",
    "osc-0-title": "a\x1b]0;owned\x07b",
    "osc-8-link": "\x1b]8;;http://evil.example\x1b\\click me\x1b]8;;\x1b\\",
    "osc-52-clipboard": "\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07paste",
    "csi": "red\x1b[31mtext\x1b[2J\x1b[0m",
    "8-bit-csi": "x\x9b31my",
    "nul": "nul\x00byte",
    "rlo": "abc\u202edef.exe",
    "lri": "abc\u2066def\u2069",
}

FORBIDDEN = re.compile("[\x1b\x80-\x9f\u202a-\u202e\u2066-\u2069]")
SIZE = (120, 40)
# Wide enough that no subject is cut, so the whole cleaned text can be compared.
WIDE = (200, 30)


def rendered(app) -> list[Strip]:
    return app.screen._compositor.render_strips()


def screen_text(app) -> str:
    return "\n".join(strip.text for strip in rendered(app))


def assert_inert(app) -> None:
    for strip in rendered(app):
        for segment in strip:
            assert not FORBIDDEN.search(segment.text), repr(segment.text)
            style = segment.style
            assert style is None or (not style.link and not style.meta.get("@click")), style


async def click_on(pilot, text: str) -> bool:
    """Click the first place `text` shows; False when it does not show (cut off by the layout)."""
    for y, strip in enumerate(rendered(pilot.app)):
        x = strip.text.find(text)
        if x >= 0:
            await pilot.click(offset=(x + 1, y))
            await pilot.pause()
            return True
    return False


@pytest.fixture(params=list(CORPUS), ids=list(CORPUS))
def evil(request) -> str:
    return CORPUS[request.param]


async def test_queue_table_shows_untrusted_text_inert(desk_app, make_ticket, settle, evil) -> None:
    ticket = make_ticket(f"S {evil}", requester=f"{evil}@qq.com")
    app = desk_app()
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("tab", *["j"] * 8, "tab")
        await settle(pilot)
        row = app.screen.query_one(VirtualTable).buffered_rows[0]
        assert row.id == ticket.id
        assert row.cells[4].plain == one_line(f"S {evil}")
        assert_inert(app)
        assert one_line(f"S {evil}") in screen_text(app)
        assert await click_on(pilot, one_line(f"S {evil}"))
        assert app.is_running and isinstance(app.screen, QueuesScreen)


async def test_ticket_view_shows_untrusted_text_inert(database, ctx, make_ticket, fake_admin, desk_app, settle, evil):
    ticket = make_ticket(f"S {evil}", body=f"B {evil}\nline 2", name=f"N {evil}", requester=f"R {evil}")
    fake_admin.put(ACCOUNT.model_copy(update={"email_masked": f"E {evil}"}))
    tickets.claim(ctx, ticket.id)
    tickets.link_account(ctx, tickets.get_ticket(ctx, ticket.id), ACCOUNT.id)
    app = desk_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_ticket(ticket.id)
        await settle(pilot)
        text = screen_text(app)
        for shown in (f"S {evil}", f"N {evil}", f"R {evil}", f"E {evil}"):
            assert one_line(shown) in text
        assert safe_text(f"B {evil}") in text
        assert_inert(app)
        for shown in (one_line(f"S {evil}"), safe_text(f"B {evil}")):
            assert await click_on(pilot, shown)
            assert app.is_running and isinstance(app.screen, TicketScreen)


async def test_account_summary_in_the_link_dialog_is_inert(make_ticket, fake_admin, desk_app, settle, evil) -> None:
    ticket = make_ticket()
    fake_admin.put(ACCOUNT.model_copy(update={"username_masked": f"U {evil}"}))
    app = desk_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_ticket(ticket.id)
        await settle(pilot)
        await pilot.press("l")
        await pilot.pause()
        app.screen.query_one("#lookup").value = "zhang.san@qq.com"
        await pilot.press("enter")
        await settle(pilot)
        assert one_line(f"U {evil}") in screen_text(app)
        assert_inert(app)
        assert await click_on(pilot, one_line(f"U {evil}"))
        assert app.is_running


async def test_refusals_quoting_api_text_are_shown_inert(desk_app, settle, evil) -> None:
    """A problem detail is the admin API's text: the notice shows it cleaned, never as markup."""
    app = desk_app()
    notices = Notices()
    async with app.run_test(size=SIZE, message_hook=notices) as pilot:
        await settle(pilot)
        app.show_error(NotFound(404, "Not Found", evil))
        await pilot.pause()
        [notice] = notices.posted
        assert notice.markup is False
        assert notice.message == "404 Not Found: " + safe_text(evil)
        assert_inert(app)
