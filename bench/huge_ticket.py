"""Issue 12 item 8: opening any ticket paints within 0.3 s, however big its thread.

The desk (`DeskApp`, headless, 80x24) opens three tickets of a fresh SQLite database, each as the agent would
(`open_ticket`, as enter in a queue does): a small one, for comparison; one whose inbound body is 5.2 MB, stored
as it was before the desk limited inbound bodies (old data keeps such rows); and one with a long thread of
notes. The figure is the wall-clock time from the open to the thread's newest event being laid out (the next
screen refresh paints it), and the ratio to the small ticket, since machines are noisy.

    python -m bench.huge_ticket [--events 2000] [--body-mb 5.2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.seeded import ensure_agents

TARGET_S = 0.3
ROUNDS = 3
AGENT = "bench.agent"


def _fill(url: str, body_mb: float, events: int) -> list[tuple[str, int]]:
    from lifer_desk.config import Settings
    from lifer_desk.domain.tickets import Category, Channel, EventKind, Priority
    from lifer_desk.services import tickets
    from lifer_desk.services.context import DeskContext
    from lifer_desk.store import tickets as store
    from lifer_desk.store.db import Database
    from lifer_desk.store.migrate import upgrade
    from lifer_desk.store.models import TicketEvent
    from lifer_desk.store.search import reindex_ticket
    from lifer_desk.store.types import utcnow

    db = Database(url)
    upgrade(db)
    ensure_agents(db, [AGENT])
    ctx = DeskContext(db=db, settings=Settings(database_url=url), agent=AGENT, role="agent")

    def draft(body: str) -> tickets.TicketDraft:
        return tickets.TicketDraft(Channel.EMAIL, "退款申请", body, "a@qq.com", "张三", Category.PAYMENT, Priority.HIGH)

    small = tickets.open_ticket(ctx, draft("请尽快处理，谢谢。")).id
    now = utcnow()
    huge_body = ("请尽快处理退款，谢谢。 please refund my subscription, thank you.\n" * 100_000)[: int(body_mb * 1e6)]
    new = store.NewTicket(
        channel=Channel.EMAIL,
        subject="huge body",
        body=huge_body,
        requester="b@qq.com",
        requester_name="李四",
        category=Category.PAYMENT,
        priority=Priority.HIGH,
        first_response_due=now + timedelta(hours=8),
        resolution_due=now + timedelta(days=1),
        created_at=now,
    )
    with db.write() as session:
        huge = store.create_ticket(session, new)
    long_thread = tickets.open_ticket(ctx, draft("hello")).id
    reply = "您好，我们已收到您的申请，正在处理。 We are looking into it.\n" * 40
    with db.write() as session:
        # Rows at once and one reindex: `add_event` reindexes the whole thread each time.
        session.add_all(
            TicketEvent(ticket_id=long_thread, kind=EventKind.NOTE, author=AGENT, body=reply, created_at=now)
            for _ in range(events)
        )
        session.flush()
        reindex_ticket(session, long_thread)
    db.dispose()
    return [("small ticket", small), (f"{body_mb} MB inbound body", huge), (f"{events:,} events", long_thread)]


async def _open_each(url: str, ticket_ids: list[int]) -> list[float]:
    from lifer_desk.config import Settings
    from lifer_desk.services.context import DeskContext
    from lifer_desk.store.db import Database
    from lifer_desk.ui import DeskApp
    from lifer_desk.ui.ticket.parts import EventItem, ThreadView
    from lifer_desk.ui.ticket.screen import TicketScreen

    db = Database(url)
    ctx = DeskContext(db=db, settings=Settings(database_url=url), agent=AGENT, role="agent")
    # The context's default admin API refuses to open: this bench never needs one.
    app = DeskApp(ctx)
    figures: list[float] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        # The first ticket screen of a run also loads its styles; the agent pays that once, so it is left out.
        for ticket_id in [ticket_ids[0], *ticket_ids * ROUNDS]:
            start = time.perf_counter()
            app.open_ticket(ticket_id)
            while not (isinstance(app.screen, TicketScreen) and app.screen.detail is not None):
                await asyncio.sleep(0.001)
            thread = app.screen.query_one(ThreadView)
            # Until the newest event has a size: the thread is laid out, and the next refresh paints it.
            while not (items := thread.query(EventItem)) or not items.last().size.height:
                await asyncio.sleep(0.001)
            figures.append(time.perf_counter() - start)
            await pilot.press("escape")
            # Back on the queues, which reload after the ticket's claim-free visit: let them settle first.
            await pilot.pause(0.5)
        await app.action_quit()
    db.dispose()
    # Best of the rounds for each ticket: on a shared machine the slower rounds measure the neighbours.
    rounds = [figures[1 + n :: len(ticket_ids)] for n in range(len(ticket_ids))]
    return [min(each) for each in rounds]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2_000)
    parser.add_argument("--body-mb", type=float, default=5.2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lifer-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'desk.db'}"
        cases = _fill(url, args.body_mb, args.events)
        opened = asyncio.run(_open_each(url, [ticket_id for _, ticket_id in cases]))
        figures = [(name, figure) for (name, _), figure in zip(cases, opened, strict=True)]
    baseline = figures[0][1]
    load = ", ".join(f"{figure:.1f}" for figure in os.getloadavg())
    print(f"open a ticket to a laid-out thread, headless 80x24 (SQLite); load average {load}")
    for name, seconds in figures:
        verdict = "meets" if seconds <= TARGET_S else "MISSES"
        print(f"  {name:<22} {seconds:6.3f} s  ({seconds / baseline:5.1f}x small)  target <= {TARGET_S} s: {verdict}")


if __name__ == "__main__":
    main()
