"""Claims the ticket view takes and gives back: `n` pressed again before the next ticket has arrived."""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlmodel import col, select

from lifer_desk.domain.tickets import Priority
from lifer_desk.services import tickets
from lifer_desk.store.models import Ticket
from lifer_desk.ui.ticket.screen import TicketScreen


def held_by(database, agent: str) -> list[int]:
    with database.read() as session:
        statement = select(Ticket.id).where(col(Ticket.assignee) == agent, col(Ticket.claim_expires_at).is_not(None))
        return sorted(session.exec(statement))


def gate_next(monkeypatch) -> tuple[threading.Event, threading.Event]:
    """Hold every `next_unclaimed` call until released, so a second `n` lands while the first is on its way."""
    entered, release = threading.Event(), threading.Event()
    real = tickets.next_unclaimed

    def gated(ctx):
        entered.set()
        release.wait(5)
        return real(ctx)

    monkeypatch.setattr(tickets, "next_unclaimed", gated)
    return entered, release


async def press_n_twice(pilot, settle, monkeypatch) -> TicketScreen:
    """`n`, then `n` again while the first is still claiming; returns the ticket screen shown in the end."""
    entered, release = gate_next(monkeypatch)
    await pilot.press("n")
    await asyncio.to_thread(entered.wait, 5)
    await pilot.press("n")
    await pilot.pause()
    release.set()
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, TicketScreen)
    return screen


@pytest.mark.parametrize("start", ["queues", "ticket"])
async def test_n_twice_claims_only_the_ticket_shown(
    desk_app, make_ticket, settle, database, monkeypatch, start: str
) -> None:
    for priority in (Priority.URGENT, Priority.HIGH, Priority.NORMAL):
        make_ticket(priority=priority)
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        first = None
        if start == "ticket":
            await pilot.press("n")
            await settle(pilot)
            first = app.screen.ticket_id
        screen = await press_n_twice(pilot, settle, monkeypatch)
        assert screen.ticket_id != first
        assert held_by(database, "alice") == [screen.ticket_id]
        await pilot.press("escape")
        await settle(pilot)
    assert held_by(database, "alice") == []


async def test_quitting_while_the_next_ticket_is_on_its_way_leaves_no_claim_and_does_not_open_it(
    desk_app, make_ticket, settle, database, monkeypatch
) -> None:
    make_ticket()
    entered, release = gate_next(monkeypatch)
    app = desk_app()
    closing = asyncio.Event()
    close = app.ctx.admin.aclose

    async def slow_close() -> None:
        # Quitting goes on after the claims are given back: the next ticket's message lands meanwhile.
        closing.set()
        await asyncio.sleep(0.5)
        await close()

    monkeypatch.setattr(app.ctx.admin, "aclose", slow_close)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await asyncio.to_thread(entered.wait, 5)
        quitting = asyncio.ensure_future(app.action_quit())
        await pilot.pause()
        release.set()
        await closing.wait()
        await pilot.pause(0.2)
        assert not isinstance(app.screen, TicketScreen), "its claim is given back: the desk is leaving"
        await quitting
    assert held_by(database, "alice") == []


async def test_n_with_no_ticket_left_keeps_the_open_ticket_claimed(desk_app, make_ticket, settle, database) -> None:
    ticket = make_ticket()
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        for key in ("", "n", "n"):
            await pilot.press(*key)
            await settle(pilot)
        assert isinstance(app.screen, TicketScreen) and app.screen.ticket_id == ticket.id
        assert "claimed by you" in str(app.screen.query_one("#ticket-header").render())
        assert held_by(database, "alice") == [ticket.id]
