"""The queues screen: counts, the table over the database, queue switching, search, filters, sort, open."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from lifer_desk.domain.queues import QueueName, SortKey
from lifer_desk.domain.tickets import Category, Channel, Priority
from lifer_desk.services import tickets
from lifer_desk.services.tickets import TicketDraft, open_ticket
from lifer_desk.store.db import Database
from lifer_desk.ui import DeskApp
from lifer_desk.ui.queues import source as queue_source
from lifer_desk.ui.queues.queue_list import QueueList
from lifer_desk.ui.queues.screen import QueuesScreen
from lifer_desk.ui.ticket.screen import TicketScreen
from tests.fakes.admin_api import with_admin
from tests.ui.ui_support import MAX_LOOKS, NOW, Notices, context
from widgets.virtual_table import VirtualTable


def shown_ids(app) -> list[int]:
    return [row.id for row in app.screen.query_one(VirtualTable).buffered_rows]


async def test_counts_and_queue_switching(desk_app, make_ticket, settle) -> None:
    a = make_ticket("退款申请")
    b = make_ticket("账号找回 account recovery", category=Category.DELETION)
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        counts = app.screen.query_one(QueueList).counts
        assert counts[QueueName.UNASSIGNED] == 2 and counts[QueueName.DELETION] == 1
        assert counts[QueueName.MY_OPEN] == 0
        assert shown_ids(app) == []
        await pilot.press("tab", "j")
        await settle(pilot)
        assert app.screen.query_one(QueueList).queue == QueueName.UNASSIGNED
        assert sorted(shown_ids(app)) == sorted([a.id, b.id])


async def open_all(pilot) -> None:
    await pilot.press("tab", *["j"] * 8, "tab")


async def unassigned_in_all(pilot, settle) -> VirtualTable:
    """The All queue's table, once shown, its first ticket claimed by nobody."""
    await settle(pilot)
    await open_all(pilot)
    await settle(pilot)
    table = pilot.app.screen.query_one(VirtualTable)
    assert table.buffered_rows[0].cells[6].plain == "—"
    return table


async def searched(pilot, text: str, settle) -> None:
    """Wait for the debounced search to run (no typing for a moment), then for its rows."""
    for _ in range(500):
        if pilot.app.screen.view.search == text:
            await settle(pilot)
            return
        await pilot.pause()
    raise AssertionError(f"the search for {text!r} never ran")


async def test_search_as_you_type_finds_chinese_and_english(desk_app, make_ticket, settle, monkeypatch) -> None:
    monkeypatch.setattr(QueuesScreen, "SEARCH_DEBOUNCE", 0.001)
    refund = make_ticket("退款申请")
    login = make_ticket("Cannot log in to my account")
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_all(pilot)
        await settle(pilot)
        assert sorted(shown_ids(app)) == sorted([refund.id, login.id])
        await pilot.press("slash", *"退款")
        await searched(pilot, "退款", settle)
        assert shown_ids(app) == [refund.id]
        await pilot.press("ctrl+a", "ctrl+k", *"log")
        await searched(pilot, "log", settle)
        assert shown_ids(app) == [login.id]
        await pilot.press("escape")
        await searched(pilot, "", settle)
        assert sorted(shown_ids(app)) == sorted([refund.id, login.id])


async def test_typing_fast_runs_one_search_after_the_pause(desk_app, make_ticket, settle) -> None:
    refund = make_ticket("退款申请")
    make_ticket("Cannot log in")
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_all(pilot)
        await settle(pilot)
        await pilot.press("slash", *"退款")
        # Within the debounce nothing has been searched yet; enter searches at once.
        assert app.screen.view.search == ""
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.view.search == "退款"
        assert shown_ids(app) == [refund.id]
        assert app.screen.query_one(VirtualTable).has_focus


async def test_filters_by_priority_and_assignee(desk_app, make_ticket, settle, bob) -> None:
    urgent = make_ticket("急", priority=Priority.URGENT)
    held = make_ticket("被领取", priority=Priority.URGENT)
    make_ticket("普通")
    tickets.claim(bob, held.id)
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_all(pilot)
        await settle(pilot)

        async def filter_by(field: str, value: str) -> list[int]:
            await pilot.press("f")
            await pilot.pause()
            app.screen.query_one(f"#filter-{field}").value = value
            await pilot.press("ctrl+s")
            await settle(pilot)
            return shown_ids(app)

        assert sorted(await filter_by("priority", "urgent")) == sorted([urgent.id, held.id])
        assert await filter_by("assignee", "bob") == [held.id]
        assert "bob" in str(app.screen.query_one("#view-line").render())
        assert await filter_by("assignee", "-") == [urgent.id]
        assert "assignee=unassigned" in str(app.screen.query_one("#view-line").render())


async def test_a_filter_that_cannot_match_is_refused_in_the_dialog(desk_app, make_ticket, settle) -> None:
    make_ticket("急", priority=Priority.URGENT)
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("#filter-assignee").value = "bob smith"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is dialog, "the dialog stays open, with what the agent typed"
        assert "'bob smith' is not an agent name." in str(dialog.query_one(".dialog-hint").render())
        assert dialog.query_one("#filter-assignee").value == "bob smith"


async def test_sort_is_done_by_the_database(desk_app, make_ticket, settle) -> None:
    low = make_ticket("低", priority=Priority.LOW)
    urgent = make_ticket("急", priority=Priority.URGENT)
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_all(pilot)
        await settle(pilot)
        assert shown_ids(app) == [urgent.id, low.id]  # by SLA due
        await pilot.press("o", "o", "o")  # due -> priority -> updated -> id
        await settle(pilot)
        assert app.screen.query_one(VirtualTable).sort == ("id", False)
        assert shown_ids(app) == [low.id, urgent.id]
        await pilot.press("O")
        await settle(pilot)
        assert shown_ids(app) == [urgent.id, low.id]


async def test_enter_opens_the_ticket_and_escape_returns(desk_app, make_ticket, settle) -> None:
    ticket = make_ticket("退款申请")
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_all(pilot)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen) and app.screen.ticket_id == ticket.id
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueuesScreen)


async def test_another_agents_claim_shows_in_the_open_queue(desk_app, make_ticket, settle, bob) -> None:
    ticket = make_ticket("退款申请")
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        table = await unassigned_in_all(pilot, settle)
        tickets.claim(bob, ticket.id)
        app.screen.poll_changes()
        await settle(pilot)
        assert table.buffered_rows[0].cells[6].plain == "bob"
        assert app.screen.query_one(QueueList).counts[QueueName.UNASSIGNED] == 0


async def test_next_unclaimed_from_the_queues_claims_the_most_urgent(desk_app, make_ticket, settle) -> None:
    make_ticket("普通")
    urgent = make_ticket("急", priority=Priority.URGENT)
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TicketScreen) and screen.ticket_id == urgent.id
        assert screen.detail is not None and screen.detail.assignee == "alice"


async def test_next_unclaimed_with_nothing_left_says_so(desk_app, settle) -> None:
    app = desk_app()
    notices = Notices()
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, QueuesScreen)
        assert notices.messages == ["No unclaimed tickets"]


def table_lines(app) -> list[str]:
    table = app.screen.query_one(VirtualTable)
    return [table.render_line(y).text for y in range(table.size.height)]


async def test_an_80_column_terminal_shows_every_narrow_column_whole(desk_app, make_ticket, settle, bob) -> None:
    ticket = make_ticket("退款申请", priority=Priority.URGENT)
    tickets.claim(bob, ticket.id)
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_all(pilot)
        await settle(pilot)
        table = app.screen.query_one(VirtualTable)
        queue_list = app.screen.query_one(QueueList)
        assert queue_list.narrow
        assert queue_list.outer_size.width + table.outer_size.width == 80
        header, row = table_lines(app)[:2]
        assert header.split() == ["#", "Pr", "SLA", "St", "Subject", "Requester", "Upd"]
        # Nothing is cropped on the right: the last column ends inside the table, the requester is whole.
        assert row.split() == [str(ticket.id), "urg", "7h00m", "new", "退款申请", "z***@qq.com", "12:00"]
        assert header.rstrip().endswith("Upd") and len(header.rstrip()) < table.size.width
        # The two columns left out here are in the ticket view's header.
        await pilot.press("enter")
        await settle(pilot)
        header_text = str(app.screen.query_one("#ticket-header").render())
        assert "payment" in header_text and "bob" in header_text


async def test_hiding_the_queue_list_at_80_columns_shows_every_column(desk_app, make_ticket, settle, bob) -> None:
    ticket = make_ticket("退款申请", priority=Priority.URGENT, category=Category.DELETION)
    tickets.claim(bob, ticket.id)
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_all(pilot)
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        table = app.screen.query_one(VirtualTable)
        assert not app.screen.query_one(QueueList).display
        assert table.outer_size.width == 80 and table.has_focus
        header, row = table_lines(app)[:2]
        assert header.split() == ["#", "Pr", "SLA", "St", "Cat", "Subject", "Requester", "Agent", "Upd"]
        assert row.split() == [str(ticket.id), "urg", "7h00m", "new", "del", "退款申请", "z***@qq.com", "bob", "12:00"]
        assert header.rstrip().endswith("Upd") and len(header.rstrip()) < table.size.width
        # The hidden list's count for the queue in view moves to the line above the table, redrawn only when
        # it moves (the counts reload every minute even when nothing changed).
        view_line = app.screen.query_one("#view-line")
        assert str(view_line.render()).startswith("All (1)")
        updates: list[object] = []
        original = view_line.update
        view_line.update = lambda *a, **k: updates.append(a) or original(*a, **k)  # type: ignore[method-assign]
        app.screen.reload_counts()
        await settle(pilot)
        assert updates == []
        make_ticket("新工单")
        app.screen.reload_counts()
        await settle(pilot)
        assert len(updates) == 1 and str(view_line.render()).startswith("All (2)")
        # Tab brings the list back, and with it the narrower column set.
        await pilot.press("tab")
        await settle(pilot)
        queue_list = app.screen.query_one(QueueList)
        assert queue_list.display and queue_list.has_focus
        assert table_lines(app)[0].split() == ["#", "Pr", "SLA", "St", "Subject", "Requester", "Upd"]
        assert str(app.screen.query_one("#view-line").render()).startswith("All")
        assert "(1)" not in str(app.screen.query_one("#view-line").render())


async def test_resizing_switches_between_the_wide_and_narrow_layouts(desk_app, make_ticket, settle) -> None:
    make_ticket("退款申请", category=Category.DELETION)
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_all(pilot)
        await settle(pilot)
        await pilot.resize_terminal(140, 40)
        await settle(pilot)
        assert not app.screen.query_one(QueueList).narrow
        header, row = table_lines(app)[:2]
        assert header.split() == ["#", "Pri", "SLA", "Status", "Subject", "Requester", "Agent", "Category", "Updated"]
        assert row.split()[-3:] == ["—", "deletion", "11:00"]
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert app.screen.query_one(QueueList).narrow
        assert table_lines(app)[0].split()[-1] == "Upd"


async def test_search_shows_newest_first_in_one_query_and_clearing_restores_the_sort(
    desk_app, make_ticket, settle, monkeypatch
) -> None:
    low = make_ticket("退款 低", priority=Priority.LOW)
    urgent = make_ticket("退款 急", priority=Priority.URGENT)
    make_ticket("其他")
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_all(pilot)
        await settle(pilot)
        await pilot.press("o")  # due -> priority
        await settle(pilot)
        table = app.screen.query_one(VirtualTable)
        assert table.sort == ("priority", False)
        queries = []
        real_page = queue_source.queues.page

        def page(ctx, query, **where):
            queries.append(query)
            return real_page(ctx, query, **where)

        monkeypatch.setattr(queue_source.queues, "page", page)
        await pilot.press("slash", *"退款", "enter")
        await settle(pilot)
        assert table.sort == ("id", True)
        assert shown_ids(app) == [urgent.id, low.id]
        assert [(query.search, query.sort, query.descending) for query in queries] == [("退款", SortKey.ID, True)]
        await pilot.press("O")  # the agent may still reorder the results ...
        await settle(pilot)
        await pilot.press("slash", "ctrl+a", "ctrl+k", *"退", "enter")  # ... and a refined search keeps that
        await settle(pilot)
        assert table.sort == ("id", False)
        assert shown_ids(app) == [low.id, urgent.id]
        await pilot.press("slash", "escape")
        await settle(pilot)
        assert table.sort == ("priority", False)
        assert shown_ids(app)[0] == urgent.id


async def test_an_idle_queue_reads_no_table_and_another_agents_commit_reloads_it(
    desk_app, make_ticket, settle, bob, looks
) -> None:
    """Each tick looks at the database's change version only: the poll worker reads the marker after a commit, and
    the screen's handler reloads (table and counts) only when the marker moved."""
    ticket = make_ticket("退款申请")
    posted: list[object] = []

    def hook(message: object) -> None:
        if isinstance(message, QueuesScreen.Polled | QueuesScreen.CountsLoaded):
            posted.append(message)

    app = desk_app()
    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        await settle(pilot)
        await open_all(pilot)
        await settle(pilot)
        posted.clear()
        # Four looks hold at least one tick of the screen's (each second) beside the outbox's (every 2 s).
        await looks.wait(pilot, ticks=4)
        assert posted == [], "nothing was committed: no poll, no reload"
        tickets.claim(bob, ticket.id)
        for _ in range(MAX_LOOKS):
            if any(isinstance(message, QueuesScreen.CountsLoaded) for message in posted):
                break
            await looks.wait(pilot)
        assert isinstance(posted[0], QueuesScreen.Polled)
        assert app.screen.query_one(QueueList).counts[QueueName.UNASSIGNED] == 0
        assert app.screen.query_one(VirtualTable).buffered_rows[0].cells[6].plain == "bob"


async def test_on_postgresql_another_agents_claim_shows_through_the_notifications(
    pg_url, fake_admin, settle, looks
) -> None:
    """As on SQLite, by the poll alone: PostgreSQL's notifications (migration 0015) move the change version."""
    database = Database(pg_url)
    try:
        ctx, bob = context(database), context(database, "bob")
        opened = replace(ctx, clock=lambda: NOW - timedelta(hours=1))
        draft = TicketDraft(Channel.EMAIL, "退款申请", "请尽快处理", "zhang.san@qq.com", "张三", Category.PAYMENT,
                            Priority.NORMAL)  # fmt: skip
        ticket = open_ticket(opened, draft)
        app = DeskApp(with_admin(ctx, fake_admin))
        async with app.run_test(size=(80, 24)) as pilot:
            table = await unassigned_in_all(pilot, settle)
            tickets.claim(bob, ticket.id)
            for _ in range(MAX_LOOKS):
                if table.buffered_rows[0].cells[6].plain == "bob":
                    break
                await looks.wait(pilot)
            assert table.buffered_rows[0].cells[6].plain == "bob"
    finally:
        database.dispose()
