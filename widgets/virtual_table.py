"""`VirtualTable`: a keyboard-driven table that is a window onto a keyset-paginated `PageSource`.

It holds a few screens of rows, whatever the source's size: a page is fetched by key when the cursor nears
either edge of the window, and rows far from the cursor are dropped. Home and End ask the source for its
first or last page directly, so nothing is scanned. Source calls run in a thread worker, one at a time.

It draws with the line API, and repaints only the lines whose content changed: a cursor move redraws two
rows and the position indicator, an unchanged `reload()` redraws nothing, and no timer runs while idle
(the desk is used over SSH, where every repaint is bytes on the wire).

Layout, top to bottom: one header line, the rows, one status line (position, or the source's size).
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events, work
from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget
from textual.worker import Worker, WorkerState

from widgets.columns import Column, compute_widths, fit_cell, needed_width
from widgets.page_source import PageSource, Row, SortablePageSource
from widgets.plain_text import plain_line

_WORKER_GROUP = "virtual-table-fetch"
# Lines that are not rows: the header above them, the status line below.
_CHROME = 2
# Fetch at least this many rows at once, so a short viewport does not mean many tiny queries.
_MIN_CHUNK = 40
_GAP = 1

FetchKind = Literal["first", "last", "after", "before", "around"]


@dataclass(frozen=True, eq=False)
class _Fetch:
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
        return self.kind in ("first", "last", "around")


@dataclass(frozen=True)
class _Page:
    fetch: _Fetch
    rows: list[Row]
    before: int
    total: int | None


class VirtualTable(Widget, can_focus=True):
    """A table over a `PageSource`; see the module docstring."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False, id="virtual_table.cursor_up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="virtual_table.cursor_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="virtual_table.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="virtual_table.page_down"),
        Binding("home", "first", "First", show=False, id="virtual_table.first"),
        Binding("end", "last", "Last", show=False, id="virtual_table.last"),
        Binding("enter", "select", "Open", id="virtual_table.select"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "virtual-table--header",
        "virtual-table--cursor",
        "virtual-table--status",
        "virtual-table--message",
    }

    DEFAULT_CSS = """
    VirtualTable {
        height: 1fr;
        background: $surface;
        color: $foreground;
        & > .virtual-table--header { text-style: bold; background: $panel; color: $foreground; }
        & > .virtual-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .virtual-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .virtual-table--status { color: $text-muted; }
        & > .virtual-table--message { color: $text-muted; text-style: italic; }
    }
    """

    class _RowMessage(Message):
        def __init__(self, table: VirtualTable, row: Row) -> None:
            super().__init__()
            self.table = table
            self.row = row

        @property
        def control(self) -> VirtualTable:
            return self.table

        @property
        def row_id(self) -> Hashable:
            return self.row.id

    class RowHighlighted(_RowMessage):
        """The cursor moved to `row`. Consecutive ones coalesce, so holding `j` does not flood the app."""

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, VirtualTable.RowHighlighted) and message.table is self.table

    class RowSelected(_RowMessage):
        """Enter (or a double click) on `row`."""

    class LoadFailed(Message):
        """A source call raised; the table keeps the rows it had. Worker state changes do not bubble,
        so this is how the app hears of it."""

        def __init__(self, table: VirtualTable, error: BaseException) -> None:
            super().__init__()
            self.table = table
            self.error = error

        @property
        def control(self) -> VirtualTable:
            return self.table

    def __init__(
        self,
        source: PageSource,
        columns: Sequence[Column],
        *,
        empty_message: str = "No rows",
        loading_message: str = "Loading…",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._source = source
        self._columns = tuple(columns)
        self._empty_message = empty_message
        self._loading_message = loading_message
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
        self._inflight: _Fetch | None = None
        # Rows a move still has to travel once the page it is waiting for arrives.
        self._pending_move = 0
        self._pending_page = False
        self._highlighted: Row | None = None
        self._source_lock = threading.Lock()

    # Public state -----------------------------------------------------------------------------------

    @property
    def source(self) -> PageSource:
        return self._source

    @property
    def columns(self) -> tuple[Column, ...]:
        return self._columns

    @property
    def buffered_rows(self) -> tuple[Row, ...]:
        """The rows held in memory now: the window around the viewport."""
        return tuple(self._rows)

    @property
    def visible_rows(self) -> tuple[Row, ...]:
        return tuple(self._rows[self._top : self._top + self.page_height])

    @property
    def cursor_row(self) -> Row | None:
        return self._rows[self._cursor] if self._rows else None

    @property
    def cursor_position(self) -> int | None:
        """The cursor's 0-based position in the whole source, when the table knows it."""
        return None if self._base is None or not self._rows else self._base + self._cursor

    @property
    def sort(self) -> tuple[str, bool] | None:
        """(column key, descending) of the current order, if `sort_by` set one."""
        return self._sort

    @property
    def is_loading(self) -> bool:
        return self._inflight is not None

    @staticmethod
    def width_for(columns: Sequence[Column]) -> int:
        """The narrowest table that shows every one of `columns` whole."""
        return needed_width(columns, _GAP) + 2 * _GAP

    @property
    def page_height(self) -> int:
        return max(self.size.height - _CHROME, 1)

    @property
    def fetch_size(self) -> int:
        return max(2 * self.page_height, _MIN_CHUNK)

    @property
    def max_buffered_rows(self) -> int:
        """The most rows the table ever holds: three fetches' worth, about six screens."""
        return 3 * self.fetch_size

    # Public operations ------------------------------------------------------------------------------

    def reload(self) -> None:
        """Re-read the rows around the viewport, keeping the cursor on the same row id if it is still there.

        Lines that did not change are not repainted, so polling for other agents' changes costs nothing
        on the terminal when there are none.
        """
        if not self._rows:
            self._replace("first")
        else:
            self._replace("around", key=self._rows[self._top].key, margin=self.page_height)

    def set_source(self, source: PageSource, *, keep_sort: bool = False, sort: tuple[str, bool] | None = None) -> None:
        """Show `source` from its first row (a new filter or search is a new source).

        With `keep_sort`, the new source is asked for the current order before its first page is read,
        so a new search keeps the agent's sort at the cost of one query, not two; `sort` (column key,
        descending) asks for that order instead, in the same single query.
        """
        self._source = source
        if sort is not None:
            self._sort = sort
        elif not keep_sort:
            self._sort = None
        if self._sort is not None and not isinstance(source, SortablePageSource):
            raise TypeError(f"{type(source).__name__} cannot sort")
        self._replace("first", sort=self._sort)

    def set_columns(self, columns: Sequence[Column]) -> None:
        """Show `columns` instead, over the rows already held: a narrower set for a narrow terminal."""
        columns = tuple(columns)
        if columns != self._columns:
            self._columns = columns
            self.refresh()

    def sort_by(self, column: str, descending: bool | None = None) -> None:
        """Have the source order by `column`; `descending=None` toggles when it is already the sort column."""
        if not isinstance(self._source, SortablePageSource):
            raise TypeError(f"{type(self._source).__name__} cannot sort")
        if descending is None:
            descending = self._sort is not None and self._sort == (column, False)
        self._sort = (column, descending)
        self._replace("first", sort=self._sort)

    # Actions ----------------------------------------------------------------------------------------

    def action_cursor_up(self) -> None:
        self._move(-1)

    def action_cursor_down(self) -> None:
        self._move(1)

    def action_page_up(self) -> None:
        self._move(-self.page_height, page=True)

    def action_page_down(self) -> None:
        self._move(self.page_height, page=True)

    def action_first(self) -> None:
        self._replace("first")

    def action_last(self) -> None:
        self._replace("last")

    def action_select(self) -> None:
        if (row := self.cursor_row) is not None:
            self.post_message(self.RowSelected(self, row))

    # Events -----------------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self._replace("first")

    def on_resize(self) -> None:
        with self._changing():
            self._clamp_view()

    def on_focus(self) -> None:
        self._refresh_cursor_line()

    def on_blur(self) -> None:
        self._refresh_cursor_line()

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            column = self._column_at(event.x)
            if column is not None and column.sortable and isinstance(self._source, SortablePageSource):
                self.sort_by(column.key)
            return
        index = self._top + event.y - 1
        if 1 <= event.y <= self.page_height and index < len(self._rows):
            self._move(index - self._cursor)
            if event.chain == 2:
                self.action_select()

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self._move(1)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self._move(-1)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != _WORKER_GROUP:
            return
        if event.state == WorkerState.ERROR:
            self._inflight = None
            self._pending_move = 0
            assert worker.error is not None
            self.post_message(self.LoadFailed(self, worker.error))
        elif event.state == WorkerState.SUCCESS:
            page = worker.result
            assert isinstance(page, _Page)
            if page.fetch is self._inflight:
                self._inflight = None
            with self._changing():
                self._apply(page)

    # Fetching ---------------------------------------------------------------------------------------

    def _replace(
        self, kind: FetchKind, *, key: Any = None, margin: int = 0, sort: tuple[str, bool] | None = None
    ) -> None:
        self._generation += 1
        self._pending_move = 0
        self._start(_Fetch(kind, self._source, self._generation, self.fetch_size, key, margin, sort))

    def _extend(self, kind: Literal["after", "before"]) -> None:
        inflight = self._inflight
        if inflight is not None and (inflight.replaces or inflight.kind == kind):
            # A replacement will bring its own window; a fetch the same way is already coming.
            return
        key = self._rows[-1].key if kind == "after" else self._rows[0].key
        self._start(_Fetch(kind, self._source, self._generation, self.fetch_size, key))

    def _start(self, fetch: _Fetch) -> None:
        self._inflight = fetch
        self._fetch(fetch)

    @work(thread=True, exclusive=True, group=_WORKER_GROUP, exit_on_error=False)
    def _fetch(self, fetch: _Fetch) -> _Page:
        source = fetch.source
        with self._source_lock:
            if fetch.sort is not None:
                assert isinstance(source, SortablePageSource)
                source.set_sort(*fetch.sort)
            before: list[Row] = []
            if fetch.kind == "first":
                rows = list(source.first_page(fetch.limit))
            elif fetch.kind == "last":
                rows = list(source.last_page(fetch.limit))
            elif fetch.kind == "after":
                rows = list(source.page_after(fetch.key, fetch.limit))
            elif fetch.kind == "before":
                rows = list(source.page_before(fetch.key, fetch.limit))
            else:
                # Around the first visible row: a screen above it, then a fetch from there on.
                before = list(source.page_before(fetch.key, fetch.margin))
                after = source.page_after(before[-1].key, fetch.limit) if before else source.first_page(fetch.limit)
                rows = before + list(after)
            total = source.estimate_count() if fetch.replaces else None
        return _Page(fetch, rows, len(before), total)

    def _apply(self, page: _Page) -> None:
        fetch = page.fetch
        if fetch.generation != self._generation or fetch.source is not self._source:
            return
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
            self._apply_around(page)
        elif fetch.kind == "after":
            self._apply_after(page)
        else:
            self._apply_before(page)
        if self._pending_move and not fetch.replaces:
            move, self._pending_move = self._pending_move, 0
            self._move_within(move, self._pending_page)

    def _set_window(self, rows: list[Row], *, top: int, cursor: int, at_start: bool, at_end: bool) -> None:
        self._rows = rows
        self._top = top
        self._cursor = max(cursor, 0)
        self._at_start = at_start
        self._at_end = at_end

    def _apply_around(self, page: _Page) -> None:
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

    def _apply_after(self, page: _Page) -> None:
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

    def _apply_before(self, page: _Page) -> None:
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
        drop = min(len(self._rows) - self.max_buffered_rows, len(self._rows) - self._top - self.page_height)
        if drop > 0:
            del self._rows[-drop:]
            self._at_end = False

    # Moving -----------------------------------------------------------------------------------------

    def _move(self, delta: int, page: bool = False) -> None:
        with self._changing():
            self._move_within(delta, page)

    def _move_within(self, delta: int, page: bool) -> None:
        """Move by `delta` rows; what lies beyond the window is travelled when its page arrives."""
        if not self._rows:
            return
        if self._pending_move * delta > 0:
            # Still waiting to travel in this direction: this move comes on top of it.
            delta += self._pending_move
        self._pending_move = 0
        last = len(self._rows) - 1
        target = self._cursor + delta
        if (target > last and not self._at_end) or (target < 0 and not self._at_start):
            edge = last if target > last else 0
            self._pending_move, self._pending_page = target - edge, page
            self._extend("after" if target > last else "before")
        target = min(max(target, 0), last)
        if page:
            self._top += target - self._cursor
        self._cursor = target
        self._clamp_view()

    def _clamp_view(self) -> None:
        """Keep the cursor on screen and, at the end of the source, no blank lines below the last row."""
        height = self.page_height
        if self._cursor < self._top:
            self._top = self._cursor
        elif self._cursor >= self._top + height:
            self._top = self._cursor - height + 1
        if self._at_end:
            self._top = min(self._top, len(self._rows) - height)
        self._top = max(self._top, 0)

    def _prefetch(self) -> None:
        """Ask for the next page once the viewport comes within a screen of either end of the window."""
        if not self._rows or self._inflight is not None:
            return
        height = self.page_height
        if not self._at_end and len(self._rows) - (self._top + height) < height:
            self._extend("after")
        elif not self._at_start and self._top < height:
            self._extend("before")

    # Painting ---------------------------------------------------------------------------------------

    @contextmanager
    def _changing(self) -> Iterator[None]:
        """Repaint only the lines a change altered; then prefetch and report a new cursor row."""
        before = self._screen()
        yield
        after = self._screen()
        width = self.size.width
        changed = [Region(0, y, width, 1) for y, line in enumerate(after) if y >= len(before) or before[y] != line]
        if changed:
            self.refresh(*changed)
        self._prefetch()
        row = self.cursor_row
        if row is not None and row != self._highlighted:
            self._highlighted = row
            self.post_message(self.RowHighlighted(self, row))

    def _screen(self) -> list[object]:
        """What each line shows, as comparable values: equal values mean an identical line."""
        height = self.page_height
        lines: list[object] = [("header", self._sort)]
        if not self._rows:
            message = self._empty_message if self._loaded else self._loading_message
            lines.append(("message", message))
            lines.extend([None] * (height - 1))
        else:
            for index in range(self._top, self._top + height):
                lines.append((self._rows[index], index == self._cursor) if index < len(self._rows) else None)
        lines.append(("status", self._status_text()))
        return lines

    def _refresh_cursor_line(self) -> None:
        if self._rows:
            self.refresh(Region(0, 1 + self._cursor - self._top, self.size.width, 1))

    def _status_text(self) -> str:
        return self.format_position(self.cursor_position, self._total) if self._rows else ""

    def format_position(self, position: int | None, total: int | None) -> str:
        """The status line's text; override to translate. `position` is 0-based."""
        if position is None:
            return "" if total is None else f"{total:,} rows"
        return f"{position + 1:,}" if total is None else f"{position + 1:,} / {total:,}"

    def _column_widths(self) -> list[int]:
        return compute_widths(self._columns, self.size.width - 2 * _GAP, _GAP)

    def _column_at(self, x: int) -> Column | None:
        start = _GAP
        for column, width in zip(self._columns, self._column_widths(), strict=True):
            if start <= x < start + width:
                return column
            start += width + _GAP
        return None

    def _line_text(self, texts: Sequence[Text]) -> Text:
        """One text per column, fitted to the column widths."""
        line = Text(" " * _GAP, end="", no_wrap=True)
        for index, (column, width, text) in enumerate(zip(self._columns, self._column_widths(), texts, strict=True)):
            if index:
                line.append(" " * _GAP)
            line.append_text(fit_cell(text, width, column.justify))
        return line

    def _row_text(self, row: Row) -> Text:
        cells = row.cells
        texts = []
        for position, column in enumerate(self._columns):
            index = position if column.cell is None else column.cell
            # A row with fewer cells than its columns ask for leaves those blank.
            texts.append(cells[index] if index < len(cells) else Text())
        return self._line_text(texts)

    def _header_text(self) -> Text:
        labels = []
        for column in self._columns:
            label = plain_line(column.label)
            if self._sort is not None and self._sort[0] == column.key:
                label.append(" ▼" if self._sort[1] else " ▲")
            labels.append(label)
        return self._line_text(labels)

    def _strip(self, text: Text, style: Style) -> Strip:
        segments = Segment.apply_style(text.render(self.app.console), style)
        return Strip(segments).adjust_cell_length(self.size.width, style)

    def render_line(self, y: int) -> Strip:
        base = self.rich_style
        if y == 0:
            return self._strip(self._header_text(), base + self.get_component_rich_style("virtual-table--header"))
        if y == self.page_height + 1:
            status = Text(self._status_text(), justify="right", end="")
            status.align("right", max(self.size.width - _GAP, 0))
            return self._strip(status, base + self.get_component_rich_style("virtual-table--status"))
        if not self._rows:
            if y != 1:
                return Strip.blank(self.size.width, base)
            message = self._empty_message if self._loaded else self._loading_message
            text = Text(" " * _GAP + message, end="")
            return self._strip(text, base + self.get_component_rich_style("virtual-table--message"))
        index = self._top + y - 1
        if index >= len(self._rows):
            return Strip.blank(self.size.width, base)
        style = base
        if index == self._cursor:
            style = base + self.get_component_rich_style("virtual-table--cursor")
        return self._strip(self._row_text(self._rows[index]), style)
