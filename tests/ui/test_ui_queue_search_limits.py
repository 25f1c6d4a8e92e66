"""A search the index cannot run is refused where it was typed, on SQLite and PostgreSQL, and the table keeps
showing rows that match the label above it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lifer_desk.services import queues
from lifer_desk.store.db import Database
from widgets.virtual_table import VirtualTable


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    db = Database(db_url)
    yield db
    db.dispose()


def view_line(app) -> str:
    return str(app.screen.query_one("#view-line").render())


async def test_a_search_word_too_long_is_refused_in_place_and_the_rows_keep_their_label(
    desk_app, make_ticket, settle
) -> None:
    refund = make_ticket("退款申请")
    make_ticket("Cannot log in to my account")
    app = desk_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("tab", *["j"] * 8, "tab", "slash")
        await pilot.press(*"退款", "enter")
        await settle(pilot)
        assert [row.id for row in app.screen.query_one(VirtualTable).buffered_rows] == [refund.id]
        app.screen.query_one("#search").value = "a" * 2047
        await pilot.press("slash", "enter")
        await settle(pilot)
        line = view_line(app)
        assert f"A search word can be at most {queues.MAX_SEARCH_WORD} characters; shorten it." in line
        assert "search: 退款" in line and "aaaa" not in line
        assert [row.id for row in app.screen.query_one(VirtualTable).buffered_rows] == [refund.id]
        assert app.is_running
