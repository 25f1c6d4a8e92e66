"""A long thread opens with only its newest events laid out, each cut to a preview; `t` shows more."""

from __future__ import annotations

from lifer_desk.services import tickets
from lifer_desk.services.ticket_views import THREAD_WINDOW
from tests.ui.test_ui_ticket import open_ticket_view


def laid_out(screen, selector: str) -> list[str]:
    return [str(widget.render()) for widget in screen.query(selector)]


SHOWN_EVENTS, BODY_PREVIEW = THREAD_WINDOW.events, THREAD_WINDOW.chars
WIDER = THREAD_WINDOW.wider()


async def test_a_huge_thread_lays_out_a_bounded_amount_and_t_shows_more(desk_app, make_ticket, settle, ctx) -> None:
    ticket = make_ticket(body="退款" * tickets.MAX_INBOUND_BODY)
    notes = SHOWN_EVENTS + 5
    for n in range(notes):
        tickets.add_note(ctx, ticket.id, f"note {n} " + "x" * 3_000)
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_ticket_view(app, pilot, ticket.id, settle)
        bodies = laid_out(screen, ".event-body")
        assert len(bodies) == SHOWN_EVENTS
        assert sum(map(len, bodies)) <= SHOWN_EVENTS * BODY_PREVIEW
        assert bodies[-1].startswith(f"note {notes - 1} ")
        more = laid_out(screen, ".event-more")
        assert more[0] == "6 earlier events (t shows more)"
        assert more[-1] == f"… {3_000 + len(f'note {notes - 1} ') - BODY_PREVIEW:,} more characters (t shows more)"
        await pilot.press("t")
        await settle(pilot)
        bodies = laid_out(screen, ".event-body")
        assert len(bodies) == notes + 1 and bodies[0].startswith("退款退款")
        assert bodies[-1] == f"note {notes - 1} " + "x" * 3_000
        left = tickets.get_ticket(ctx, ticket.id, WIDER).events[0].length - WIDER.chars
        assert laid_out(screen, ".event-more") == [f"… {left:,} more characters (t shows more)"]
