"""The feedback table's rows: `widgets.VirtualTable`'s page-source protocol over `services.feedback.page`."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from rich.text import Text

from lifer_desk.domain.feedback import FeedbackFilter
from lifer_desk.i18n import _
from lifer_desk.services import feedback
from lifer_desk.services.context import DeskContext
from lifer_desk.services.feedback import FeedbackRow
from lifer_desk.ui.text.cells import customer_line, day_or_time
from widgets.columns import Column
from widgets.page_source import Row

SELECTED_MARK = "●"


def feedback_columns() -> tuple[Column, ...]:
    return (
        Column("selected", "", width=1),
        Column("id", "#", width=6, justify="right"),
        Column("when", _("When"), width=5),
        Column("channel", _("Ch"), width=3),
        Column("account", _("Account"), width=9),
        Column("text", _("Feedback"), min_width=12),
        Column("tags", _("Tags"), width=8),
    )


@dataclass
class Picked:
    """What the agent selected: items one by one with space, or every item matching the view."""

    ids: set[int] = field(default_factory=set)
    all_matching: bool = False

    @property
    def empty(self) -> bool:
        return not self.ids and not self.all_matching


class FeedbackSource:
    """Pages of one feedback view, newest first; called from the table's worker thread."""

    def __init__(
        self, ctx: DeskContext, view: FeedbackFilter, picked: Picked, first_read: Callable[[], object] | None = None
    ) -> None:
        self._ctx = ctx
        self.view = view
        self._picked = picked
        # Told once, when the table's first read has ended (rows or not), from the table's thread.
        self._first_read = first_read

    def _rows(self, rows: Collection[FeedbackRow]) -> list[Row]:
        now = self._ctx.clock()
        zone = self._ctx.settings.timezone
        picked = self._picked
        return [
            Row(
                item.id,
                item.id,
                (
                    Text(SELECTED_MARK if picked.all_matching or item.id in picked.ids else ""),
                    Text(str(item.id)),
                    Text(day_or_time(item.submitted_at, now, zone)),
                    Text(item.channel),
                    Text(item.account_masked),
                    # Customer text, made inert and kept plain: never markup (DESIGN 4).
                    customer_line(item.text),
                    customer_line(",".join(item.tags)),
                ),
            )
            for item in rows
        ]

    def first_page(self, limit: int) -> list[Row]:
        try:
            return self._rows(feedback.page(self._ctx, self.view, limit=limit))
        finally:
            told, self._first_read = self._first_read, None
            if told is not None:
                told()

    def last_page(self, limit: int) -> list[Row]:
        return self._rows(feedback.page(self._ctx, self.view, limit=limit, last=True))

    def page_after(self, key: int, limit: int) -> list[Row]:
        return self._rows(feedback.page(self._ctx, self.view, limit=limit, after=key))

    def page_before(self, key: int, limit: int) -> list[Row]:
        return self._rows(feedback.page(self._ctx, self.view, limit=limit, before=key))

    def estimate_count(self) -> int | None:
        # The mailbox list shows capped counts; counting a searched million-item view is not free.
        return None
