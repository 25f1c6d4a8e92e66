"""The messages of `VirtualTable`, reached as `VirtualTable.RowSelected` and so on.

They carry the `virtual_table` namespace, so handlers are named as for classes nested in the widget
(`on_virtual_table_row_selected`). `PageLoaded` and `PageFailed` are the fetch worker's reports to the table
itself: the worker only reads the source, and the table's handlers change its state.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING

from textual.message import Message

from widgets.page_source import Row
from widgets.table_window import Fetch, Page

if TYPE_CHECKING:
    from widgets.virtual_table import VirtualTable


class _TableMessage(Message, namespace="virtual_table"):
    def __init__(self, table: VirtualTable) -> None:
        super().__init__()
        self.table = table

    @property
    def control(self) -> VirtualTable:
        return self.table


class _RowMessage(_TableMessage, namespace="virtual_table"):
    def __init__(self, table: VirtualTable, row: Row) -> None:
        super().__init__(table)
        self.row = row

    @property
    def row_id(self) -> Hashable:
        return self.row.id


class RowHighlighted(_RowMessage, namespace="virtual_table"):
    """The cursor moved to `row`. Consecutive ones coalesce, so holding `j` does not flood the app."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RowHighlighted) and message.table is self.table


class RowSelected(_RowMessage, namespace="virtual_table"):
    """Enter (or a double click) on `row`."""


class LoadFailed(_TableMessage, namespace="virtual_table"):
    """A source call raised; the table keeps the rows it had. This is how the app hears of it."""

    def __init__(self, table: VirtualTable, error: BaseException) -> None:
        super().__init__(table)
        self.error = error


class PageLoaded(Message, bubble=False, namespace="virtual_table"):
    """A fetch's rows, for the table that asked to land."""

    def __init__(self, page: Page) -> None:
        super().__init__()
        self.page = page

    def can_replace(self, message: Message) -> bool:
        # A newer page that replaces the whole window makes this one moot (landing would ignore it), so a
        # burst of End, Home and searches lands only the last.
        if not isinstance(message, PageLoaded):
            return False
        newer = message.page.fetch
        return newer.replaces and newer.generation > self.page.fetch.generation


class PageFailed(Message, bubble=False, namespace="virtual_table"):
    """A fetch raised `error`."""

    def __init__(self, fetch: Fetch, error: Exception) -> None:
        super().__init__()
        self.fetch = fetch
        self.error = error
