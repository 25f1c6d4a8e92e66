"""The audit table's rows: `widgets.VirtualTable`'s page-source protocol over `services.audit_review.page`."""

from __future__ import annotations

from rich.text import Text

from lifer_desk.domain.audit_filter import AuditFilter
from lifer_desk.i18n import _, format_day_time
from lifer_desk.services import audit_review
from lifer_desk.services.audit_review import AuditEntry
from lifer_desk.services.context import DeskContext
from lifer_desk.ui.text.cells import customer_line, day_time_cells
from widgets.columns import Column
from widgets.page_source import Row


def audit_columns() -> tuple[Column, ...]:
    """Seq, time, actor, action, entity and summary: the summary takes what 80 cells leave."""
    return (
        Column("seq", "#", width=7, justify="right"),
        Column("ts", _("Time"), width=day_time_cells()),
        Column("actor", _("Actor"), width=8),
        Column("action", _("Action"), width=20),
        Column("entity", _("Entity"), width=14),
        Column("summary", _("Summary"), min_width=10),
    )


class AuditSource:
    """Events newest first under one filter, keyed by seq; `start_at` shows the trail from that seq down."""

    def __init__(self, ctx: DeskContext, chosen: AuditFilter, start_at: int | None = None) -> None:
        self._ctx = ctx
        self.chosen = chosen
        self.start_at = start_at

    def _rows(self, entries: list[AuditEntry]) -> list[Row]:
        zone = self._ctx.settings.timezone
        return [
            Row(
                entry.seq,
                entry.seq,
                (
                    Text(str(entry.seq)),
                    Text(format_day_time(entry.ts, zone)),
                    Text(entry.actor),
                    Text(entry.action),
                    Text(f"{entry.entity_type}:{entry.entity_id}"),
                    # Details can quote what a customer or the admin API wrote (a reject reason): plain, one line.
                    customer_line(entry.summary),
                ),
            )
            for entry in entries
        ]

    def first_page(self, limit: int) -> list[Row]:
        older_than = None if self.start_at is None else self.start_at + 1
        return self._rows(audit_review.page(self._ctx, self.chosen, limit=limit, older_than=older_than))

    def last_page(self, limit: int) -> list[Row]:
        return self._rows(audit_review.page(self._ctx, self.chosen, limit=limit, oldest=True))

    def page_after(self, key: int, limit: int) -> list[Row]:
        return self._rows(audit_review.page(self._ctx, self.chosen, limit=limit, older_than=key))

    def page_before(self, key: int, limit: int) -> list[Row]:
        return self._rows(audit_review.page(self._ctx, self.chosen, limit=limit, newer_than=key))

    def estimate_count(self) -> int | None:
        # Counting a filtered ten-million-event trail is not free; the status line shows the chain's size.
        return None
