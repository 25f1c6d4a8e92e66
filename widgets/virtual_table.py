"""`VirtualTable`: a keyboard-driven table that is a window onto a keyset-paginated `PageSource`.

It holds a few screens of rows, whatever the source's size: a page is fetched by key when the cursor nears
either edge of the window, and rows far from the cursor are dropped. Home and End ask the source for its
first or last page directly, so nothing is scanned. Source calls run in a thread worker, one at a time.
Which rows are held, where the cursor is and what to fetch next is `widgets.table_window.TableWindow`'s
business; this class paints the window and turns keys, clicks and landed pages into its operations.

It draws with the line API, and repaints only the lines whose content changed: a cursor move redraws two
rows and the position indicator, an unchanged `reload()` redraws nothing, and no timer runs while idle
(the desk is used over SSH, where every repaint is bytes on the wire).

Layout, top to bottom: one header line, the rows, one status line (position, or the source's size).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events, on, work
from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from widgets import table_messages as messages
from widgets.columns import Column, cells_shown, column_at, compute_widths, fit_line, needed_width
from widgets.page_source import PageSource, Row, SortablePageSource
from widgets.plain_text import plain_line
from widgets.table_window import Fetch, TableWindow

# Lines that are not rows: the header above them, the status line below.
_CHROME = 2
_GAP = 1


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

    RowHighlighted = messages.RowHighlighted
    RowSelected = messages.RowSelected
    LoadFailed = messages.LoadFailed

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
        self._window = TableWindow(source)
        self._columns = tuple(columns)
        self._empty_message = empty_message
        self._loading_message = loading_message
        self._highlighted: Row | None = None
        # Serialises source calls, which the protocol promises: each fetch runs in a thread of its own.
        self._source_lock = threading.Lock()

    # Public state -----------------------------------------------------------------------------------

    @property
    def source(self) -> PageSource:
        return self._window.source

    @property
    def columns(self) -> tuple[Column, ...]:
        return self._columns

    @property
    def buffered_rows(self) -> tuple[Row, ...]:
        """The rows held in memory now: the window around the viewport."""
        return self._window.rows

    @property
    def visible_rows(self) -> tuple[Row, ...]:
        return self._window.visible_rows

    @property
    def cursor_row(self) -> Row | None:
        return self._window.cursor_row

    @property
    def cursor_position(self) -> int | None:
        """The cursor's 0-based position in the whole source, when the table knows it."""
        return self._window.cursor_position

    @property
    def sort(self) -> tuple[str, bool] | None:
        """(column key, descending) of the current order, if `sort_by` set one."""
        return self._window.sort

    @property
    def is_loading(self) -> bool:
        return self._window.inflight is not None

    @staticmethod
    def width_for(columns: Sequence[Column]) -> int:
        """The narrowest table that shows every one of `columns` whole."""
        return needed_width(columns, _GAP) + 2 * _GAP

    @property
    def page_height(self) -> int:
        return max(self.size.height - _CHROME, 1)

    @property
    def fetch_size(self) -> int:
        return self._window.fetch_size

    @property
    def max_buffered_rows(self) -> int:
        """The most rows the table ever holds: three fetches' worth, about six screens."""
        return self._window.max_buffered_rows

    # Public operations ------------------------------------------------------------------------------

    def reload(self) -> None:
        """Re-read the rows around the viewport, keeping the cursor on the same row id if it is still there.

        Lines that did not change are not repainted, so polling for other agents' changes costs nothing
        on the terminal when there are none.
        """
        self._start(self._window.reload())

    def set_source(self, source: PageSource, *, keep_sort: bool = False, sort: tuple[str, bool] | None = None) -> None:
        """Show `source` from its first row (a new filter or search is a new source).

        With `keep_sort`, the new source is asked for the current order before its first page is read,
        so a new search keeps the agent's sort at the cost of one query, not two; `sort` (column key,
        descending) asks for that order instead, in the same single query.
        """
        # Under `_changing`, like every change of order: the header's arrow is repainted with it.
        with self._changing():
            self._start(self._window.set_source(source, keep_sort=keep_sort, sort=sort))

    def set_columns(self, columns: Sequence[Column]) -> None:
        """Show `columns` instead, over the rows already held: a narrower set for a narrow terminal."""
        columns = tuple(columns)
        if columns != self._columns:
            self._columns = columns
            self.refresh()

    def sort_by(self, column: str, descending: bool | None = None) -> None:
        """Have the source order by `column`; `descending=None` toggles when it is already the sort column."""
        with self._changing():
            self._start(self._window.sort_by(column, descending))

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
        self._start(self._window.first())

    def action_last(self) -> None:
        self._start(self._window.last())

    def action_select(self) -> None:
        if (row := self.cursor_row) is not None:
            self.post_message(self.RowSelected(self, row))

    # Events -----------------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self._window.resize(self.page_height)
        self._start(self._window.first())

    def on_resize(self) -> None:
        with self._changing():
            self._window.resize(self.page_height)

    def on_focus(self) -> None:
        self._refresh_cursor_line()

    def on_blur(self) -> None:
        self._refresh_cursor_line()

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            column = column_at(self._columns, self._column_widths(), event.x, _GAP)
            if column is not None and column.sortable and isinstance(self.source, SortablePageSource):
                self.sort_by(column.key)
            return
        window = self._window
        index = window.top + event.y - 1
        if 1 <= event.y <= self.page_height and window.row(index) is not None:
            self._move(index - window.cursor)
            if event.chain == 2:
                self.action_select()

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self._move(1)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self._move(-1)

    @on(messages.PageLoaded)
    def _land(self, message: messages.PageLoaded) -> None:
        with self._changing():
            self._start(self._window.land(message.page))

    @on(messages.PageFailed)
    def _fail(self, message: messages.PageFailed) -> None:
        self._window.fail(message.fetch)
        self.post_message(self.LoadFailed(self, message.error))

    # Fetching ---------------------------------------------------------------------------------------

    def _start(self, fetch: Fetch | None) -> None:
        if fetch is not None:
            self._fetch(fetch)

    @work(thread=True)
    def _fetch(self, fetch: Fetch) -> None:
        """Read `fetch`'s rows and post them (or the error) to the table; nothing else.

        Not exclusive: cancelling a worker cannot stop its thread, and a worker whose page was just landed
        would be reported cancelled. A page the window no longer wants is ignored when it lands, or dropped
        unhandled when a newer replacing page is queued behind it (`PageLoaded.can_replace`).
        """
        message: Message
        with self._source_lock:
            try:
                message = messages.PageLoaded(fetch.read())
            except Exception as error:  # whatever the source raises is the app's to report, via LoadFailed
                message = messages.PageFailed(fetch, error)
            # Posted under the lock, so pages land in the order they were read.
            self.post_message(message)

    def _move(self, delta: int, page: bool = False) -> None:
        with self._changing():
            self._start(self._window.move(delta, page))

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
        self._start(self._window.prefetch())
        row = self.cursor_row
        if row is not None and row != self._highlighted:
            self._highlighted = row
            self.post_message(self.RowHighlighted(self, row))

    def _screen(self) -> list[object]:
        """What each line shows, as comparable values: equal values mean an identical line."""
        height = self.page_height
        window = self._window
        lines: list[object] = [("header", window.sort)]
        if window.cursor_row is None:
            lines.append(("message", self._message()))
            lines.extend([None] * (height - 1))
        else:
            for index in range(window.top, window.top + height):
                row = window.row(index)
                lines.append(None if row is None else (row, index == window.cursor))
        lines.append(("status", self._status_text()))
        return lines

    def _refresh_cursor_line(self) -> None:
        if self._window.cursor_row is not None:
            self.refresh(Region(0, 1 + self._window.cursor - self._window.top, self.size.width, 1))

    def _status_text(self) -> str:
        window = self._window
        return "" if window.cursor_row is None else self.format_position(window.cursor_position, window.total)

    def _message(self) -> str:
        """What the first row line says while there are no rows."""
        return self._empty_message if self._window.loaded else self._loading_message

    def format_position(self, position: int | None, total: int | None) -> str:
        """The status line's text; override to translate. `position` is 0-based."""
        if position is None:
            return "" if total is None else f"{total:,} rows"
        return f"{position + 1:,}" if total is None else f"{position + 1:,} / {total:,}"

    def _column_widths(self) -> list[int]:
        return compute_widths(self._columns, self.size.width - 2 * _GAP, _GAP)

    def _line_text(self, texts: Sequence[Text]) -> Text:
        return fit_line(self._columns, self._column_widths(), texts, _GAP)

    def _header_text(self) -> Text:
        labels = []
        sort = self._window.sort
        for column in self._columns:
            label = plain_line(column.label)
            if sort is not None and sort[0] == column.key:
                label.append(" ▼" if sort[1] else " ▲")
            labels.append(label)
        return self._line_text(labels)

    def _strip(self, text: Text, style: Style, over: Style | None = None) -> Strip:
        segments = Segment.apply_style(text.render(self.app.console), style, over)
        return Strip(segments).adjust_cell_length(self.size.width, style)

    def render_line(self, y: int) -> Strip:
        base = self.rich_style
        if y == 0:
            return self._strip(self._header_text(), base + self.get_component_rich_style("virtual-table--header"))
        if y == self.page_height + 1:
            status = Text(self._status_text(), justify="right", end="")
            status.align("right", max(self.size.width - _GAP, 0))
            return self._strip(status, base + self.get_component_rich_style("virtual-table--status"))
        window = self._window
        if window.cursor_row is None:
            if y != 1:
                return Strip.blank(self.size.width, base)
            text = Text(" " * _GAP + self._message(), end="")
            return self._strip(text, base + self.get_component_rich_style("virtual-table--message"))
        index = window.top + y - 1
        row = window.row(index)
        if row is None:
            return Strip.blank(self.size.width, base)
        line = self._line_text(cells_shown(self._columns, row.cells))
        if index != window.cursor:
            return self._strip(line, base)
        cursor = self.get_component_rich_style("virtual-table--cursor")
        # The cursor's colours win over a cell's own (a red countdown on the cursor's blue is unreadable); the
        # cell keeps its bold or underline, so what it means still shows.
        return self._strip(line, base + cursor, Style(color=cursor.color, bgcolor=cursor.bgcolor))
