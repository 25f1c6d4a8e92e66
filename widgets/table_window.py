"""`TableWindow`: the state behind `VirtualTable`, with no Textual in it, so it is tested without an app.

A window is the few screens of rows held from a keyset-paginated `PageSource`, the cursor and the first row on
screen, the position of the window in the source when it is known, the source's size when it is known, and
the one fetch in flight. Operations that need rows the window does not hold return the `Fetch` to run; the
widget runs it in a worker and hands the resulting `Page` back to `land`, which applies it (or ignores it,
when the window has moved on since) and may ask for the next fetch.

Rows far from the cursor are dropped as pages come in, so the window never holds more than
`max_buffered_rows`, whatever the source's size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from widgets.page_source import PageSource, Row, SortablePageSource

# Fetch at least this many rows at once, so a short viewport does not mean many tiny queries.
MIN_CHUNK = 40

FetchKind = Literal["first", "last", "after", "before", "around"]


@dataclass(frozen=True, eq=False)
class Fetch:
    """One request to the source. `generation` ties it to the window it was asked for."""

    kind: FetchKind
    source: PageSource
    generation: int
    limit: int
    key: Any = None
    margin: int = 0
    sort: tuple[str, bool] | None = None

    @property
    def replaces(self) -> bool:
        """Whether the page replaces the whole window, rather than extending it at one end."""
        return self.kind in ("first", "last", "around")

    def read(self) -> Page:
        """Ask the source for the rows; blocking, so the widget calls it from a worker thread."""
        source = self.source
        if self.sort is not None:
            assert isinstance(source, SortablePageSource)
            source.set_sort(*self.sort)
        before: list[Row] = []
        if self.kind == "first":
            rows = list(source.first_page(self.limit))
        elif self.kind == "last":
            rows = list(source.last_page(self.limit))
        elif self.kind == "after":
            rows = list(source.page_after(self.key, self.limit))
        elif self.kind == "before":
            rows = list(source.page_before(self.key, self.limit))
        else:
            # Around the first visible row: a screen above it, then a fetch from there on.
            before = list(source.page_before(self.key, self.margin))
            after = source.page_after(before[-1].key, self.limit) if before else source.first_page(self.limit)
            rows = before + list(after)
        total = source.estimate_count() if self.replaces else None
        return Page(self, rows, len(before), total)


@dataclass(frozen=True)
class Page:
    """What a `Fetch` brought: `before` of the rows lie above the key it asked around."""

    fetch: Fetch
    rows: list[Row]
    before: int
    total: int | None


class TableWindow:
    """Rows held, cursor, viewport and pending fetch of one table; see the module docstring."""

    def __init__(self, source: PageSource, height: int = 1) -> None:
        self._source = source
        self._height = max(height, 1)
        self._rows: list[Row] = []
        self._top = 0
        self._cursor = 0
        self._at_start = False
        self._at_end = False
        self._loaded = False
        # Absolute position of `_rows[0]` in the source, when known (from the first page or a count).
        self._base: int | None = None
        self._total: int | None = None
        self._sort: tuple[str, bool] | None = None
        self._generation = 0
        self._inflight: Fetch | None = None
        # Rows a move still has to travel once the page it is waiting for arrives.
        self._pending_move = 0
        self._pending_page = False

    # State ------------------------------------------------------------------------------------------

    @property
    def source(self) -> PageSource:
        return self._source

    @property
    def sort(self) -> tuple[str, bool] | None:
        """(column key, descending) of the order asked of the source, if any."""
        return self._sort

    @property
    def height(self) -> int:
        """Rows on screen."""
        return self._height

    @property
    def fetch_size(self) -> int:
        return max(2 * self._height, MIN_CHUNK)

    @property
    def max_buffered_rows(self) -> int:
        """The most rows the window ever holds: three fetches' worth, about six screens."""
        return 3 * self.fetch_size

    @property
    def rows(self) -> tuple[Row, ...]:
        """Every row held now."""
        return tuple(self._rows)

    @property
    def top(self) -> int:
        """Index in `rows` of the first row on screen."""
        return self._top

    @property
    def cursor(self) -> int:
        """Index in `rows` of the cursor row (0 when there are no rows)."""
        return self._cursor

    def row(self, index: int) -> Row | None:
        """`rows[index]`, or None past either end."""
        return self._rows[index] if 0 <= index < len(self._rows) else None

    @property
    def visible_rows(self) -> tuple[Row, ...]:
        return tuple(self._rows[self._top : self._top + self._height])

    @property
    def cursor_row(self) -> Row | None:
        return self._rows[self._cursor] if self._rows else None

    @property
    def cursor_position(self) -> int | None:
        """The cursor's 0-based position in the whole source, when known."""
        return None if self._base is None or not self._rows else self._base + self._cursor

    @property
    def total(self) -> int | None:
        """The source's size as its last count gave it, or None when it does not count."""
        return self._total

    @property
    def loaded(self) -> bool:
        """Whether a whole window has landed yet: no rows then means an empty source, not a slow one."""
        return self._loaded

    @property
    def inflight(self) -> Fetch | None:
        """The fetch the window waits for, if any."""
        return self._inflight

    # Asking for rows --------------------------------------------------------------------------------

    def first(self, sort: tuple[str, bool] | None = None) -> Fetch:
        """Go to the first row (asking for `sort` first, when given)."""
        return self._replace("first", sort=sort)

    def last(self) -> Fetch:
        return self._replace("last")

    def reload(self) -> Fetch:
        """Re-read the rows around the viewport; `land` keeps the cursor on the same row id if it is still there."""
        if not self._rows:
            return self._replace("first")
        return self._replace("around", key=self._rows[self._top].key, margin=self._height)

    def set_source(self, source: PageSource, *, keep_sort: bool = False, sort: tuple[str, bool] | None = None) -> Fetch:
        """Show `source` from its first row: in `sort` order if given, else in the current one with `keep_sort`."""
        self._source = source
        if sort is not None:
            self._sort = sort
        elif not keep_sort:
            self._sort = None
        if self._sort is not None and not isinstance(source, SortablePageSource):
            raise TypeError(f"{type(source).__name__} cannot sort")
        return self.first(sort=self._sort)

    def sort_by(self, column: str, descending: bool | None = None) -> Fetch:
        """Have the source order by `column`; `descending=None` toggles when it is already the sort column."""
        if not isinstance(self._source, SortablePageSource):
            raise TypeError(f"{type(self._source).__name__} cannot sort")
        if descending is None:
            descending = self._sort == (column, False)
        self._sort = (column, descending)
        return self.first(sort=self._sort)

    def _replace(
        self, kind: FetchKind, *, key: Any = None, margin: int = 0, sort: tuple[str, bool] | None = None
    ) -> Fetch:
        self._generation += 1
        self._pending_move = 0
        return self._ask(Fetch(kind, self._source, self._generation, self.fetch_size, key, margin, sort))

    def _extend(self, kind: Literal["after", "before"]) -> Fetch | None:
        inflight = self._inflight
        if inflight is not None and (inflight.replaces or inflight.kind == kind):
            # A replacement will bring its own window; a fetch the same way is already coming.
            return None
        key = self._rows[-1].key if kind == "after" else self._rows[0].key
        return self._ask(Fetch(kind, self._source, self._generation, self.fetch_size, key))

    def _ask(self, fetch: Fetch) -> Fetch:
        self._inflight = fetch
        return fetch

    def prefetch(self) -> Fetch | None:
        """The next page, once the viewport comes within a screen of either end of the window."""
        if not self._rows or self._inflight is not None:
            return None
        height = self._height
        if not self._at_end and len(self._rows) - (self._top + height) < height:
            return self._extend("after")
        if not self._at_start and self._top < height:
            return self._extend("before")
        return None

    # Pages landing ----------------------------------------------------------------------------------

    def land(self, page: Page) -> Fetch | None:
        """Apply `page` unless the window has moved on; finish the move that waited for it."""
        fetch = page.fetch
        if fetch is self._inflight:
            self._inflight = None
        if fetch.generation != self._generation or fetch.source is not self._source:
            return None
        if fetch.replaces:
            self._loaded = True
            self._total = page.total
        if fetch.kind == "first":
            self._set_window(page.rows, top=0, cursor=0, at_start=True, at_end=len(page.rows) < fetch.limit)
            self._base = 0
            self._clamp_view()
        elif fetch.kind == "last":
            count = len(page.rows)
            self._set_window(page.rows, top=count, cursor=count - 1, at_start=count < fetch.limit, at_end=True)
            self._base = None if page.total is None else page.total - count
            self._clamp_view()
        elif fetch.kind == "around":
            self._land_around(page)
        elif fetch.kind == "after":
            self._land_after(page)
        else:
            self._land_before(page)
        if self._pending_move and not fetch.replaces:
            move, self._pending_move = self._pending_move, 0
            return self.move(move, self._pending_page)
        return None

    def fail(self, fetch: Fetch) -> None:
        """`fetch` raised: keep the rows held, and drop the move that waited for it."""
        if fetch is self._inflight:
            self._inflight = None
            self._pending_move = 0

    def _set_window(self, rows: list[Row], *, top: int, cursor: int, at_start: bool, at_end: bool) -> None:
        self._rows = rows
        self._top = top
        self._cursor = max(cursor, 0)
        self._at_start = at_start
        self._at_end = at_end

    def _land_around(self, page: Page) -> None:
        fetch = page.fetch
        old_top_row = self._rows[self._top] if self._rows else None
        old_cursor_row = self.cursor_row
        screen_row = self._cursor - self._top
        old_first_visible = None if self._base is None else self._base + self._top
        ids = {row.id: index for index, row in enumerate(page.rows)}
        top = ids.get(old_top_row.id, page.before) if old_top_row is not None else 0
        fallback = min(page.before + screen_row, len(page.rows) - 1)
        cursor = ids.get(old_cursor_row.id, fallback) if old_cursor_row is not None else 0
        at_start = page.before < fetch.margin
        at_end = len(page.rows) - page.before < fetch.limit
        self._set_window(page.rows, top=top, cursor=cursor, at_start=at_start, at_end=at_end)
        if at_start:
            self._base = 0
        elif old_first_visible is not None:
            self._base = old_first_visible - page.before
        self._clamp_view()

    def _land_after(self, page: Page) -> None:
        if not self._rows or self._rows[-1].key != page.fetch.key:
            return
        self._rows.extend(page.rows)
        self._at_end = len(page.rows) < page.fetch.limit
        # Drop rows from the far end, never ones on screen.
        drop = min(len(self._rows) - self.max_buffered_rows, self._top)
        if drop > 0:
            del self._rows[:drop]
            self._top -= drop
            self._cursor -= drop
            self._at_start = False
            if self._base is not None:
                self._base += drop

    def _land_before(self, page: Page) -> None:
        if not self._rows or self._rows[0].key != page.fetch.key:
            return
        count = len(page.rows)
        self._rows[:0] = page.rows
        self._top += count
        self._cursor += count
        self._at_start = count < page.fetch.limit
        if self._at_start:
            self._base = 0
        elif self._base is not None:
            self._base -= count
        drop = min(len(self._rows) - self.max_buffered_rows, len(self._rows) - self._top - self._height)
        if drop > 0:
            del self._rows[-drop:]
            self._at_end = False

    # Moving -----------------------------------------------------------------------------------------

    def resize(self, height: int) -> None:
        """The viewport now shows `height` rows."""
        self._height = max(height, 1)
        self._clamp_view()

    def move(self, delta: int, page: bool = False) -> Fetch | None:
        """Move the cursor by `delta` rows (with the viewport, for a `page` move).

        What lies beyond the window is travelled when its page lands; the fetch for it is returned.
        """
        if not self._rows:
            return None
        if self._pending_move * delta > 0:
            # Still waiting to travel in this direction: this move comes on top of it.
            delta += self._pending_move
        self._pending_move = 0
        last = len(self._rows) - 1
        target = self._cursor + delta
        fetch = None
        if (target > last and not self._at_end) or (target < 0 and not self._at_start):
            edge = last if target > last else 0
            self._pending_move, self._pending_page = target - edge, page
            fetch = self._extend("after" if target > last else "before")
        target = min(max(target, 0), last)
        if page:
            self._top += target - self._cursor
        self._cursor = target
        self._clamp_view()
        return fetch

    def _clamp_view(self) -> None:
        """Keep the cursor on screen and, at the end of the source, no blank lines below the last row."""
        height = self._height
        if self._cursor < self._top:
            self._top = self._cursor
        elif self._cursor >= self._top + height:
            self._top = self._cursor - height + 1
        if self._at_end:
            self._top = min(self._top, len(self._rows) - height)
        self._top = max(self._top, 0)
