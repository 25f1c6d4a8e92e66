"""The desk's virtual table: `widgets.VirtualTable` with its status line in the agent's language."""

from __future__ import annotations

from lifer_desk.i18n import _
from widgets.virtual_table import VirtualTable


class DeskTable(VirtualTable):
    """Its status line says where the cursor is: "row 12 of 345", or "row 12" in a view the source does not
    count (the audit trail: counting ten million filtered events is not free)."""

    def format_total(self, total: int | None) -> str | None:
        """The view's size as the status line shows it; None when it is not known."""
        return None if total is None else f"{total:,}"

    def format_position(self, position: int | None, total: int | None) -> str:
        shown = self.format_total(total)
        if position is None:
            # After End in a view too big to count: the rows are the last ones, their number unknown.
            return "" if shown is None else _("last rows of {total}").format(total=shown)
        if shown is None:
            return _("row {n:,}").format(n=position + 1)
        return _("row {n:,} of {total}").format(n=position + 1, total=shown)
