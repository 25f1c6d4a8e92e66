"""SVG snapshots at 80x24 of what issue 12 changed on screen: a refused search, a draft dialog with a refused
paste, and a long thread opened with its newest events only."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.pilot import Pilot

from lifer_desk.services import tickets
from lifer_desk.ui.ticket.parts import ThreadView


class TestRefusedInPlace:
    """Refusals are said where the agent typed, and what was typed (or shown) stays."""

    def test_a_search_word_too_long_80x24(self, snap_compare, desk_app, make_ticket, settle) -> None:
        make_ticket("退款申请")

        async def run_before(pilot: Pilot[Any]) -> None:
            await settle(pilot)
            await pilot.press("tab", *["j"] * 8, "tab", "slash", *"退款", "enter")
            await settle(pilot)
            pilot.app.screen.query_one("#search").value = "a" * 2047
            await pilot.press("slash", "enter")
            await settle(pilot)

        assert snap_compare(desk_app(), terminal_size=(80, 24), run_before=run_before)

    def test_an_oversize_paste_into_a_reply_draft_80x24(self, snap_compare, desk_app, make_ticket, settle) -> None:
        ticket = make_ticket("退款申请")

        async def run_before(pilot: Pilot[Any]) -> None:
            await settle(pilot)
            pilot.app.open_ticket(ticket.id)
            await settle(pilot)
            await pilot.press("c")
            await settle(pilot)
            await pilot.press("r")
            await settle(pilot)
            await pilot.press(*"您好")
            pilot.app.post_message(events.Paste("x" * 5_000_000))
            await settle(pilot)

        assert snap_compare(desk_app(), terminal_size=(80, 24), run_before=run_before)


class TestLongThread:
    """A thread too long to lay out at once shows its newest events and says how to see the rest."""

    def test_a_long_thread_opens_at_its_newest_events_80x24(
        self, snap_compare, desk_app, make_ticket, settle, ctx
    ) -> None:
        ticket = make_ticket("退款申请", body="请尽快处理。\n" * 5)
        for n in range(25):
            tickets.add_note(ctx, ticket.id, f"第 {n} 次跟进：客户来电催促。")

        async def run_before(pilot: Pilot[Any]) -> None:
            await settle(pilot)
            pilot.app.open_ticket(ticket.id)
            await settle(pilot)
            pilot.app.screen.query_one(ThreadView).scroll_home(animate=False)
            await settle(pilot)

        assert snap_compare(desk_app(), terminal_size=(80, 24), run_before=run_before)
