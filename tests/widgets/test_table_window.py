"""`TableWindow` on its own: which pages it asks for, what it holds, where its cursor is. No app, no Pilot."""

from __future__ import annotations

import pytest

from widgets.page_source import IndexedSource, PageSource, Row
from widgets.table_window import MIN_CHUNK, Fetch, TableWindow

HEIGHT = 22
MILLION = 1_000_000


def numbers(count: int) -> IndexedSource:
    return IndexedSource(count, lambda i: (str(i),))


class Uncounted:
    """A million rows that the source will not count, like a searched queue's."""

    def __init__(self) -> None:
        self._rows = numbers(MILLION)

    def first_page(self, limit: int) -> list[Row]:
        return self._rows.first_page(limit)

    def last_page(self, limit: int) -> list[Row]:
        return self._rows.last_page(limit)

    def page_after(self, key: int, limit: int) -> list[Row]:
        return self._rows.page_after(key, limit)

    def page_before(self, key: int, limit: int) -> list[Row]:
        return self._rows.page_before(key, limit)

    def estimate_count(self) -> int | None:
        return None


class Growing(IndexedSource):
    """Named rows that another agent can insert into."""

    def __init__(self, count: int) -> None:
        self.names = [f"row {i}" for i in range(count)]
        self.ids: list[object] = list(range(count))
        super().__init__(count, lambda i: (self.names[i],), id_at=lambda i: self.ids[i])

    def insert(self, index: int, ids: list[str]) -> None:
        self.names[index:index] = [f"new {row_id}" for row_id in ids]
        self.ids[index:index] = ids
        self._count += len(ids)


class Sortable(IndexedSource):
    """Rows 0..count-1, or count-1..0 once sorted descending."""

    def __init__(self, count: int) -> None:
        super().__init__(count, lambda i: (str(self._value(i)),), id_at=self._value)
        self.descending = False

    def _value(self, i: int) -> int:
        return self._count - 1 - i if self.descending else i

    def set_sort(self, column: str, descending: bool) -> None:
        self.descending = descending


def settle(window: TableWindow, fetch: Fetch | None) -> list[Fetch]:
    """Run `fetch` and every fetch its landing asks for, as the widget does; returns them all."""
    done = []
    while fetch is not None:
        done.append(fetch)
        fetch = window.land(fetch.read()) or window.prefetch()
    return done


def opened(source: PageSource, height: int = HEIGHT) -> TableWindow:
    window = TableWindow(source, height)
    settle(window, window.first())
    return window


def cursor(window: TableWindow) -> Row:
    row = window.cursor_row
    assert row is not None
    return row


def ids(rows: tuple[Row, ...]) -> list[object]:
    return [row.id for row in rows]


def test_the_first_page_puts_the_cursor_on_row_one_and_a_page_down_prefetches_the_next() -> None:
    window = TableWindow(numbers(MILLION), HEIGHT)
    first = window.first()
    assert (first.kind, first.limit) == ("first", 2 * HEIGHT)
    assert window.inflight is first
    window.land(first.read())
    assert window.inflight is None
    assert ids(window.visible_rows) == list(range(HEIGHT))
    assert (window.cursor_position, window.total) == (0, MILLION)
    assert window.prefetch() is None
    # Now less than a screen of rows lies below the viewport: the next page is asked for.
    assert window.move(HEIGHT, page=True) is None
    after = window.prefetch()
    assert after is not None
    assert (after.kind, after.key) == ("after", 2 * HEIGHT - 1)


def test_a_short_viewport_still_fetches_a_useful_chunk() -> None:
    assert TableWindow(numbers(10), height=3).first().limit == MIN_CHUNK


def test_a_page_down_past_the_window_waits_at_its_edge_and_finishes_when_the_page_lands() -> None:
    window = TableWindow(numbers(MILLION), HEIGHT)
    window.land(window.first().read())
    assert window.move(HEIGHT, page=True) is None
    fetch = window.move(HEIGHT, page=True)
    assert fetch is not None and fetch.kind == "after"
    assert cursor(window).id == 2 * HEIGHT - 1
    assert window.land(fetch.read()) is None
    assert cursor(window).id == 2 * HEIGHT
    assert ids(window.visible_rows) == list(range(2 * HEIGHT, 3 * HEIGHT))


def test_moves_made_while_a_page_is_coming_add_up() -> None:
    window = TableWindow(numbers(MILLION), HEIGHT)
    window.land(window.first().read())
    fetch = window.move(2 * HEIGHT + 5)
    # Asked again the same way: no second fetch, the rows to travel add up.
    assert window.move(3) is None
    assert fetch is not None
    window.land(fetch.read())
    assert window.cursor_position == 2 * HEIGHT + 8


def test_the_window_stays_bounded_and_keeps_its_position_over_a_long_journey() -> None:
    window = opened(numbers(MILLION))
    for step in range(1, 41):
        settle(window, window.move(HEIGHT, page=True) or window.prefetch())
        assert len(window.rows) <= window.max_buffered_rows <= 6 * HEIGHT
        assert window.cursor_position == cursor(window).id == step * HEIGHT
    assert window.rows[0].id != 0
    for _ in range(3):
        settle(window, window.move(-HEIGHT, page=True) or window.prefetch())
    assert window.cursor_position == cursor(window).id == 37 * HEIGHT


def test_end_reads_the_last_page_only() -> None:
    window = opened(numbers(MILLION))
    fetches = settle(window, window.last())
    assert fetches[0].kind == "last"
    assert sum(fetch.limit for fetch in fetches) < 500
    assert ids(window.visible_rows) == list(range(MILLION - HEIGHT, MILLION))
    assert (window.cursor_position, window.total) == (MILLION - 1, MILLION)
    settle(window, window.move(-4 * HEIGHT, page=True) or window.prefetch())
    assert cursor(window).id == window.cursor_position == MILLION - 1 - 4 * HEIGHT


def test_without_a_count_the_position_is_unknown_after_end_and_known_again_after_home() -> None:
    window = opened(Uncounted())
    assert (window.cursor_position, window.total) == (0, None)
    settle(window, window.last())
    assert cursor(window).id == MILLION - 1
    assert (window.cursor_position, window.total) == (None, None)
    # Paging back from the end does not guess a position either.
    settle(window, window.move(-HEIGHT, page=True) or window.prefetch())
    assert window.cursor_position is None
    settle(window, window.first())
    assert window.cursor_position == 0


def test_a_page_for_a_window_that_moved_on_is_ignored() -> None:
    window = opened(numbers(MILLION))
    end = window.last()
    home = window.first()
    settle(window, home)
    window.land(end.read())
    assert cursor(window).id == 0
    assert window.inflight is None


def test_a_new_search_starts_from_the_first_row_and_ignores_the_old_sources_pages() -> None:
    window = opened(numbers(MILLION))
    old = window.move(5 * HEIGHT)
    assert old is not None
    found = numbers(5)
    settle(window, window.set_source(found))
    window.land(old.read())
    assert window.source is found
    assert ids(window.rows) == [0, 1, 2, 3, 4]
    assert window.cursor_position == 0
    assert window.prefetch() is None


def test_set_source_keeps_the_sort_only_when_asked() -> None:
    window = opened(Sortable(100))
    settle(window, window.sort_by("n", descending=True))
    kept = Sortable(100)
    fetch = window.set_source(kept, keep_sort=True)
    assert fetch.sort == ("n", True)
    settle(window, fetch)
    assert (window.sort, cursor(window).id) == (("n", True), 99)
    fetch = window.set_source(Sortable(100))
    assert fetch.sort is None
    assert window.sort is None


def test_sort_by_toggles_the_same_column_and_refuses_a_source_that_cannot_sort() -> None:
    window = opened(Sortable(100))
    assert window.sort_by("n").sort == ("n", False)
    assert window.sort_by("n").sort == ("n", True)
    assert window.sort_by("m").sort == ("m", False)
    with pytest.raises(TypeError):
        opened(numbers(100)).sort_by("n")


def test_reload_keeps_the_cursor_on_the_same_row_when_rows_appear_above_it() -> None:
    source = Growing(500)
    window = opened(source)
    settle(window, window.move(HEIGHT + 2) or window.prefetch())
    source.insert(10, ["a", "b"])
    fetch = window.reload()
    assert fetch.kind == "around"
    settle(window, fetch)
    assert cursor(window).id == HEIGHT + 2
    assert cursor(window).cells[0].plain == f"row {HEIGHT + 2}"
    assert window.cursor_position == HEIGHT + 4


def test_a_failed_fetch_keeps_the_rows_and_drops_the_move_that_waited_for_it() -> None:
    window = TableWindow(numbers(MILLION), HEIGHT)
    window.land(window.first().read())
    fetch = window.move(3 * HEIGHT)
    assert fetch is not None
    window.fail(fetch)
    assert window.inflight is None
    assert cursor(window).id == 2 * HEIGHT - 1
    # The next move asks again, from where the cursor is, not from the dropped target.
    retry = window.move(1)
    assert retry is not None
    window.land(retry.read())
    assert cursor(window).id == 2 * HEIGHT


def test_an_empty_source_is_loaded_with_nothing_to_move_over() -> None:
    window = TableWindow(numbers(0), HEIGHT)
    assert not window.loaded
    settle(window, window.first())
    assert window.loaded
    assert (window.cursor_row, window.cursor_position) == (None, None)
    assert window.move(HEIGHT, page=True) is None
    assert window.reload().kind == "first"


def test_a_taller_viewport_keeps_the_last_rows_at_the_bottom() -> None:
    window = opened(numbers(100))
    settle(window, window.last())
    window.resize(HEIGHT + 10)
    assert window.visible_rows[-1].id == 99
    assert len(window.visible_rows) == HEIGHT + 10
    window.resize(5)
    assert window.cursor_row in window.visible_rows
