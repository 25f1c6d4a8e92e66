"""Pilot tests of `VirtualTable` over a million-row keyset source, at 80x24."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.app import App
from textual.geometry import Region
from textual.message import Message
from textual.widgets import Static

from widgets.columns import Column, needed_width
from widgets.page_source import IndexedSource, Row
from widgets.table_messages import PageLoaded
from widgets.table_window import TableWindow
from widgets.virtual_table import VirtualTable

SIZE = (80, 24)
PAGE = 22  # 24 lines minus the header and the status line


def lines(table: VirtualTable) -> list[str]:
    return [table.render_line(y).text for y in range(table.size.height)]


def ids(rows: Sequence[Row]) -> list[Any]:
    return [row.id for row in rows]


async def test_first_page_shows_header_rows_and_position(million, table_app, settle) -> None:
    app = table_app(million)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.table
        assert table.page_height == PAGE
        assert ids(table.visible_rows) == list(range(PAGE))
        shown = lines(table)
        assert shown[0].split() == ["ID", "Pri", "Subject", "Name"]
        assert shown[1].split() == ["T0000000", "high", "Refund", "request", "0", "Ann"]
        assert shown[-1].strip() == "1 / 1,000,000"


async def test_j_k_and_arrows_move_the_cursor(million, table_app, settle) -> None:
    app = table_app(million)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "down", "k")
        assert app.table.cursor_row.id == 2
        await pilot.press("up", "up", "up")
        assert app.table.cursor_row.id == 0


async def test_pagedown_moves_a_screen_and_rows_come_from_keyset_pages(million, table_app, settle) -> None:
    app = table_app(million)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for _ in range(3):
            await pilot.press("pagedown")
            await settle(pilot)
        table = app.table
        assert table.cursor_row.id == 3 * PAGE
        assert ids(table.visible_rows) == list(range(3 * PAGE, 4 * PAGE))
        assert table.cursor_position == 3 * PAGE
        # Every fetch after the first page continued from the window's last key.
        for name, key, _ in million.calls[1:]:
            assert name == "page_after"
            assert key is not None


async def test_window_stays_bounded_over_a_long_journey(million, table_app, settle) -> None:
    app = table_app(million)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.table
        largest = 0
        for _ in range(40):
            await pilot.press("pagedown")
            await settle(pilot)
            largest = max(largest, len(table.buffered_rows))
        assert table.cursor_row.id == 40 * PAGE
        assert largest <= table.max_buffered_rows <= 6 * PAGE
        # The window slides: its first row is no longer row 0.
        assert table.buffered_rows[0].id > 0
        for _ in range(3):
            await pilot.press("pageup")
            await settle(pilot)
        assert table.cursor_row.id == 37 * PAGE


async def test_end_shows_the_last_rows_without_scanning(million, table_app, settle) -> None:
    app = table_app(million)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("end")
        await settle(pilot)
        table = app.table
        assert ids(table.visible_rows) == list(range(1_000_000 - PAGE, 1_000_000))
        assert table.cursor_row.id == 999_999
        assert lines(table)[PAGE].split()[0] == "T0999999"
        assert lines(table)[-1].strip() == "1,000,000 / 1,000,000"
        assert "last_page" in [name for name, _, _ in million.calls]
        assert million.rows_fetched < 500


async def test_moving_up_from_the_end_pages_backwards(million, table_app, settle) -> None:
    app = table_app(million)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("end")
        await settle(pilot)
        for _ in range(4):
            await pilot.press("pageup")
            await settle(pilot)
        await pilot.press("k")
        assert app.table.cursor_row.id == 999_999 - 4 * PAGE - 1
        assert "page_before" in [name for name, _, _ in million.calls]


async def test_home_returns_to_the_first_row(million, table_app, settle) -> None:
    app = table_app(million)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("end")
        await settle(pilot)
        await pilot.press("home")
        await settle(pilot)
        assert app.table.cursor_row.id == 0
        assert ids(app.table.visible_rows)[0] == 0


async def test_enter_posts_row_selected_with_the_cursor_rows_id(million, table_app, settle) -> None:
    app = table_app(million)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "j", "enter")
        await pilot.pause()
        assert app.selected == [3]


async def test_a_cursor_move_repaints_two_rows_and_the_status_line(million, table_app, settle) -> None:
    app = table_app(million)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.table
        refreshed: list[Region] = []
        original = table.refresh

        def spy(*regions: Region, **kwargs: Any) -> Any:
            refreshed.extend(regions)
            return original(*regions, **kwargs)

        table.refresh = spy  # type: ignore[method-assign]
        await pilot.press("j")
        assert sorted(region.y for region in refreshed) == [1, 2, PAGE + 1]
        assert all(region.height == 1 for region in refreshed)


async def test_reload_of_unchanged_rows_repaints_nothing(million, table_app, settle) -> None:
    app = table_app(million)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("pagedown", "j")
        await settle(pilot)
        table = app.table
        refreshed: list[Region] = []
        original = table.refresh

        def spy(*regions: Region, **kwargs: Any) -> Any:
            refreshed.extend(regions)
            return original(*regions, **kwargs)

        table.refresh = spy  # type: ignore[method-assign]
        table.reload()
        await settle(pilot)
        assert million.calls[-1][0] == "page_after"
        assert refreshed == []
        assert table.cursor_row.id == PAGE + 1


async def test_reload_keeps_the_cursor_on_the_same_row(table_app, settle) -> None:
    data = [(f"row {i}",) for i in range(500)]
    row_ids = list(range(500))
    source = IndexedSource(len(data), lambda i: data[i], id_at=lambda i: row_ids[i])
    app = table_app(source, columns=[Column("name", "Name")])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("pagedown", "j", "j")
        await settle(pilot)
        assert app.table.cursor_row.id == PAGE + 2
        # Another agent's change: two rows appear above the cursor.
        data[10:10] = [("new a",), ("new b",)]
        row_ids[10:10] = ["a", "b"]
        source._count += 2
        app.table.reload()
        await settle(pilot)
        assert app.table.cursor_row.id == PAGE + 2
        assert app.table.cursor_row.cells[0].plain == f"row {PAGE + 2}"


async def test_empty_source_shows_the_empty_message(table_app, settle) -> None:
    app = table_app(IndexedSource(0, lambda i: ()))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "pagedown", "enter")
        assert lines(app.table)[1].strip() == "Nothing here"
        assert app.table.cursor_row is None
        assert app.selected == []


async def test_markup_in_cells_is_shown_literally_and_clicks_fire_nothing(table_app, settle) -> None:
    corpus = ["[@click=app.boom]x[/]", "[link='http://x']y[/]", "[b]"]
    linked = Text.from_markup("[@click=app.boom]click me[/]")
    source = IndexedSource(3, lambda i: (corpus[i], linked, "\x1b]52;c;ZXZpbA==\x07\x9b2J\u202eabc"))
    columns = [Column("a", "A", width=24), Column("b", "B", width=12), Column("c", "C")]
    app = table_app(source, columns=columns)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.table
        for y, text in enumerate(corpus, start=1):
            assert lines(table)[y][1:25].rstrip() == text
            assert lines(table)[y][26:34] == "click me"
            # Clicking on the text itself: on the markup-looking cell and on the one that had an action.
            await pilot.click(table, offset=(2, y))
            await pilot.click(table, offset=(27, y))
        await pilot.pause()
        assert app.fired == []
        assert app.is_running
        for y in range(table.size.height):
            for segment in table.render_line(y):
                assert "\x1b" not in segment.text
                assert not any(0x80 <= ord(ch) <= 0x9F for ch in segment.text)
                assert "\u202e" not in segment.text
                assert segment.style is None or not segment.style.meta


async def test_the_click_check_would_catch_a_live_action() -> None:
    # The same click on markup rendered the unsafe way does fire: the test above can fail.
    class Unsafe(App[None]):
        fired: list[str]

        def compose(self):
            self.fired = []
            yield Static("[@click=app.boom]x[/]")

        def action_boom(self) -> None:
            self.fired.append("boom")

    app = Unsafe()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click(Static, offset=(0, 0))
        await pilot.pause()
        assert app.fired == ["boom"]


async def test_cjk_columns_line_up(table_app, settle, cjk_source) -> None:
    app = table_app(cjk_source)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.table
        names = ["张三", "李小龙", "Ann", "王五六七"]
        for y in range(1, PAGE + 1):
            strip = table.render_line(y)
            assert strip.cell_length == SIZE[0]
            # The Name column occupies the same cells on every line, whatever the widths before it.
            assert strip.crop(71, 79).text.rstrip() == names[(y - 1) % 4]
            assert strip.crop(11, 15).text.rstrip() in {"高", "低"}


async def test_sort_is_done_by_the_source(table_app, settle) -> None:
    class Reversible(IndexedSource):
        def __init__(self) -> None:
            super().__init__(1000, lambda i: (str(self._value(i)),), id_at=self._value)
            self.sorts: list[tuple[str, bool]] = []

        def _value(self, i: int) -> int:
            return 999 - i if self.sorts and self.sorts[-1][1] else i

        def set_sort(self, column: str, descending: bool) -> None:
            self.sorts.append((column, descending))

    source = Reversible()
    app = table_app(source, columns=[Column("n", "N", sortable=True)])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.table.sort_by("n")
        await settle(pilot)
        assert app.table.cursor_row.id == 0
        await pilot.click(app.table, offset=(2, 0))
        await settle(pilot)
        assert source.sorts == [("n", False), ("n", True)]
        assert app.table.sort == ("n", True)
        assert app.table.cursor_row.id == 999
        assert lines(app.table)[0].split() == ["N", "▼"]


async def test_a_failing_source_is_reported_and_the_rows_kept(table_app, settle) -> None:
    class Flaky(IndexedSource):
        def page_after(self, key: int, limit: int) -> list[Row]:
            raise ConnectionError("database went away")

    app = table_app(Flaky(1000, lambda i: (str(i),)), columns=[Column("n", "N")])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert [type(error) for error in app.failures] == [ConnectionError]
        await pilot.press("j")
        assert app.table.cursor_row.id == 1
        assert app.is_running


async def test_set_columns_shows_other_cells_of_the_same_rows_without_a_fetch(million, table_app, settle) -> None:
    app = table_app(million)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j")
        calls = len(million.calls)
        # A narrower set: the name first, then the subject, picked from the rows' cells by index.
        app.table.set_columns([Column("name", "Name", width=6, cell=3), Column("subject", "Subject", cell=2)])
        await pilot.pause()
        shown = lines(app.table)
        assert shown[0].split() == ["Name", "Subject"]
        assert shown[2].split() == ["Ann", "Refund", "request", "1"]
        assert len(million.calls) == calls
        assert app.table.cursor_row.id == 1


def test_width_for_counts_fixed_widths_flexible_minimums_and_gaps() -> None:
    columns = [Column("a", "A", width=5), Column("b", "B", min_width=10), Column("c", "C", width=3)]
    # 5 + 10 + 3 cells, a gap between each pair and one at either edge.
    assert VirtualTable.width_for(columns) == 18 + 2 + 2
    assert needed_width(columns, gap=1) == 20


class _Sorted(IndexedSource):
    """Rows 0..999 or 999..0, recording what the table asked of it and in which order."""

    def __init__(self) -> None:
        super().__init__(1000, lambda i: (str(self._value(i)),), id_at=self._value)
        self.log: list[object] = []
        self.descending = False

    def _value(self, i: int) -> int:
        return 999 - i if self.descending else i

    def set_sort(self, column: str, descending: bool) -> None:
        self.log.append(("sort", column, descending))
        self.descending = descending

    def first_page(self, limit: int) -> list[Row]:
        self.log.append("first_page")
        return super().first_page(limit)


async def test_set_source_keeps_the_sort_when_asked_and_drops_it_otherwise(table_app, settle) -> None:
    app = table_app(_Sorted(), columns=[Column("n", "N", sortable=True)])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.table.sort_by("n", descending=True)
        await settle(pilot)
        kept = _Sorted()
        app.table.set_source(kept, keep_sort=True)
        await settle(pilot)
        # The new source is sorted before its one and only first page is read.
        assert kept.log == [("sort", "n", True), "first_page"]
        assert app.table.sort == ("n", True)
        assert app.table.cursor_row.id == 999
        fresh = _Sorted()
        app.table.set_source(fresh)
        await settle(pilot)
        assert fresh.log == ["first_page"]
        assert app.table.sort is None
        assert app.table.cursor_row.id == 0


async def test_the_fetch_worker_posts_each_page_and_the_table_lands_it(million, table_app, settle) -> None:
    posted: list[Message] = []
    app = table_app(million)
    async with app.run_test(size=SIZE, message_hook=posted.append) as pilot:
        await settle(pilot)
        await pilot.press("end")
        await settle(pilot)
        pages = [message.page for message in posted if isinstance(message, PageLoaded)]
        method = {"first": "first_page", "last": "last_page", "after": "page_after", "before": "page_before"}
        assert [method[page.fetch.kind] for page in pages] == [name for name, _, _ in million.calls]
        assert pages[-1].rows[-1].id == app.table.cursor_row.id == 999_999


def test_a_newer_replacing_page_supersedes_a_queued_one() -> None:
    window = TableWindow(IndexedSource(1000, lambda i: (str(i),)), height=10)
    window.land(window.first().read())
    after = window.move(50)
    assert after is not None
    queued = PageLoaded(after.read())
    # Landing the older page would do nothing once the agent pressed End: it can be dropped unhandled.
    assert queued.can_replace(PageLoaded(window.last().read()))
    assert not queued.can_replace(PageLoaded(after.read()))
    assert not PageLoaded(window.last().read()).can_replace(queued)
