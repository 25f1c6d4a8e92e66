"""What Queues mode and Requests mode share: a queue list with live counts beside a virtual table, laid out for
the terminal's width, polled for other desks' changes; choosing a queue shows it in the table.

A mode says which queues it lists (`queue_names`), how it counts them (`read_counts`, in a worker thread), what
its table shows (`table_source`, `table_columns`, `empty_message`), how it describes the view
(`_describe_view`) and what choosing a queue does (`choose_queue`); it may put lines above the table's view
line (`compose_above_table`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import OptionList, Static

from lifer_desk.i18n import _
from lifer_desk.ui.desk_screen import PolledScreen, desk
from lifer_desk.ui.desk_table import DeskTable
from lifer_desk.ui.queues.queue_list import Queue, QueueList
from lifer_desk.ui.still_footer import StillFooter
from widgets.columns import Column
from widgets.table_messages import LoadFailed
from widgets.virtual_table import PageSource, VirtualTable


class QueueTableScreen(PolledScreen):
    # The table's widget id and class, the width below which the queue list narrows and the footer compacts,
    # and how often the mode polls for changes.
    TABLE_ID: ClassVar[str]
    TABLE_CLASS: ClassVar[type[VirtualTable]] = DeskTable
    WIDE_LAYOUT_MIN: ClassVar[int]
    POLL_EVERY: ClassVar[float]

    class CountsLoaded(Message):
        def __init__(self, counts: dict[Any, int]) -> None:
            super().__init__()
            self.counts = counts

    # -- what a mode says -----------------------------------------------------------------------------------

    def queue_names(self) -> Sequence[Queue]:
        raise NotImplementedError

    def read_counts(self) -> dict[Any, int]:
        """Every queue's count, read in the counts worker's thread."""
        raise NotImplementedError

    def table_source(self) -> PageSource:
        raise NotImplementedError

    def empty_message(self) -> str:
        raise NotImplementedError

    def _describe_view(self) -> None:
        """Say in the view line what the table shows."""
        raise NotImplementedError

    def table_columns(self, width: int) -> tuple[Column, ...]:
        """The columns that fit the table's `width` cells."""
        raise NotImplementedError

    def choose_queue(self, queue_id: str) -> None:
        """The agent moved to the queue whose option id is `queue_id` in the list."""
        raise NotImplementedError

    def compose_above_table(self) -> Iterable[Widget]:
        return ()

    # -- shared ---------------------------------------------------------------------------------------------

    @property
    def table(self) -> VirtualTable:
        return self.query_one(f"#{self.TABLE_ID}", VirtualTable)

    def compose(self) -> ComposeResult:
        # Laid out for the terminal's width from the start, so an 80-cell terminal never sees the wide set.
        width = self.app.size.width
        narrow = width < self.WIDE_LAYOUT_MIN
        with Horizontal():
            yield QueueList(tuple(self.queue_names()), narrow=narrow, id="queues")
            with Vertical(id="table-pane"):
                yield from self.compose_above_table()
                yield Static("", id="view-line", markup=False)
                yield self.TABLE_CLASS(
                    self.table_source(),
                    self.table_columns(width - QueueList.width_for(narrow)),
                    id=self.TABLE_ID,
                    empty_message=self.empty_message(),
                    loading_message=_("Loading…"),
                )
        yield StillFooter(compact=narrow)

    def on_mount(self) -> None:
        self._describe_view()
        self.table.focus()
        self.start_polling(self.POLL_EVERY)

    def on_resize(self, event: events.Resize) -> None:
        self.lay_out(event.size.width)

    def lay_out(self, width: int) -> None:
        narrow = width < self.WIDE_LAYOUT_MIN
        queue_list = self.query_one(QueueList)
        queue_list.set_narrow(narrow)
        # With the list hidden (where a mode can hide it) the table has its room too.
        self.table.set_columns(self.table_columns(width - (QueueList.width_for(narrow) if queue_list.display else 0)))
        self.query_one(StillFooter).compact = narrow

    def show_changes(self, marker: object, before: object) -> None:
        self.table.reload()
        self.reload_counts()

    @work(thread=True, exclusive=True, exit_on_error=False, group="counts")
    def reload_counts(self) -> None:
        """Count every queue again and post the counts."""
        self.post_message(self.CountsLoaded(self.read_counts()))

    def show_counts(self, counts: dict[Any, int]) -> None:
        self.query_one(QueueList).show_counts(counts)

    @on(CountsLoaded)
    def _show_counts(self, message: CountsLoaded) -> None:
        self.show_counts(message.counts)
        shown = self.query_one(QueueList).highlighted_option
        if shown is not None and not any(count for queue, count in message.counts.items() if queue.value == shown.id):
            # The queue on screen is empty, so no rows will come: the screen as it is now is the first paint.
            desk(self).release_frames()

    @on(VirtualTable.RowHighlighted)
    def _rows_shown(self) -> None:
        # The table has its first page (the app draws the first screen once it has, not before).
        desk(self).release_frames()

    @on(OptionList.OptionHighlighted, "#queues")
    def _queue_chosen(self, event: OptionList.OptionHighlighted) -> None:
        assert event.option.id is not None  # the queue list makes every option with its queue as id
        self.choose_queue(event.option.id)

    @on(OptionList.OptionSelected, "#queues")
    def _queue_opened(self) -> None:
        self.table.focus()

    @on(VirtualTable.LoadFailed)
    def _load_failed(self, event: LoadFailed) -> None:
        desk(self).release_frames()
        desk(self).show_error(event.error)
